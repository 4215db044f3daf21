import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TabDetections } from '../../utils/messaging.ts';
import type { DeclaredRecord, Receipt } from '../../utils/records/record.ts';
import {
  badgeText,
  configure,
  type ExtensionBrowser,
  getJson,
  launchWithExtension,
  openPopup,
  pressActionShortcut,
  type Repository,
  startRepository,
  tabIdOf,
  waitFor,
} from './harness.ts';
import {
  ask,
  extensionPage,
  policySource,
  presetsStatus,
  removeChromiumPolicy,
  writeChromiumPolicy,
} from './policy-harness.ts';

/**
 * An in-house app taught to Recordkeeper by its admin, with no release: a site plugin in the presets delivered by
 * enterprise policy, run on the user's gesture (the shortcut grants activeTab; the on-demand page script carries
 * the site plugins), declared, and received by the repository with the app's stored original.
 */

const PAGE_URL = 'https://dms.acme.example/doc/4711';
const DOWNLOAD_URL = 'https://dms.acme.example/api/doc/4711/download';
const html = readFileSync('tests/e2e/fixtures/acme-dms/doc-4711.html');
const pdf = readFileSync('tests/e2e/fixtures/acme-dms/doc-4711.pdf');

const presets = {
  version: 1,
  filePlan: [{ id: 'LEG', title: 'Legal', children: [{ id: 'LEG/1', title: 'Contracts', retention: '12y' }] }],
  profiles: [
    { id: 'contract', title: 'Contract', recordType: 'contract', defaultCategory: 'LEG/1', capture: ['original'] },
  ],
  rules: [{ when: { app: 'site-acme-dms' }, suggest: { profile: 'contract' } }],
  sites: [
    {
      id: 'acme-dms',
      title: 'ACME DMS',
      matches: ['https://dms.acme.example/doc/*'],
      kind: 'document',
      fields: {
        title: { selector: 'h1.doc-title' },
        sourceId: { selector: 'meta[name=doc-id]', attribute: 'content' },
        owner: { json: '#doc-data', path: '$.owner.email' },
        dateModified: { json: '#doc-data', path: '$.modified' },
      },
      capture: {
        original: 'https://dms.acme.example/api/doc/{sourceId}/download',
        name: 'acme-{sourceId}.pdf',
        mimeType: 'application/pdf',
      },
    },
  ],
};

let repository: Repository;
let browser: ExtensionBrowser;
const downloads: string[] = [];

beforeAll(async () => {
  removeChromiumPolicy();
  repository = await startRepository();
  writeChromiumPolicy({ presets, repositoryUrl: repository.server.url, locked: ['repositoryUrl'] });
  browser = await launchWithExtension({ headed: true });
  await configure(browser.worker, repository);
  // The intranet cannot be reached from here: its page and its download are served at their real URLs.
  await browser.context.route('https://dms.acme.example/**', (route) => {
    const url = route.request().url();
    if (url === DOWNLOAD_URL) {
      downloads.push(url);
      return route.fulfill({ body: pdf, contentType: 'application/pdf' });
    }
    if (url === PAGE_URL) return route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' });
    return route.fulfill({ status: 404, body: 'Not found' });
  });
});

afterAll(async () => {
  removeChromiumPolicy();
  await browser?.close();
  await repository?.close();
});

it('detects and declares an in-house DMS page through a site plugin delivered by policy', async () => {
  const options = await extensionPage(browser);
  const status = await waitFor(async () => {
    const s = await presetsStatus(options);
    return policySource(s).state === 'ok' && s.presets.sites.length === 1 ? s : undefined;
  }, 'the policy with the site plugin to reach the background');
  expect(status.origin.sites).toBe('policy');
  // Not granted in options: the plugin runs only where the user invokes the extension.
  expect(status.sitesNeedingAccess).toEqual(['https://dms.acme.example/doc/*']);
  await options.close();

  const page = await browser.context.newPage();
  await page.goto(PAGE_URL);
  const tabId = await tabIdOf(browser.worker, page);
  await pressActionShortcut(page);
  await waitFor(
    async () => ((await badgeText(browser.worker, tabId)) === '1' ? true : undefined),
    'the badge to count 1',
  );

  const popup = await openPopup(browser, tabId);
  const { detections } = await ask<TabDetections>(popup, 'tab.detections', { tabId });
  expect(detections).toHaveLength(1);
  expect(detections[0]).toMatchObject({
    source: { app: 'site-acme-dms', kind: 'document', url: PAGE_URL, sourceId: '4711' },
    title: 'Supplier framework agreement 2026',
    metadata: { owner: 'jane.doe@acme.example' },
    capture: { parts: [{ source: 'fetch', url: DOWNLOAD_URL, name: 'acme-4711.pdf', mimeType: 'application/pdf' }] },
  });
  const title = popup.getByLabel('Title');
  await expect.poll(() => title.inputValue()).toBe('Supplier framework agreement 2026');
  // The admin's rule for the plugin's detector suggests the policy's profile.
  await expect.poll(() => popup.getByLabel('Profile').inputValue()).toBe('contract');
  await title.press('Enter');
  await popup.getByText('Declared and received by the repository').waitFor();

  expect(downloads).toEqual([DOWNLOAD_URL]);
  const { items } = await getJson<{ items: { record: DeclaredRecord; receipt: Receipt }[] }>(
    repository,
    'records?sourceId=4711',
  );
  expect(items).toHaveLength(1);
  const { record, receipt } = items[0]!;
  expect(record).toMatchObject({
    title: 'Supplier framework agreement 2026',
    source: { app: 'site-acme-dms', kind: 'document', url: PAGE_URL, sourceId: '4711' },
    classification: { profileId: 'contract', categoryId: 'LEG/1', recordType: 'contract' },
    metadata: { owner: 'jane.doe@acme.example', dateModified: '2026-03-02T09:30:00Z' },
  });
  const sha256 = createHash('sha256').update(pdf).digest('hex');
  expect(record.content).toEqual([
    { role: 'primary', name: 'acme-4711.pdf', mimeType: 'application/pdf', size: pdf.byteLength, sha256 },
  ]);
  // The repository's receipt carries the digest it computed itself over the bytes it stored.
  expect(receipt.content).toEqual([{ name: 'acme-4711.pdf', sha256, size: pdf.byteLength }]);
  const stored = await fetch(`${repository.server.url}/api/v1/records/${record.id}/content/0`, {
    headers: { Authorization: `Bearer ${repository.token}` },
  });
  expect(Buffer.from(await stored.arrayBuffer()).equals(pdf)).toBe(true);
});
