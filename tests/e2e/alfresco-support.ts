import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { OutboxView } from '../../utils/outbox/view.ts';
import type { SettingsView } from '../../utils/settings.ts';
import type { PresetsStatus } from '../../utils/ui/views.ts';
import { type ExtensionBrowser, waitFor } from './harness.ts';
import { sitePage } from './sites.ts';
import { type Sites, test } from './test.ts';

/**
 * What the Alfresco and CMIS end-to-end tests share: the presets an organisation filing into such a repository
 * would push, pointing the extension at a loopback fake as the options page does, and the two apps the issue
 * names — a Gmail message and a Box file — declared through the popup (their pages served by tests/e2e/sites.ts).
 */

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const GMAIL_PAGE = sitePage('gmail');
const BOX_PAGE = sitePage('box');

export const GMAIL = {
  /** The Gmail fixture's raw message: the record's primary part. */
  eml: Object.values(GMAIL_PAGE.files)[0]!,
  /** The raw message was read: the record is filed under its Message-ID. */
  sourceId: '<CAPC3khAeVZ3FdSKKEBHaqLZaFZQE3M8ri5fTDFoJnho9cJUurA@mail.gmail.com>',
  /** The message and its attachment, declared as an HR case. */
  declaration: { site: 'gmail', parts: 2, fill: { 'Case number': 'HR-2291' } },
} as const;

export const BOX = {
  /** The Box fixture's file, downloaded as the record's only part. */
  pdf: Object.values(BOX_PAGE.files)[0]!,
  sourceId: BOX_PAGE.expected[0]!.source.sourceId,
  declaration: { site: 'box', parts: 1 },
} as const;

/** An email profile for HR cases, with a case number the popup asks for, capturing the message and attachments. */
export const HR_CASE_PROFILE = {
  id: 'hr-case',
  title: 'HR case email',
  recordType: 'email',
  defaultCategory: 'HR/2.3',
  fields: [{ id: 'caseNumber', label: 'Case number', type: 'text', required: true, pattern: '^HR-\\d+$' }],
  capture: ['eml', 'attachments'],
};

/** A file plan with an HR and a finance series, a profile per app, and the connector's mapping. */
export function presetsFor(connector: string, mapping: unknown, version = 1) {
  return {
    version,
    filePlan: [
      { id: 'HR', title: 'Human resources', children: [{ id: 'HR/2.3', title: 'Grievances', retention: '7y' }] },
      { id: 'FIN', title: 'Finance', children: [{ id: 'FIN/1', title: 'Invoices', retention: '10y' }] },
    ],
    profiles: [
      HR_CASE_PROFILE,
      { id: 'invoice', title: 'Supplier invoice', recordType: 'document', defaultCategory: 'FIN/1', capture: [] },
    ],
    rules: [
      { when: { app: 'gmail' }, suggest: { profile: HR_CASE_PROFILE.id } },
      { when: { app: 'box' }, suggest: { profile: 'invoice' } },
    ],
    connectors: { [connector]: mapping },
  };
}

/** Imports presets as an administrator's file, and fails unless they are the ones in force. */
export async function importPresets(browser: ExtensionBrowser, presets: Record<string, unknown>): Promise<void> {
  const status = await browser.ask<PresetsStatus>('presets.import', { text: JSON.stringify(presets) });
  const local = status.sources.find((source) => source.source === 'local');
  expect(local?.problems ?? []).toEqual([]);
  expect(status.presets.version).toBe(presets.version);
}

/**
 * What the options page's Save sends, after the browser granted the repository's host permission. A test cannot
 * click that prompt, so the fakes answer CORS for the extension's origin instead (tests/fakes/alfresco/cors.ts).
 */
export async function connect(
  browser: ExtensionBrowser,
  connector: string,
  url: string,
  options: Record<string, string | boolean>,
  password: string,
): Promise<SettingsView> {
  const view = await browser.ask<SettingsView>('settings.save', {
    connector,
    repositoryUrl: url,
    token: '',
    options,
    secrets: { password },
  });
  expect(view).toMatchObject({ connector, repositoryUrl: url, problems: [], secrets: ['password'] });
  return view;
}

/**
 * Opens the app's page in a tab, waits for its content script to detect it, and declares it from the popup as a
 * person would (the suggested profile; `fill` for its required fields); closes the tab once the popup says the
 * record is declared (its content captured), and answers the popup.
 */
export async function declareInPopup(
  browser: ExtensionBrowser,
  sites: Sites,
  site: 'gmail' | 'box',
  fill: Readonly<Record<string, string>> = {},
  { again = false } = {},
): Promise<Page> {
  const opened = await sites.open(site);
  await opened.detected();
  const popup = await browser.popup(opened.tab.id);
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
    throw new Error(`Declaring ${opened.url} failed: ${await outcome.innerText()}`);
  }
  await opened.tab.page.close();
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
export function outbox(browser: ExtensionBrowser): Promise<OutboxView[]> {
  return browser.ask<OutboxView[]>('outbox.list');
}

/** Waits until the newest declaration of `sourceId` is synced (or fails with why it needs attention). */
export async function syncedRow(browser: ExtensionBrowser, sourceId: string, timeoutMs = 180_000): Promise<OutboxView> {
  return waitFor(
    async () => {
      const rows = (await outbox(browser)).filter((row) => row.sourceId === sourceId);
      const row = rows.sort((a, b) => b.declaredAt.localeCompare(a.declaredAt))[0];
      if (row?.state === 'needs-attention') throw new Error(`${row.id} needs attention: ${row.lastError}`);
      if (row?.state !== 'synced') {
        await browser.ask('outbox.drain');
        return undefined;
      }
      return row;
    },
    `the declaration of ${sourceId} to be synced`,
    timeoutMs,
  );
}

/** What a repository fake holds for one part: the Recordkeeper properties it was filed with. */
interface FiledPart {
  properties: Record<string, unknown>;
}

/**
 * Declares the app's item from the popup, waits until the repository received it and the outbox says it synced,
 * and checks that the repository holds each of its `parts` exactly once (`held` lists what the fake holds). Gives
 * the outbox row, the parts in part order, and how many parts the repository holds from the same source (over
 * every declaration of it).
 */
export async function declareAndFile<T extends FiledPart>(
  { browser, sites }: { browser: ExtensionBrowser; sites: Sites },
  held: () => T[],
  declaration: { site: 'gmail' | 'box'; parts: number; fill?: Readonly<Record<string, string>>; again?: boolean },
): Promise<{ row: OutboxView; parts: T[]; fromSource: number }> {
  const popup = await declareInPopup(browser, sites, declaration.site, declaration.fill, {
    again: declaration.again ?? false,
  });
  await receivedInPopup(popup);
  await popup.close();
  const sourceId = declaration.site === 'gmail' ? GMAIL.sourceId : BOX.sourceId;
  const row = await syncedRow(browser, sourceId);
  const parts = held()
    .filter((part) => part.properties['rk:recordId'] === row.id)
    .sort((a, b) => Number(a.properties['rk:partIndex']) - Number(b.properties['rk:partIndex']));
  expect(parts.map((part) => part.properties['rk:partIndex'])).toEqual([...Array(declaration.parts).keys()]);
  const fromSource = held().filter((part) => part.properties['rk:sourceId'] === sourceId).length;
  return { row, parts, fromSource };
}

/**
 * Points the extension at a repository fake for the whole file: the presets with the connector's mapping, then the
 * connection as the options page saves it. After each test, every request the extension made and every answer the
 * fake gave conformed to the vendor's definitions; the fake closes after the last test.
 */
export function useRepositoryFake(
  start: () => Promise<{ url: string; violations: string[]; close(): Promise<void> }>,
  connection: { connector: string; options: Record<string, string | boolean>; mapping: () => unknown },
): void {
  let fake: Awaited<ReturnType<typeof start>> | undefined;
  test.beforeAll(async ({ browser }) => {
    fake = await start();
    await importPresets(browser, presetsFor(connection.connector, connection.mapping()));
    await connect(browser, connection.connector, fake.url, connection.options, 'secret');
  });
  test.afterEach(() => {
    expect(fake?.violations).toEqual([]);
  });
  test.afterAll(async () => {
    await fake?.close();
  });
}

/**
 * Clicks the options page's "Test connection" and waits until its status says `expected` (the test runs against a
 * fake on a busy machine: up to two minutes). Gives the status as shown.
 */
export async function testConnection(options: Page, expected: string): Promise<string> {
  const status = options.locator('.connection-status');
  await options.getByRole('button', { name: 'Test connection' }).click();
  await expect.poll(() => status.innerText(), { timeout: 120_000 }).toContain(expected);
  return status.innerText();
}
