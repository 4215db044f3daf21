// @vitest-environment happy-dom
/**
 * The detectors on real captures of the apps' pages (utils/detectors/fixtures/real/, each with its source in
 * SOURCES.md there), beside the structural fixtures. What is expected comes from the capture itself (InboxSDK's own
 * expected values, the cards' `download_url`s), not from the detectors' output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAsExtension } from './index';

const REAL = join(import.meta.dirname, 'fixtures', 'real');
const read = (file: string) => readFileSync(join(REAL, file), 'utf8');
const parse = (html: string) => new DOMParser().parseFromString(html, 'text/html') as unknown as Document;

describe('Gmail thread rows captured by InboxSDK', () => {
  const capture = parse(read('gmail-thread-rows.html'));
  const cases = Array.from(capture.querySelectorAll('section[data-test-case]'));

  it('holds the three cases', () => expect(cases.length).toBe(3));

  for (const section of cases) {
    const name = section.getAttribute('data-test-case')!;
    const expected = JSON.parse(section.getAttribute('data-expected')!) as { subject: string; timeString: string };
    it(`${name}: the selected row gives InboxSDK's subject and time`, () => {
      // The user selects the row: its checkbox is the only thing changed.
      const rows = section.querySelector('tbody')!.innerHTML.replace('aria-checked="false"', 'aria-checked="true"');
      const page = parse(
        `<!doctype html><html><body><div role="main"><table><tbody>${rows}</tbody></table></div></body></html>`,
      );
      const { detections, errors } = runAsExtension(page, 'https://mail.google.com/mail/u/0/#inbox');
      expect(errors).toEqual([]);
      expect(detections).toHaveLength(1);
      expect(detections[0]).toMatchObject({ title: expected.subject, via: 'row-selection' });
      // "Thu, Dec 4, 2014 at 2:02 PM" as a viewer in the test's time zone saw it.
      const shown = new Date(expected.timeString.replace(' at ', ' '));
      expect(new Date(detections[0]!.metadata.dateSent!).getTime()).toBe(shown.getTime());
    });
  }
});

describe('Gmail attachment cards captured by InboxSDK', () => {
  const capture = parse(read('gmail-attachment-cards.html'));
  const sections = Array.from(capture.querySelectorAll('section[data-test-case]'));
  /** Per captured case, in order: the attachments of the message, as the card shows them. */
  const expected: [string, { name: string; mimeType?: string }[]][] = [
    ['not loaded', []],
    // Drive files shown as cards ("Shared in Drive") are links, not parts of the message, even when they carry a
    // download_url (to googleusercontent.com, not to the message).
    ['Spreadsheet/Doc', []],
    ['Image', []],
    ['Video', []],
    ['YouTube', []],
    ['Image partial load', [{ name: 'shortcuts available.png' }]],
    ['Image', [{ name: 'shortcuts available.png', mimeType: 'image/png' }]],
    ['Image 2', [{ name: 'glyphicons_154_more_windows@2x.png', mimeType: 'image/png' }]],
    ['Doc partial load', [{ name: 'NOTES.txt' }]],
    ['Doc', [{ name: 'NOTES.txt', mimeType: 'text/plain' }]],
    ['Generic partial load', [{ name: 'package.json' }]],
    ['Generic', [{ name: 'package.json', mimeType: 'application/json' }]],
    ['Video partial load', [{ name: 'assigned to indicators.mov' }]],
    ['Video', [{ name: 'assigned to indicators.mov', mimeType: 'video/quicktime' }]],
  ];

  it('holds the fourteen cases', () => {
    expect(sections.map((section) => section.getAttribute('data-test-case'))).toEqual(expected.map(([name]) => name));
  });

  for (const [index, [name, attachments]] of expected.entries()) {
    it(`case ${index} (${name}): ${attachments.length ? attachments[0]!.name : 'no attachment'}`, () => {
      const message =
        '<h2 class="hP" data-thread-perm-id="thread-f:1499990426155000000" data-legacy-thread-id="14d0c75c6145c8d4">Cards</h2>' +
        '<div class="adn" data-message-id="#msg-f:1499990426155000000" data-legacy-message-id="14d0c75c6145c8d4">' +
        '<span class="gD" email="sender@example.com" name="Sender"></span>' +
        `<div class="hq gt"><div class="aQH">${sections[index]!.innerHTML}</div></div></div>`;
      const page = parse(`<!doctype html><html><body><div role="main">${message}</div></body></html>`);
      const { detections, errors } = runAsExtension(page, 'https://mail.google.com/mail/u/0/#inbox/14d0c75c6145c8d4');
      expect(errors).toEqual([]);
      expect(detections).toHaveLength(1);
      expect(detections[0]!.metadata.attachments ?? []).toEqual(attachments.map((a) => expect.objectContaining(a)));
    });
  }
});

describe('Drive embedded folder view captured by gdown', () => {
  it('is a folder listing with nothing selected: nothing, and no "missed" count', () => {
    const page = parse(read('drive-embeddedfolderview.html'));
    const run = runAsExtension(
      page,
      'https://drive.google.com/embeddedfolderview?id=1aMZqPaU03E7XOQNXtjSCdguRHBaIQ82m',
    );
    expect(run).toEqual({ detections: [], errors: [], health: [] });
  });
});

describe('real captures keep personal data out', () => {
  // Addresses that are no one's: example domains and the app vendors' own service senders.
  const allowed = /@(example\.(com|org|net)|[a-z0-9.-]+\.appspotmail\.com)$/i;
  for (const file of ['gmail-thread-rows.html', 'gmail-attachment-cards.html', 'drive-embeddedfolderview.html']) {
    it(`${file} names no real mailbox and carries no account key`, () => {
      const text = read(file);
      const addresses = text.match(/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g) ?? [];
      // File names such as `glyphicons_154_more_windows@2x.png` are not addresses.
      expect(addresses.filter((a) => !allowed.test(a) && !/@\dx\.png$/.test(a))).toEqual([]);
      expect(text).not.toMatch(/[?&;]ik=(?!0{10})[0-9a-f]{10}/);
      expect(text).not.toMatch(/securesc\/(?!0{32})[a-z0-9]{32}\//);
    });
  }
});
