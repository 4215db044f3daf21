// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { loadFixtures } from './fixtures/fixtures';
import { describeStaysOffOthers, itDetectsFixtures, itGatesUrls, itReportsThrowing, parse } from './fixtures/support';
import { slack, slackLocation, tsToIso } from './slack';

const THREAD = new URL('https://app.slack.com/client/T0A1B2C3D/C07RMRECORD/thread/C07RMRECORD-1763630040.123459');
const message = (ts: string, sender = '', text = 'hi') =>
  `<div role="listitem" data-item-key="${ts}"><div data-qa="message_container">${
    sender ? `<button data-qa="message_sender_name">${sender}</button>` : ''
  }<div data-qa="message-text">${text}</div></div></div>`;
const pane = (items: string) => parse(`<div data-qa="threads_flexpane">${items}</div>`);

describe('slack fixtures', () => {
  itDetectsFixtures(slack, 'slack');

  it('offers the parent and every reply of the open thread, not the channel behind it', () => {
    const thread = loadFixtures('slack').find((f) => f.file === 'thread.html')!;
    const detections = slack.detect(parse(thread.html), new URL(thread.url));
    expect(detections.map((d) => d.metadata.identifiers?.ts)).toEqual([
      '1763630040.123459',
      '1763630100.223344',
      '1763630112.000900',
      '1763630400.555000',
    ]);
    // The third reply has no sender of its own: Slack groups it under Ben's message above.
    expect(detections[2]?.metadata.originator).toBe('Ben Ortiz');
    expect(detections.map((d) => d.via)).toEqual(['data-msg-ts', 'data-msg-ts', 'data-item-key', 'data-ts']);
  });
});

describeStaysOffOthers(slack, 'slack');

describe('slack URL grammar', () => {
  it('reads a thread URL', () => {
    expect(slackLocation(THREAD)).toEqual({
      team: 'T0A1B2C3D',
      channel: 'C07RMRECORD',
      ts: '1763630040.123459',
      threadTs: '1763630040.123459',
      thread: true,
    });
  });

  it('reads an enterprise grid thread URL', () => {
    const url = new URL('https://app.slack.com/client/E012AB3CD/D05EARRB43X/thread/D05EARRB43X-1700000000.000100');
    expect(slackLocation(url)?.team).toBe('E012AB3CD');
  });

  it('reads a permalink, with the thread of a reply', () => {
    const url = new URL(
      'https://acme.slack.com/archives/C07RMRECORD/p1763630100223344?thread_ts=1763630040.123459&cid=C07RMRECORD',
    );
    expect(slackLocation(url)).toEqual({
      team: 'acme.slack.com',
      channel: 'C07RMRECORD',
      ts: '1763630100.223344',
      threadTs: '1763630040.123459',
      thread: false,
    });
  });

  const none = [
    'https://app.slack.com/client/T0A1B2C3D/C07RMRECORD',
    'https://app.slack.com/client/T0A1B2C3D/C07RMRECORD/thread/C0OTHER123-1763630040.123459',
    'https://app.slack.com/client/T0A1B2C3D/C07RMRECORD/thread/C07RMRECORD-17636.1',
    'https://acme.slack.com/archives/C07RMRECORD',
    'https://acme.slack.com/archives/C07RMRECORD/p12',
    'https://app.slack.com/client/T0A1B2C3D/unreads',
  ];
  for (const url of none) it(`finds no message in ${url}`, () => expect(slackLocation(new URL(url))).toBeUndefined());
});

describe('tsToIso', () => {
  it('turns seconds.microseconds into an instant', () => {
    expect(tsToIso('1700000000.123456')).toBe('2023-11-14T22:13:20.123Z');
    expect(tsToIso('1700000000.000000')).toBe('2023-11-14T22:13:20Z');
    expect(tsToIso('1700000000')).toBeUndefined();
    expect(tsToIso('99999999999.000000')).toBeUndefined();
    expect(tsToIso('abc.def')).toBeUndefined();
  });
});

describe('slack signals and fallbacks', () => {
  it('gives nothing for a thread URL while the pane shows another thread or none', () => {
    expect(slack.detect(pane(message('1763630999.000001', 'Ann')), THREAD)).toEqual([]);
    expect(slack.detect(parse(message('1763630040.123459', 'Ann')), THREAD)).toEqual([]);
  });

  it('names DMs without a # and channels by id when the header is missing', () => {
    const dm = new URL('https://app.slack.com/client/T0A1B2C3D/D05EARRB43X/thread/D05EARRB43X-1763630040.123459');
    const doc = parse(
      `<span data-qa="channel_name">Ann Lee</span>${pane(message('1763630040.123459', 'Ann')).body.innerHTML}`,
    );
    expect(slack.detect(doc, dm)[0]?.title).toBe('Ann in Ann Lee: hi');
    expect(slack.detect(pane(message('1763630040.123459', 'Ann')), THREAD)[0]?.title).toBe('Ann in C07RMRECORD: hi');
  });

  it('does without a sender when none is shown', () => {
    const [d] = slack.detect(pane(message('1763630040.123459', '', '')), THREAD);
    expect(d?.title).toBe('Message in C07RMRECORD');
    expect(d?.metadata.originator).toBeUndefined();
  });
});

describe('slack never throws', () => {
  itReportsThrowing(slack, THREAD);

  it('caps a long thread at 100 detections, on 10 000 messages', () => {
    const replies = Array.from({ length: 10_000 }, (_, i) => message(`${1763630041 + i}.000000`)).join('');
    const detections = slack.detect(pane(message('1763630040.123459', 'Ann') + replies), THREAD);
    expect(detections).toHaveLength(100);
  }, 120_000);
});

describe('slack URL grammar', () => {
  itGatesUrls(slack, {
    yes: [
      'https://app.slack.com/client/T0A1B2C3D/C07RMRECORD',
      'https://acme.slack.com/archives/C1/p1',
      'https://acme.enterprise.slack.com/archives/C1/p1',
    ],
    no: [
      'http://app.slack.com/client/T0A1B2C3D/C07RMRECORD',
      'https://slack.com/client/T0A1B2C3D/C07RMRECORD',
      'https://app.slack.com.evil.example/client/T0A1B2C3D/C07RMRECORD',
      'https://acme.slack.com/files/U1/F1/report.pdf',
    ],
  });
});
