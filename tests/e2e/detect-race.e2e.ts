import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Detection } from '../../utils/detectors/types.ts';
import type { TabDetections } from '../../utils/messaging.ts';
import { expect, test } from './test.ts';

/**
 * The same answer in every path, and no race at load: when the popup asks for detections while an app's page is still
 * loading (its content script has not arrived yet), the answer, once the page has loaded, must be the app's own, as
 * its content script gives it, never the on-demand script's. The page is held half-loaded by a parser-blocking script
 * that the test releases only after it has asked.
 */

const FIXTURES = 'utils/detectors/fixtures';

interface Case {
  site: string;
  file: string;
}

/** A Google Form (an editor the Docs app script knows, on the Docs host) and a Gmail thread. */
const CASES: Case[] = [
  { site: 'google-docs', file: 'form-editor.html' },
  { site: 'gmail', file: 'e2e-message.html' },
];

function load({ site, file }: Case): { url: string; html: string; expected: Detection[] } {
  const index = JSON.parse(readFileSync(join(FIXTURES, site, 'index.json'), 'utf8')) as {
    file: string;
    url: string;
    expected: string;
  }[];
  const entry = index.find((e) => e.file === file)!;
  const html = readFileSync(join(FIXTURES, site, file), 'utf8');
  return {
    url: entry.url,
    // The blocking script comes first in <head>: until it arrives the document holds nothing of the app.
    html: html.replace(/<head>/i, '<head><script src="/__slow.js"></script>'),
    expected: JSON.parse(readFileSync(join(FIXTURES, site, entry.expected), 'utf8')),
  };
}

// `browser.tabIdOf` asks from the extension's own page, which opens in a tab of its own the first time: opened here
// first, it cannot become the active tab that `tabIdOf` then takes for the app's.
test.beforeAll(async ({ browser }) => {
  await browser.extensionPage();
});

test.describe.each(CASES)('$site/$file during a slow load', (item) => {
  test('answers with the app’s detections once the page has loaded', async ({ browser }) => {
    const { url, html, expected } = load(item);
    const origin = new URL(url).origin;
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let slowAsked!: () => void;
    const slowRequested = new Promise<void>((resolve) => {
      slowAsked = resolve;
    });
    await browser.context.route(`${origin}/**`, async (route) => {
      const requested = new URL(route.request().url());
      if (requested.pathname === '/__slow.js') {
        slowAsked();
        await released;
        return route.fulfill({ body: '/* loaded */', contentType: 'text/javascript' });
      }
      if (`${requested.origin}${requested.pathname}` === `${origin}${new URL(url).pathname}`) {
        return route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' });
      }
      return route.fulfill({ status: 404, body: '' });
    });
    const page = await browser.context.newPage();
    const loaded = page.goto(url, { waitUntil: 'load' });
    // The document is committed and its parser is held at the blocking script: the app's script is not there yet.
    await slowRequested;
    const tabId = await browser.tabIdOf(page);
    const popup = await browser.popup(tabId);
    await popup.evaluate((tab) => {
      const scope = globalThis as unknown as { answer?: Promise<unknown> };
      scope.answer = chrome.runtime
        .sendMessage({ type: 'tab.detections', data: { tabId: tab } })
        .then((answer) => (answer?.ok ? answer.value : { error: answer?.error }));
    }, tabId);
    // The question is in flight while the page is still loading; only now may the page finish.
    release();
    await loaded;
    const answer = (await popup.evaluate(
      () => (globalThis as unknown as { answer: Promise<unknown> }).answer,
    )) as TabDetections;
    expect(answer.error).toBeUndefined();
    expect(answer.detections).toEqual(expected);

    // And from then on the tab keeps giving the app's answer, and its badge counts the app's items.
    const again = (await popup.evaluate(
      (tab) => chrome.runtime.sendMessage({ type: 'tab.detections', data: { tabId: tab } }),
      tabId,
    )) as { ok: boolean; value: TabDetections };
    expect(again.value.detections).toEqual(expected);
    await browser.waitForBadge(tabId, String(expected.length));
    await popup.close();
    await page.close();
    await browser.context.unrouteAll();
  });
});
