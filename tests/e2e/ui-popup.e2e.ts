import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { DeclaredRecord, Receipt } from '../../utils/records/record.ts';
import { axeViolations, type ExtensionBrowser } from './harness.ts';
import { expect, type Sites, test } from './test.ts';

/** The popup driven as a person would, with the keyboard first, against a real repository. */

/** Another message than the one on the Gmail page, so the dropped file is not a duplicate of it. */
const droppedEml = readFileSync('utils/capture/parse/fixtures/mailparser_nodemailer.eml');

type Items = { items: { record: DeclaredRecord; receipt: Receipt }[] };

/** A tab on the app's fixture page once the badge counts its items, and the popup for it. */
async function popupFor(extension: ExtensionBrowser, sites: Sites, name: string) {
  const site = await sites.open(name);
  await site.detected();
  const popup = await extension.popup(site.tab.id);
  await popup.setViewportSize({ width: 400, height: 600 });
  return { popup, site };
}

const focusedName = (popup: Page) => popup.evaluate(() => document.activeElement?.getAttribute('name'));

test.describe('the popup', () => {
  test('declares a suggested Gmail message with the keyboard only: a required field blocks, a category is typed', async ({
    extension,
    repository,
    sites,
  }) => {
    const { popup } = await popupFor(extension, sites, 'gmail');
    await expect.poll(() => popup.getByLabel('Title').inputValue()).toBe('Message attachment with plain text');
    await expect.poll(() => popup.getByLabel('Profile').inputValue()).toBe('hr-case');
    await popup.getByText('Suggested: default profile').waitFor();
    // Focus starts in the one field that needs typing.
    await expect.poll(() => focusedName(popup)).toBe('field.caseNumber');
    expect(await axeViolations(popup)).toEqual([]);

    await popup.keyboard.press('Enter');
    await popup.getByText('Case number is required.').waitFor();
    expect(await popup.getByLabel('Case number').getAttribute('aria-invalid')).toBe('true');
    await popup.keyboard.type('case seven');
    await popup.keyboard.press('Enter');
    await popup.getByText('Case number must look like HR-1234.').waitFor();
    await popup.keyboard.press('ControlOrMeta+A');
    await popup.keyboard.type('HR-7');

    // Back to the category, pick it by typing; Enter in the open list picks and does not declare.
    await popup.keyboard.press('Shift+Tab');
    await expect.poll(() => focusedName(popup)).toBe('category');
    await popup.keyboard.type('invoi');
    await popup.getByRole('option', { name: 'FIN/1 Invoices' }).waitFor();
    await popup.getByText('Retention of FIN/1: 10y after fiscal year end').waitFor();
    expect(await axeViolations(popup)).toEqual([]);
    await popup.keyboard.press('Enter');
    await expect.poll(() => popup.getByLabel('Category').inputValue()).toBe('FIN/1 — Invoices');
    expect(await popup.getByText(/^Declared/).count()).toBe(0);

    await popup.keyboard.press('Enter');
    await popup.getByText('Declared and received by the repository').waitFor({ timeout: 30_000 });
    const sourceId = '<CAPC3khAeVZ3FdSKKEBHaqLZaFZQE3M8ri5fTDFoJnho9cJUurA@mail.gmail.com>';
    const [stored] = await repository.records(sourceId);
    expect(stored?.record.classification).toMatchObject({ profileId: 'hr-case', categoryId: 'FIN/1' });
    expect(stored?.record.fields).toEqual({ caseNumber: 'HR-7' });
    await popup.close();
  });

  test('warns before the same message is declared again and needs the explicit tick', async ({
    extension,
    repository,
    sites,
  }) => {
    const { popup } = await popupFor(extension, sites, 'gmail');
    await popup.getByText(/^Already declared on /).waitFor();
    expect(await popup.getByRole('link', { name: 'open the record' }).getAttribute('href')).toMatch(/^http:\/\/127/);
    await popup.getByLabel('Case number').fill('HR-8');
    await popup.keyboard.press('Enter');
    await popup.getByText('Tick this to declare the item a second time.').waitFor();
    await expect.poll(() => focusedName(popup)).toBe('declareAgain');
    await popup.keyboard.press('Space');
    await popup.keyboard.press('Enter');
    await popup.getByText('Declared and received by the repository').waitFor({ timeout: 30_000 });
    const sourceId = '<CAPC3khAeVZ3FdSKKEBHaqLZaFZQE3M8ri5fTDFoJnho9cJUurA@mail.gmail.com>';
    expect(await repository.records(sourceId)).toHaveLength(2);
    await popup.close();
  });

  test('declares three messages of a Slack thread at once, each with its own case number', async ({
    extension,
    repository,
    sites,
  }) => {
    const { popup, site: slack } = await popupFor(extension, sites, 'slack');
    await popup.getByText('3 items on this page').waitFor();
    await popup.getByLabel('Select all').check();
    await popup.getByRole('button', { name: 'Declare 3 items' }).waitFor();
    expect(await axeViolations(popup)).toEqual([]);
    await popup.emulateMedia({ colorScheme: 'dark' });
    expect(await axeViolations(popup)).toEqual([]);
    await popup.screenshot({ path: 'docs/screenshots/popup-dark.png', fullPage: true });
    await popup.emulateMedia({ colorScheme: 'light' });

    // The first message mentions invoices, so the admin's rule gives it the invoice profile (no case number);
    // the other two get the default HR profile. Each Enter stops at the next item still missing its case
    // number, with the focus in that field.
    for (const n of [2, 3]) {
      await popup.keyboard.press('Enter');
      await popup
        .getByText(
          `Metadata of “${n === 2 ? 'Ann Lee in #records-office: Noted' : 'Ann Lee in #records-office: I will'}`,
        )
        .waitFor();
      await expect.poll(() => focusedName(popup)).toBe('field.caseNumber');
      await popup.keyboard.type(`HR-${n}`);
    }
    await popup.keyboard.press('Enter');
    await popup.getByText('Declared 3 of 3.').waitFor({ timeout: 60_000 });
    await expect
      .poll(() => popup.getByText('Declared and received by the repository').count(), { timeout: 30_000 })
      .toBe(3);
    const stored = [];
    for (const item of slack.expected) stored.push((await repository.records(item.source.sourceId))[0]?.record);
    expect(stored.map((r) => [r?.classification.profileId, r?.fields])).toEqual([
      ['invoice', {}],
      ['hr-case', { caseNumber: 'HR-2' }],
      ['hr-case', { caseNumber: 'HR-3' }],
    ]);
    await popup.close();
  });

  test('declares a dropped .eml file', async ({ extension, repository, sites }) => {
    const { popup } = await popupFor(extension, sites, 'gmail');
    await popup.getByLabel('Drop files here, or choose files to declare').setInputFiles({
      name: 'nodemailer.eml',
      mimeType: 'message/rfc822',
      buffer: droppedEml,
    });
    await popup.getByText('2 items on this page').waitFor();
    // The file's item is ticked and shown; the page's item is no longer ticked.
    await expect.poll(() => popup.getByLabel('Title').inputValue()).toMatch(/^Nodemailer is unicode friendly ✔/);
    await popup.getByLabel('Case number').fill('HR-9');
    await popup.getByLabel('Case number').press('Enter');
    await popup.getByText('Declared and received by the repository').waitFor({ timeout: 30_000 });
    const { items } = await repository.getJson<Items>('records?limit=50');
    const file = items.find((i) => i.record.title.startsWith('Nodemailer is unicode friendly'));
    expect(file?.record.fields).toEqual({ caseNumber: 'HR-9' });
    expect(file?.record.content[0]).toMatchObject({ size: droppedEml.byteLength });
    await popup.close();
  });

  test('shows a clear message for a file it cannot read', async ({ extension, sites }) => {
    const { popup } = await popupFor(extension, sites, 'gmail');
    await popup.getByLabel('Drop files here, or choose files to declare').setInputFiles({
      name: 'broken.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('not a pdf at all'),
    });
    await expect.poll(() => popup.getByRole('alert').textContent()).toMatch(/^broken\.pdf could not be declared: /);
    await popup.close();
  });
});
