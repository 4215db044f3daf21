// @vitest-environment happy-dom
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectRunnerReports } from './fixtures/reported';
import { brokenDocument, expectValid, inUtc, itDetectsFixtures, itGatesUrls, parse } from './fixtures/support';
import { outlook, parseOwaDate } from './outlook';

const dir = join(import.meta.dirname, 'fixtures/outlook');
const load = (file: string) => parse(readFileSync(join(dir, file), 'utf8'));
const ITEM =
  'AAMkADAwATM3ZmYAZS1hNjE1LTQ0ZGEtMDACLTAwCgBGAAADdCd2eVbXm0SQyPePPNoPnwcAQb8RV3K%2FQkWaNJBQgOE9SgAAAA%3D%3D';
const CONV = 'AAQkADAwATM3ZmYAZS1hNjE1LTQ0ZGEtMDACLTAwCgAQAHs1y4Vv7ElJnQ2VaeDEz6I=';
const pane = (body: string, head = '') =>
  parse(`<!doctype html><html><head>${head}</head><body><div id="ReadingPaneContainerId">${body}</div></body></html>`);
const message = `<div id="ItemReadingPaneContainer"><div role="heading"><span title="Hello">Hello</span></div>
  <div aria-label="From: Ann"><span title="ann@contoso.com">Ann</span></div>
  <div id="UniqueMessageBody"><div role="document">Hi</div></div></div>`;

// OWA writes sent times in the viewer's zone; the fixtures are what a viewer in UTC sees.
inUtc();

describe('outlook fixtures', () => {
  itDetectsFixtures(outlook, 'outlook');

  it('gives one detection per expanded message of a conversation, skipping the collapsed one and quoted headers', () => {
    const found = outlook.detect(
      load('conversation.html'),
      new URL(`https://outlook.office365.com/mail/0/inbox/id/${encodeURIComponent(CONV)}`),
    );
    expect(found.map((d) => d.metadata.originator)).toEqual([
      'Sara Kim <sara.kim@contoso.com>',
      'Ann Lee <ann.lee@contoso.com>',
    ]);
    expect(found[1]?.metadata.otherAddressees).toEqual(['Records <records@contoso.com>']);
    expect(JSON.stringify(found)).not.toContain('mallory');
    expect(new Set(found.map((d) => d.source.sourceId)).size).toBe(2);
  });
});

describe('outlook ids', () => {
  it('reads the item id from /mail/id/, /mail/<folder>/id/ and deeplink/read/', () => {
    for (const path of [`/mail/id/${ITEM}`, `/mail/archive/id/${ITEM}`, `/mail/deeplink/read/${ITEM}?ispopout=0`]) {
      const [d] = outlook.detect(pane(message), new URL(`https://outlook.office.com${path}`));
      expect(d?.source.sourceId).toBe(`outlook:${decodeURIComponent(ITEM)}`);
      expect(d?.metadata.identifiers?.itemId).toBe(decodeURIComponent(ITEM));
      expect(d?.via).toBe('url-id');
    }
  });

  it('falls back to the selected row’s data-convid when the URL has no id', () => {
    const list = `<div role="listbox" aria-activedescendant="r1"><div role="option" id="r1" aria-selected="true" data-convid="${CONV}"></div></div>`;
    const [d] = outlook.detect(pane(message + list), new URL('https://outlook.office.com/mail/inbox'));
    expect(d?.via).toBe('data-convid');
    expect(d?.source.sourceId).toBe(`outlook:${CONV}`);
    expect(d?.metadata.identifiers).toEqual({ conversationId: CONV, folder: 'inbox' });
  });

  it('gives nothing without any id, and nothing for an id that is not one', () => {
    expect(outlook.detect(pane(message), new URL('https://outlook.office.com/mail/inbox'))).toEqual([]);
    const bad = encodeURIComponent('AAMk<script>alert(1)</script>');
    expect(outlook.detect(pane(message), new URL(`https://outlook.office.com/mail/id/${bad}`))).toEqual([]);
  });

  it('plans a snapshot, since OWA offers no same-origin raw message', () => {
    const [d] = outlook.detect(pane(message), new URL(`https://outlook.office.com/mail/id/${ITEM}`));
    expect(d?.capture).toEqual({ parts: [{ source: 'snapshot', name: 'message.html', role: 'primary' }] });
  });
});

describe('outlook on customer domains', () => {
  const url = new URL(`https://mail.contoso.com/owa/?ItemID=${ITEM}`);
  it('needs OWA’s own markers', () => {
    expect(outlook.detect(pane(message), url)).toEqual([]);
    const head = '<script src="/owa/prem/15.1.2507.6/scripts/owamail/boot.worldwide.0.mouse.js"></script>';
    expect(outlook.detect(pane(message, head), url)).toHaveLength(1);
  });

  it('gives nothing on an ordinary page under /mail/', () => {
    const doc = parse(
      '<html><body><main><h1>Mail services</h1><div role="document">Our mail policy</div></main></body></html>',
    );
    expect(outlook.detect(doc, new URL('https://www.example.org/mail/id/AAMkAAAAAAAAAAAA'))).toEqual([]);
  });
});

describe('outlook metadata signals', () => {
  const url = new URL(`https://outlook.office.com/mail/id/${ITEM}`);
  it('takes the address from mailto links and data-email, and keeps a bare name when no address is shown', () => {
    const doc = pane(`<div id="ItemReadingPaneContainer"><div role="heading">Hi</div>
      <div aria-label="From: Bob"><a href="mailto:bob@contoso.com?subject=x">Bob</a></div>
      <div aria-label="To: Carol; Dan"><span data-email="carol@contoso.com">Carol</span></div>
      <div aria-label="Cc: Internal Person"></div>
      <div id="UniqueMessageBody">x</div></div>`);
    const [d] = outlook.detect(doc, url);
    expect(d?.metadata.originator).toBe('Bob <bob@contoso.com>');
    expect(d?.metadata.addressees).toEqual(['Carol <carol@contoso.com>']);
    expect(d?.metadata.otherAddressees).toEqual(['Internal Person']);
    expect(d?.title).toBe('Hi');
  });

  it('prefers time[datetime] over the displayed time', () => {
    const doc = pane(`<div id="ItemReadingPaneContainer"><time datetime="2024-02-01T10:00:00Z"></time>
      <div data-testid="SentReceivedSavedTime" title="Thu 2/1/2024 11:00 AM"></div><div id="UniqueMessageBody">x</div></div>`);
    expect(outlook.detect(doc, url)[0]?.metadata.dateSent).toBe('2024-02-01T10:00:00Z');
  });

  it('reads OWA display dates in the viewer’s zone, refusing ambiguous ones', () => {
    const read = {
      'Mon 11/20/2023 9:14 AM': '2023-11-20T09:14:00Z',
      'Mon 11/20/2023 12:05 PM': '2023-11-20T12:05:00Z',
      '20/11/2023 21:14': '2023-11-20T21:14:00Z',
      '2023-11-20 21:14': '2023-11-20T21:14:00Z',
      'Mon, Nov 20, 2023, 9:14 AM': '2023-11-20T09:14:00Z',
    };
    for (const [shown, iso] of Object.entries(read)) expect(parseOwaDate(shown)).toBe(iso);
    for (const refused of ['05/06/2023 10:00', '2/30/2023 10:00 AM', '13:00 PM 1/1/2023', 'yesterday']) {
      expect(parseOwaDate(refused)).toBeUndefined();
    }
  });

  it('gives nothing when several message bodies show with no expander to tell them apart', () => {
    const doc = pane(
      `<div id="ItemReadingPaneContainer"><div id="UniqueMessageBody_1">a</div><div id="UniqueMessageBody_2">b</div></div>`,
    );
    expect(outlook.detect(doc, url)).toEqual([]);
  });
});

describe('outlook on hostile pages', () => {
  const url = new URL(`https://outlook.office.com/mail/id/${ITEM}`);
  it('stays bounded with 10 000 expanded messages and persona floods', () => {
    const one =
      '<div aria-expanded="true"><div aria-label="From: X"><span title="x@contoso.com">X</span></div><div id="UniqueMessageBody">b</div></div>';
    const found = outlook.detect(pane(`<div id="ConversationReadingPaneContainer">${one.repeat(10_000)}</div>`), url);
    expect(found.length).toBeLessThanOrEqual(100);
    expectValid(found.slice(0, 3));
    const people = '<span title="p@contoso.com">P</span>'.repeat(10_000);
    const [d] = outlook.detect(
      pane(
        `<div id="ItemReadingPaneContainer"><div aria-label="To: many">${people}</div><div id="UniqueMessageBody">b</div></div>`,
      ),
      url,
    );
    expect(d?.metadata.addressees).toEqual(['P <p@contoso.com>']);
  }, 120_000);

  it('does not hide a document that throws: the runner reports it', () => {
    expectRunnerReports(outlook, brokenDocument('querySelector'), url);
    expect(outlook.detect(parse(''), url)).toEqual([]);
  });
});

describe('outlook URL gate', () => {
  itGatesUrls(outlook, {
    yes: [
      'https://outlook.office.com/mail/',
      `https://outlook.office.com/mail/id/${ITEM}`,
      `https://outlook.office365.com/mail/inbox/id/${ITEM}`,
      `https://outlook.live.com/mail/0/deeplink/read/${ITEM}`,
      `https://outlook.office365.com/owa/?ItemID=${ITEM}&exvsurl=1&viewmodel=ReadMessageItem`,
      'https://mail.contoso.com/owa/#path=/mail',
    ],
    no: [
      'http://outlook.office.com/mail/',
      'https://outlook.office.com/calendar/view/month',
      'https://outlook.office.com/',
      'https://example.org/mailbox/',
      'https://contoso.sharepoint.com/sites/Finance/_layouts/15/Doc.aspx?sourcedoc={x}',
    ],
  });
});
