import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
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

const PAGE_URL =
  'https://www.northfield.example.gov/reports/annual-records-management-report-2026?utm_source=newsletter';
const CANONICAL = 'https://www.northfield.example.gov/reports/annual-records-management-report-2026';
const html = readFileSync('utils/detectors/fixtures/generic/e2e-article.html');

let repository: Repository;
let browser: ExtensionBrowser;

beforeAll(async () => {
  [repository, browser] = await Promise.all([startRepository(), launchWithExtension({ headed: true })]);
  await configure(browser.worker, repository);
  await browser.context.route('https://www.northfield.example.gov/**', (route) =>
    route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' }),
  );
});

afterAll(async () => {
  await browser?.close();
  await repository?.close();
});

it('reads nothing from an unknown site until the user invokes the extension there', async () => {
  const page = await browser.context.newPage();
  await page.goto(PAGE_URL);
  const tabId = await tabIdOf(browser.worker, page);
  const before = await openPopup(browser, tabId);
  await before.getByText('This page cannot be read').waitFor();
  await before.close();
  await page.close();
});

it('declares a generic page with embedded metadata after the shortcut opens the popup', async () => {
  const page = await browser.context.newPage();
  await page.goto(PAGE_URL);
  const tabId = await tabIdOf(browser.worker, page);
  await pressActionShortcut(page);
  // The real popup opened on the shortcut detects the page and sets the badge.
  await waitFor(
    async () => ((await badgeText(browser.worker, tabId)) === '1' ? true : undefined),
    'the badge to count 1',
  );

  const popup = await openPopup(browser, tabId);
  const title = popup.getByLabel('Title');
  await expect.poll(() => title.inputValue()).toBe('Annual Records Management Report 2026');
  await popup.getByLabel('Case number').fill('HR-7');
  await popup.getByLabel('Tags').fill('annual, audit');
  await popup.getByLabel('Tags').press('Enter');
  await popup.getByText('Declared and received by the repository').waitFor();

  const { items } = await getJson<{ items: { record: DeclaredRecord; receipt: Receipt }[] }>(
    repository,
    `records?sourceId=${encodeURIComponent(CANONICAL)}`,
  );
  expect(items).toHaveLength(1);
  const { record } = items[0]!;
  expect(record).toMatchObject({
    title: 'Annual Records Management Report 2026',
    source: { app: 'generic', kind: 'document', url: PAGE_URL, sourceId: CANONICAL },
    tags: ['annual', 'audit'],
    content: [],
    metadata: {
      author: ['Priya Raman', 'Information Governance Team'],
      publisher: 'Northfield County Council',
      dateCreated: '2026-11-18T10:00:00Z',
      language: 'en-GB',
    },
  });
});
