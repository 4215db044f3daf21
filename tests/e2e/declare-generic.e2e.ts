import { CHROME_BUILD, shortcutKeys } from './harness.ts';
import { expect, test } from './test.ts';

/** A page of a site no detector knows: read only once the user invokes the extension there, by its shortcut. */

// A real window, where the shortcut pressed through the X server reaches the browser.
test.override({ launch: { headed: true } });

const CANONICAL = 'https://www.northfield.example.gov/reports/annual-records-management-report-2026';

test('reads nothing from an unknown site until the user invokes the extension there', async ({ extension, sites }) => {
  const page = await sites.open('generic');
  const before = await extension.popup(page.tab.id);
  await before.getByText('This page cannot be read').waitFor();
});

test('declares a generic page with embedded metadata after the shortcut opens the popup', async ({
  extension,
  repository,
  sites,
}) => {
  // Chromium assigns an extension's suggested shortcut only when none of its own accelerators takes it
  // (chrome/browser/extensions/api/commands/command_service.cc, CanAutoAssign).
  const [command] = await extension.worker.evaluate(() => chrome.commands.getAll());
  expect(command?.shortcut).toBe(shortcutKeys(CHROME_BUILD).replace(/\b\w/g, (c) => c.toUpperCase()));
  const page = await sites.open('generic');
  await extension.pressShortcut(page.tab.page);
  // The real popup opened on the shortcut detects the page and sets the badge.
  await page.detected();

  const popup = await extension.popup(page.tab.id);
  const title = popup.getByLabel('Title');
  await expect.poll(() => title.inputValue()).toBe('Annual Records Management Report 2026');
  await popup.getByLabel('Case number').fill('HR-7');
  await popup.getByLabel('Tags').fill('annual, audit');
  await popup.getByLabel('Tags').press('Enter');
  await popup.getByText('Declared and received by the repository').waitFor();

  const items = await repository.records(CANONICAL);
  expect(items).toHaveLength(1);
  const { record } = items[0]!;
  expect(record).toMatchObject({
    title: 'Annual Records Management Report 2026',
    source: { app: 'generic', kind: 'document', url: page.url, sourceId: CANONICAL },
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
