// @vitest-environment happy-dom
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectValid, inUtc, itDetectsFixtures, itGatesUrls, itReportsThrowing, parse } from './fixtures/support';
import { gmail } from './gmail';
import { parseDisplayDate, parseSize } from './text';

const dir = join(import.meta.dirname, 'fixtures/gmail');
const load = (file: string) => parse(readFileSync(join(dir, file), 'utf8'));
/** The first detection on `doc` at `url`. */
const detectFirst = (doc: Document, url: string) => gmail.detect(doc, new URL(url))[0];
const thread = (body: string) => parse(`<!doctype html><html><body><div role="main">${body}</div></body></html>`);

// Gmail writes dates in the viewer's zone; the fixtures are what a viewer in UTC sees.
inUtc();

describe('gmail fixtures', () => {
  itDetectsFixtures(gmail, 'gmail');

  it('finds one detection per message of a thread, with To and Cc separated where Gmail shows details', () => {
    const [first, second, third] = gmail.detect(
      load('multi-message.html'),
      new URL('https://mail.google.com/mail/u/1/#label/ci.test/FMfcgzGqRGfPBbNLWvfPvDbxnHBwkdGf'),
    );
    expect(first?.metadata.otherAddressees).toBeUndefined();
    expect(second?.metadata.otherAddressees).toEqual(['Tom at FlowCrypt <tom@flowcrypt.com>']);
    expect(third?.metadata.otherAddressees).toContain('Records <records@flowcrypt.dev>');
    // The third message's date is German, so it comes from the time inside its id.
    expect(third?.metadata.dateSent).toBe('2022-10-27T13:05:12.123Z');
  });
});

describe('gmail URL gate', () => {
  itGatesUrls(gmail, {
    yes: [
      'https://mail.google.com/mail/u/0/#inbox',
      'https://mail.google.com/mail/#inbox/FMfcgzGrbHrBdFGBXqpFZvSkcQpKkvrM',
      'https://mail.google.com/mail/u/3/#label/Work/FMfcgzGrbHrBdFGBXqpFZvSkcQpKkvrM',
      'https://mail.google.com/mail/b/ALGkd0x3vK/u/0/#search/q/FMfcgzGrbHrBdFGBXqpFZvSkcQpKkvrM',
    ],
    no: [
      'http://mail.google.com/mail/u/0/',
      'https://mail.google.com/chat/u/0/',
      'https://mail.google.com.evil.example/mail/u/0/',
      'https://evil.example/mail/u/0/#inbox/FMfcgzGrbHrBdFGBXqpFZvSkcQpKkvrM',
      'https://docs.google.com/document/d/1/edit',
    ],
  });

  it('gives nothing for a URL outside Gmail even with a thread in the DOM', () => {
    expect(gmail.detect(load('single-message.html'), new URL('https://example.org/mail/x'))).toEqual([]);
  });
});

describe('gmail ids from the URL alone', () => {
  it('uses a legacy hex id in the hash, and fetches by th=', () => {
    const d = detectFirst(
      thread('<h2 class="hP">Hello</h2>'),
      'https://mail.google.com/mail/u/2/#inbox/184a87a7b32dd009',
    );
    expect(d?.via).toBe('url-legacy-id');
    expect(d?.source.sourceId).toBe('gmail:msg-f:1750360559522271241');
    expect(d?.metadata.identifiers).toEqual({
      account: '2',
      threadPermId: 'thread-f:1750360559522271241',
      legacyThreadId: '184a87a7b32dd009',
    });
    expect(d?.metadata.dateSent).toBe('2022-11-24T07:11:50.066Z');
    expect(d?.capture).toEqual({
      parts: [
        {
          source: 'fetch',
          url: 'https://mail.google.com/mail/u/2/?view=att&th=184a87a7b32dd009&attid=0&disp=comp&safe=1&zw',
          name: 'message.eml',
          mimeType: 'message/rfc822',
          role: 'primary',
        },
      ],
    });
  });

  it('uses the heading ids when messages carry none', () => {
    const doc = thread(
      '<h2 class="hP" data-thread-perm-id="thread-f:1750360559522271241">Hello</h2><div class="adn"></div>',
    );
    const [d] = gmail.detect(doc, new URL('https://mail.google.com/mail/u/0/#inbox'));
    expect(d?.via).toBe('thread-id');
    expect(d?.source.sourceId).toBe('gmail:msg-f:1750360559522271241');
  });

  it('keeps a not-yet-synced thread token but has nothing to fetch', () => {
    const d = detectFirst(
      thread('<h2 class="hP">[ci.test] msg.asc</h2>'),
      'https://mail.google.com/mail/u/0/#sent/QgrcJHrtqfgLGKqwChjKsHKzZQpwRHMBqpG',
    );
    expect(d?.source.sourceId).toBe('gmail:msg-a:r-3250321130129805677');
    expect(d?.metadata.identifiers?.threadPermId).toBe('thread-a:r-3250321130129805677');
    expect(d?.metadata.dateSent).toBeUndefined();
    expect(d?.capture).toEqual({ parts: [] });
    expectValid([d]);
  });

  it('gives nothing for a thread token while no thread view is on the page', () => {
    const doc = thread('<table><tr class="zA"><td>row</td></tr></table>');
    expect(
      gmail.detect(doc, new URL('https://mail.google.com/mail/u/0/#inbox/FMfcgzGrbHrBdFGBXqpFZvSkcQpKkvrM')),
    ).toEqual([]);
  });

  it('ignores garbage at the end of the hash', () => {
    for (const hash of ['#inbox/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz', '#settings/general', `#inbox/${'B'.repeat(5000)}`]) {
      const doc = thread('<h2 class="hP">Hello</h2>');
      expect(gmail.detect(doc, new URL(`https://mail.google.com/mail/u/0/${hash}`))).toEqual([]);
    }
  });

  it('prefers the message id in the DOM over the URL token', () => {
    const doc = thread(
      '<h2 class="hP">Hello</h2><div class="adn" data-message-id="#msg-f:1750289813065259448"><span class="gD" email="a@example.org" name="A">A</span></div>',
    );
    const [d] = gmail.detect(doc, new URL('https://mail.google.com/mail/u/0/#inbox/FMfcgzGrbHrBdFGBXqpFZvSkcQpKkvrM'));
    expect(d?.source.sourceId).toBe('gmail:msg-f:1750289813065259448');
    expect(d?.metadata.identifiers?.threadPermId).toBe('thread-f:1750360559522271241');
    expect(d?.metadata.originator).toBe('A <a@example.org>');
  });
});

describe('gmail selected list rows', () => {
  const inbox = new URL('https://mail.google.com/mail/u/0/#inbox');
  const list = (rows: string) => thread(`<table><tbody>${rows}</tbody></table>`);
  const checkbox = (checked: boolean) =>
    `<td class="oZ-x3 xY aid"><div class="oZ-jc T-Jo J-J5-Ji" role="checkbox" aria-checked="${checked}"></div></td>`;
  const ids = (attrs: string, subject = 'Subject') =>
    `<td class="xY a4W"><div class="y6"><span class="bog"><span ${attrs}>${subject}</span></span></div></td>`;
  const people =
    '<td class="yX xY"><div class="yW"><span email="a@example.org" name="A">A</span>, <span email="b@example.org" name="B">B</span></div></td>';

  it('gives nothing when no row is checked', () => {
    expect(
      gmail.detect(
        list(`<tr class="zA">${checkbox(false)}${ids('data-thread-id="#thread-f:1750360559522271241"')}</tr>`),
        inbox,
      ),
    ).toEqual([]);
  });

  it('gives nothing for the rows behind a thread that is being opened', () => {
    const doc = list(`<tr class="zA">${checkbox(true)}${ids('data-legacy-last-message-id="184a87a7b32dd009"')}</tr>`);
    const url = new URL('https://mail.google.com/mail/u/0/#inbox/FMfcgzGrbHrBdFGBXqpFZvSkcQpKkvrM');
    expect(gmail.detect(doc, url)).toEqual([]);
  });

  // A checked row (with its sender cells) names its message by one of two ids, and is fetched by it.
  const byRowId = [
    {
      name: 'stands for the latest message with a last-message id: last-listed sender, fetched by th=',
      cells: ids('data-legacy-last-message-id="184a87a7b32dd009"'),
      at: 'https://mail.google.com/mail/u/4/#search/invoice',
      shown: {
        via: 'row-legacy-last-message-id',
        metadata: { originator: 'B <b@example.org>', dateSent: '2022-11-24T07:11:50.066Z' },
      },
      fetched: 'https://mail.google.com/mail/u/4/?view=att&th=184a87a7b32dd009&attid=0&disp=comp&safe=1&zw',
    },
    {
      name: 'stands for the first message with only a thread id, dated by the id',
      cells: `${ids('data-thread-id="#thread-f:1750360559522271241"')}<td class="xW xY"><span title="Fri, Nov 25, 2022, 9:00 AM">Nov 25</span></td>`,
      at: 'https://mail.google.com/mail/u/0/#label/Work',
      shown: {
        via: 'row-thread-id',
        source: { sourceId: 'gmail:msg-f:1750360559522271241' },
        metadata: { originator: 'A <a@example.org>', dateSent: '2022-11-24T07:11:50.066Z' },
      },
      fetched:
        'https://mail.google.com/mail/u/0/?view=att&permmsgid=msg-f:1750360559522271241&attid=0&disp=comp&safe=1&zw',
    },
  ];
  for (const row of byRowId) {
    it(row.name, () => {
      const [d] = gmail.detect(list(`<tr class="zA">${checkbox(true)}${people}${row.cells}</tr>`), new URL(row.at));
      expect(d).toMatchObject(row.shown);
      expect(d?.capture.parts[0]).toMatchObject({ url: row.fetched });
    });
  }

  it('ignores malformed row ids and keeps the row as shown, with nothing to fetch', () => {
    const [d] = gmail.detect(
      list(
        `<tr class="zA">${checkbox(true)}${people}${ids('data-thread-id="#thread-f:<script>" data-legacy-last-message-id="zz"', '<b>Hi</b>')}</tr>`,
      ),
      inbox,
    );
    expect(d?.via).toBe('row-selection');
    expect(d?.capture).toEqual({ parts: [] });
    expect(d?.title).toBe('Hi');
    expectValid([d]);
  });

  it('caps the rows it reads and stays bounded on 10 000 rows', () => {
    const rows = Array.from(
      { length: 10_000 },
      (_, i) =>
        `<tr class="zA">${checkbox(true)}${ids(`data-legacy-last-message-id="${(0x184a87a7b32dd009n + BigInt(i)).toString(16)}"`)}</tr>`,
    ).join('');
    const found = gmail.detect(list(rows), inbox);
    expect(found).toHaveLength(100);
    expect(new Set(found.map((d) => d.source.sourceId)).size).toBe(100);
  }, 120_000);

  it('matches the values InboxSDK expects from its real rows', () => {
    const d = detectFirst(load('vertical-pane-selected.html'), 'https://mail.google.com/mail/u/0/#label/Streak');
    expect(d?.title).toBe('lordprogrammer finished a deploy (fed8a27)');
    expect(d?.metadata.originator).toBe('Streak Bot <notifications@mailfoogae.appspotmail.com>');
    expect(d?.metadata.dateSent).toBe('2015-01-05T11:02:00Z');
  });
});

describe('gmail never throws', () => {
  itReportsThrowing(gmail, 'https://mail.google.com/mail/u/0/#inbox/FMfcgzGrbHrBdFGBXqpFZvSkcQpKkvrM');

  it('caps the messages it reads', () => {
    const many = Array.from(
      { length: 300 },
      (_, i) => `<div class="adn" data-legacy-message-id="${(0x184a87a7b32dd009n + BigInt(i)).toString(16)}"></div>`,
    );
    const detections = gmail.detect(
      thread(`<h2 class="hP">Big</h2>${many.join('')}`),
      new URL('https://mail.google.com/mail/u/0/#inbox'),
    );
    expect(detections).toHaveLength(100);
  });
});

describe('parseDisplayDate', () => {
  const cases: [string, string | undefined][] = [
    ['Thu, Dec 4, 2014 at 2:02 PM', '2014-12-04T14:02:00Z'],
    ['Nov 20, 2026, 9:14 AM', '2026-11-20T09:14:00Z'],
    ['Nov 20, 2026, 12:05\u202fAM', '2026-11-20T00:05:00Z'],
    ['Thu, Nov 24, 2022, 7:11 AM', '2022-11-24T07:11:00Z'],
    ['24 Nov 2022, 07:11', '2022-11-24T07:11:00Z'],
    ['Thursday, 24 November 2022 at 19:11:05', '2022-11-24T19:11:05Z'],
    ['Feb 31, 2022, 9:14 AM', undefined],
    ['Nov 20, 2026, 13:14 PM', undefined],
    ['27. Okt. 2022, 13:05', undefined],
    ['yesterday', undefined],
    ['', undefined],
  ];
  for (const [text, iso] of cases) it(`reads "${text}"`, () => expect(parseDisplayDate(text)).toBe(iso));

  it('reads the date in the browser time zone', () => {
    process.env.TZ = 'America/Halifax';
    try {
      expect(parseDisplayDate('Thu, Nov 24, 2022, 3:11 AM')).toBe('2022-11-24T07:11:00Z');
    } finally {
      process.env.TZ = 'UTC';
    }
  });
});

describe('parseSize', () => {
  it('reads Gmail sizes approximately', () => {
    expect(parseSize('12 KB')).toBe(12288);
    expect(parseSize('1.5 KB')).toBe(1536);
    expect(parseSize('2,9 MB')).toBe(3040870);
    expect(parseSize('512 bytes')).toBe(512);
    expect(parseSize('Shared in Drive')).toBeUndefined();
    expect(parseSize('9'.repeat(400))).toBeUndefined();
  });
});
