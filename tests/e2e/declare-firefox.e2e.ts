import { createHash } from 'node:crypto';
import type { Page } from 'puppeteer-core';
import { GECKO_ID } from '../../utils/extension-id.ts';
import { FIREFOX_BUILD, type FirefoxExtension } from './firefox.ts';
import { type StoredRecord, shortcutKeys, waitFor } from './harness.ts';
import { expect, test } from './test.ts';

/**
 * The declare path in Firefox ESR as a new user takes it: the repository set in options, a Gmail message and a
 * generic page declared from the popup (the generic page read after the shortcut grants activeTab), each record
 * checked at the repository. The apps' hosts are served over TLS by the loopback stand-in (tests/e2e/firefox.ts).
 */

// A real window, where the shortcut pressed through the X server reaches Firefox.
test.override({ firefoxOptions: { headed: true, sites: ['gmail', 'generic'] } });

const RAW_URL =
  'https://mail.google.com/mail/u/0/?view=att&permmsgid=msg-f:1750360559522271241&attid=0&disp=comp&safe=1&zw';
const GMAIL_SOURCE_ID = '<CAPC3khAeVZ3FdSKKEBHaqLZaFZQE3M8ri5fTDFoJnho9cJUurA@mail.gmail.com>';
const ARTICLE_URL =
  'https://www.northfield.example.gov/reports/annual-records-management-report-2026?utm_source=newsletter';
/** The page's own canonical URL: tracking parameters dropped, so the duplicate check finds the record again. */
const ARTICLE_CANONICAL = 'https://www.northfield.example.gov/reports/annual-records-management-report-2026';
const DECLARED = 'Declared and received by the repository';

/** The text of the page, once it contains `text`. */
async function untilText(page: Page, text: string): Promise<string> {
  return waitFor(async () => {
    const body = await page.evaluate(() => document.body.innerText).catch(() => '');
    return body.includes(text) ? body : undefined;
  }, `“${text}” on ${page.url()}`);
}

/** Declares the popup's item with the demo presets' HR profile, which asks for a case number. */
async function declareFrom(popup: Page, title: string, caseNumber: string): Promise<void> {
  await waitFor(
    async () =>
      (await popup.$eval('input[name="title"]', (e) => e.value).catch(() => '')) === title ? true : undefined,
    `the popup to offer “${title}”`,
  );
  await popup.type('input[name="field.caseNumber"]', caseNumber);
  await popup.focus('input[name="title"]');
  await popup.keyboard.press('Enter');
  await untilText(popup, DECLARED);
}

test('the toolbar button sits on the toolbar, where its badge can be seen', async ({ firefox }) => {
  // Firefox names an add-on's button widget after its id (browser/components/extensions/ExtensionControlledPopup…
  // makeWidgetId: lower case, anything but [a-z0-9_-] as `_`).
  const widget = `${GECKO_ID.toLowerCase().replace(/[^a-z0-9_-]/g, '_')}-browser-action`;
  expect(await firefox.privileged(`CustomizableUI.getPlacementOfWidget('${widget}')?.area`)).toBe('nav-bar');
});

/** Firefox's own shortcuts for `keys` (`alt+shift+d`) in its browser window: <key> elements outside add-on keysets. */
function firefoxShortcuts(firefox: FirefoxExtension, keys: string): Promise<string[]> {
  const modifiers = keys.split('+');
  const key = modifiers.pop()!;
  return firefox.privileged<string[]>(`[...document.querySelectorAll('key')]
    .filter((k) => !k.parentElement.id.startsWith('ext-keyset-id'))
    .filter((k) => (k.getAttribute('key') ?? '').toLowerCase() === ${JSON.stringify(key)})
    .filter((k) => (k.getAttribute('modifiers') ?? '')
      .split(/[, ]+/).filter(Boolean).map((m) => (m === 'accel' || m === 'control' ? 'ctrl' : m)).sort().join('+')
      === ${JSON.stringify(modifiers.sort().join('+'))})
    .map((k) => k.id || k.getAttribute('command') || 'unnamed')`);
}

test('the shortcut is one Firefox itself does not take', async ({ firefox }) => {
  // The old default, Ctrl+Shift+Y, opens Firefox's Library (Downloads) on Linux.
  expect(await firefoxShortcuts(firefox, 'ctrl+shift+y')).toEqual(['key_openDownloads']);
  expect(await firefoxShortcuts(firefox, shortcutKeys(FIREFOX_BUILD))).toEqual([]);
});

test('the repository set in options: Saved is said, the host permission granted, no MHTML box ticked', async ({
  firefox,
  repository,
}) => {
  const options = await firefox.options();
  await options.waitForSelector('#repositoryUrl');
  await options.type('#repositoryUrl', repository.url);
  await options.type('#token', repository.token);
  await options.click('form.connection button[type="submit"]');
  // Asked in the click, so Firefox grants it (prompts are off in the test profile; outside a gesture it refuses).
  // The pattern the extension asks for: match patterns cover every port, and Firefox takes none in a pattern.
  const { protocol, hostname } = new URL(repository.url);
  const origins = [`${protocol}//${hostname}/*`];
  const granted = await waitFor(
    async () =>
      (await options.evaluate(
        (o) => (globalThis as unknown as { browser: typeof chrome }).browser.permissions.contains({ origins: o }),
        origins,
      ))
        ? true
        : undefined,
    'Firefox to grant the repository origin',
    30_000,
  ).catch(() => false);
  // The first Save says so (the form must not lose its message).
  const status = await waitFor(
    async () => (await options.$eval('.connection-status', (e) => (e as HTMLElement).innerText)) || undefined,
    'the Save message',
    30_000,
  ).catch(() => '');
  const settings = await firefox.ask<{ repositoryUrl: string; hasToken: boolean }>('settings.get');
  // Firefox has no pageCapture: the MHTML archives box is not offered, or a click leaves it unticked.
  const box = await options.$('label.archives input[type="checkbox"]:not([disabled])');
  let archivesTicked = false;
  if (box) {
    await box.click();
    archivesTicked = await waitFor(
      async () => ((await box.evaluate((e) => (e as HTMLInputElement).checked)) ? undefined : false),
      'the MHTML archives box to untick',
      30_000,
    ).catch(() => true);
  }
  expect({ settings, granted, status, archivesTicked }).toEqual({
    settings: expect.objectContaining({ repositoryUrl: repository.url, hasToken: true }),
    granted: true,
    status: expect.stringMatching(/^Saved\./),
    archivesTicked: false,
  });
});

test('declares a Gmail message from the popup; the repository holds it with its .eml', async ({
  firefox,
  repository,
  standIn,
}) => {
  await firefox.connectTo(repository);
  const tab = await firefox.open('https://mail.google.com/mail/u/0/#inbox/FMfcgzGrbHrBdFGBXqpFZvSkcQpKkvrM');
  await firefox.waitForBadge(tab.id, '1');
  const popup = await firefox.popup(tab.id);
  await declareFrom(popup, 'Message attachment with plain text', 'HR-2291');

  // The content script fetched the raw message in the page's own origin, from the stand-in.
  expect(standIn!.requests.filter((url) => url.includes('view=att'))).toEqual([RAW_URL]);
  const items = await repository.records(GMAIL_SOURCE_ID);
  expect(items).toHaveLength(1);
  const { record, receipt } = items[0]!;
  expect(record).toMatchObject({
    title: 'Message attachment with plain text',
    source: { app: 'gmail', kind: 'email', sourceId: GMAIL_SOURCE_ID },
    fields: { caseNumber: 'HR-2291' },
  });
  const eml = await repository.content(record.id, 0);
  const sha256 = createHash('sha256').update(eml).digest('hex');
  expect(record.content[0]).toMatchObject({ name: 'message.eml', mimeType: 'message/rfc822', sha256 });
  expect(receipt.content).toEqual(record.content.map(({ name, sha256, size }) => ({ name, sha256, size })));
});

test('declares a generic page after the shortcut opens the popup; filed under its canonical URL', async ({
  firefox,
  repository,
}) => {
  await firefox.connectTo(repository);
  const tab = await firefox.open(ARTICLE_URL);
  // Nothing is read from a site no detector knows until the user invokes the extension there.
  expect(await firefox.badge(tab.id)).toBe('');
  await firefox.pressShortcut(tab.page);
  // The real popup, opened by the shortcut, reads the page (activeTab) and sets the badge.
  await firefox.waitForBadge(tab.id, '1');
  const popup = await firefox.popup(tab.id);
  await declareFrom(popup, 'Annual Records Management Report 2026', 'HR-7');

  const { items } = await repository.getJson<{ items: StoredRecord[] }>('records?limit=100');
  const declared = items.filter((item) => item.record.source.app === 'generic');
  expect(declared).toHaveLength(1);
  expect(declared[0]!.record).toMatchObject({
    title: 'Annual Records Management Report 2026',
    source: { app: 'generic', kind: 'document', url: ARTICLE_URL, sourceId: ARTICLE_CANONICAL },
    metadata: { publisher: 'Northfield County Council', language: 'en-GB' },
    content: [],
  });
});
