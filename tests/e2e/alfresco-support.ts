import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { OutboxView } from '../../utils/outbox/view.ts';
import type { SettingsView } from '../../utils/settings.ts';
import type { PresetsStatus } from '../../utils/ui/views.ts';
import { type ExtensionBrowser, message, openPopup, serveGmail, waitFor } from './harness.ts';

/**
 * What the Alfresco and CMIS end-to-end tests share: the presets an organisation filing into such a repository
 * would push, pointing the extension at a loopback fake as the options page does, and the two apps the issue
 * names — a Gmail message and a Box file — declared through the popup.
 */

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The Gmail fixture's raw message (the record's primary part) and its attachment's text. */
export const GMAIL_EML = readFileSync('utils/detectors/fixtures/gmail/e2e-message.eml');
export const BOX_URL = 'https://app.box.com/file/1062884591001';
const BOX_DOWNLOAD = 'https://app.box.com/index.php?rm=box_download_file&file_id=1062884591001';
export const BOX_SOURCE_ID = 'box:1062884591001';
export const BOX_PDF = readFileSync('utils/detectors/fixtures/box/e2e-file.pdf');

/** A file plan with an HR and a finance series, a profile per app, and the connector's mapping. */
export function presetsFor(connector: string, mapping: unknown, version = 1) {
  return {
    version,
    filePlan: [
      { id: 'HR', title: 'Human resources', children: [{ id: 'HR/2.3', title: 'Grievances', retention: '7y' }] },
      { id: 'FIN', title: 'Finance', children: [{ id: 'FIN/1', title: 'Invoices', retention: '10y' }] },
    ],
    profiles: [
      {
        id: 'hr-email',
        title: 'HR case email',
        recordType: 'email',
        defaultCategory: 'HR/2.3',
        fields: [{ id: 'caseNumber', label: 'Case number', type: 'text', required: true, pattern: '^HR-\\d+$' }],
        capture: ['eml', 'attachments'],
      },
      { id: 'invoice', title: 'Supplier invoice', recordType: 'document', defaultCategory: 'FIN/1', capture: [] },
    ],
    rules: [
      { when: { app: 'gmail' }, suggest: { profile: 'hr-email' } },
      { when: { app: 'box' }, suggest: { profile: 'invoice' } },
    ],
    connectors: { [connector]: mapping },
  };
}

/** Imports presets as an administrator's file, and fails unless they are the ones in force. */
export async function importPresets(page: Page, presets: Record<string, unknown>): Promise<void> {
  const status = await message<PresetsStatus>(page, 'presets.import', { text: JSON.stringify(presets) });
  const local = status.sources.find((source) => source.source === 'local');
  expect(local?.problems ?? []).toEqual([]);
  expect(status.presets.version).toBe(presets.version);
}

/**
 * What the options page's Save sends, after the browser granted the repository's host permission. A test cannot
 * click that prompt, so the fakes answer CORS for the extension's origin instead (tests/fakes/alfresco/cors.ts).
 */
export async function connect(
  page: Page,
  connector: string,
  url: string,
  options: Record<string, string | boolean>,
  password: string,
): Promise<SettingsView> {
  const view = await message<SettingsView>(page, 'settings.save', {
    connector,
    repositoryUrl: url,
    token: '',
    options,
    secrets: { password },
  });
  expect(view).toMatchObject({ connector, repositoryUrl: url, problems: [], secrets: ['password'] });
  return view;
}

/** Serves the Box fixture's page and download at their real URLs; the download is `file`. */
export async function serveBox(browser: ExtensionBrowser, file: Buffer = BOX_PDF): Promise<void> {
  const html = readFileSync('utils/detectors/fixtures/box/e2e-file.html');
  await browser.context.route('https://app.box.com/**', (route) => {
    const url = route.request().url();
    if (url === BOX_DOWNLOAD) return route.fulfill({ body: file, contentType: 'application/pdf' });
    if (url.startsWith(BOX_URL)) return route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' });
    return route.fulfill({ status: 404, body: '' });
  });
}

export { serveGmail };

/** The id Chromium gave the tab showing `page`, asked from an extension page. */
export async function tabOf(page: Page, from: Page): Promise<number> {
  await page.bringToFront();
  const id = await from.evaluate(async () => {
    const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
    return tab?.id;
  });
  if (id === undefined) throw new Error(`No tab for ${page.url()}`);
  return id;
}

/**
 * Opens `url` in a tab, waits for the app's content script to detect it, and declares it from the popup as a
 * person would (the suggested profile; `fill` for its required fields); closes the tab once the popup says the
 * record is declared (its content captured), and answers the popup.
 */
export async function declareInPopup(
  browser: ExtensionBrowser,
  from: Page,
  url: string,
  fill: Record<string, string> = {},
  { again = false } = {},
): Promise<Page> {
  const tab = await browser.context.newPage();
  await tab.goto(url);
  const tabId = await tabOf(tab, from);
  await waitFor(
    async () =>
      (await message<{ detections: unknown[] }>(from, 'tab.detections', { tabId })).detections.length
        ? true
        : undefined,
    `the page at ${url} to be detected`,
  );
  const popup = await openPopup(browser, tabId);
  await popup.getByLabel('Title').waitFor();
  for (const [label, value] of Object.entries(fill)) await popup.getByLabel(label).fill(value);
  if (again) {
    await popup.getByText(/^Already declared on /).waitFor();
    await popup.getByLabel('Declare it again anyway').check();
  }
  await popup.getByLabel('Title').press('Enter');
  // The content is captured from the page: it stays open until the record is in the outbox.
  const outcome = popup.locator('.result-declared, .result-failed').first();
  await outcome.waitFor({ timeout: 180_000 });
  if ((await outcome.getAttribute('class'))?.includes('result-failed')) {
    throw new Error(`Declaring ${url} failed: ${await outcome.innerText()}`);
  }
  await tab.close();
  return popup;
}

/**
 * Waits until the popup says the repository received the declaration; on a timeout the error carries what the
 * popup showed instead (an error, a needs-attention notice), so that a failure says why.
 */
export async function receivedInPopup(popup: Page, timeoutMs = 180_000): Promise<void> {
  try {
    await popup.getByText('Declared and received by the repository').waitFor({ timeout: timeoutMs });
  } catch (error) {
    const shown = await popup
      .locator('body')
      .innerText()
      .catch(() => '(the popup is gone)');
    throw new Error(`The popup never said the record was received. It shows:\n${shown}`, { cause: error });
  }
}

/** The outbox rows, as the options page lists them. */
export function outbox(page: Page): Promise<OutboxView[]> {
  return message<OutboxView[]>(page, 'outbox.list');
}

/** Waits until the newest declaration of `sourceId` is synced (or fails with why it needs attention). */
export async function syncedRow(page: Page, sourceId: string, timeoutMs = 180_000): Promise<OutboxView> {
  return waitFor(
    async () => {
      const rows = (await outbox(page)).filter((row) => row.sourceId === sourceId);
      const row = rows.sort((a, b) => b.declaredAt.localeCompare(a.declaredAt))[0];
      if (row?.state === 'needs-attention') throw new Error(`${row.id} needs attention: ${row.lastError}`);
      if (row?.state !== 'synced') {
        await message(page, 'outbox.drain');
        return undefined;
      }
      return row;
    },
    `the declaration of ${sourceId} to be synced`,
    timeoutMs,
  );
}
