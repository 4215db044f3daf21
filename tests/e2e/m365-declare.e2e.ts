import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { DeclaredRecord } from '../../utils/records/record.ts';
import type { ExtensionBrowser, Tab } from './harness.ts';
import { checkAtSharePoint, serveApp, signInThroughWindow, test, waitSynced } from './m365-support.ts';
import { expect } from './test.ts';

/**
 * "A user signed in to Microsoft 365 declares from Gmail, Outlook and Slack into a SharePoint library, each record
 * labelled and hash-verified" (issue 12), in Chromium with the built extension: the sign-in window against a real
 * OpenID provider, each declaration made from the popup as a person would, each record checked at the Graph fake.
 * The tests run in order: the first signs in.
 */

const OUTLOOK_REST_ID =
  'AAMkADAwATM3ZmYAZS1hNjE1LTQ0ZGEtMDACLTAwCgBGAAADdCd2eVbXm0SQyPePPNoPnwcAQb8RV3K-QkWaNJBQgOE9SgAAA4ZbSAAAAA==';
/** The Message-ID of the Gmail fixture's raw message, under which the record is filed. */
const GMAIL_SOURCE_ID = '<CAPC3khAeVZ3FdSKKEBHaqLZaFZQE3M8ri5fTDFoJnho9cJUurA@mail.gmail.com>';
const nodemailer = readFileSync('utils/capture/parse/fixtures/mailparser_nodemailer.eml');
const gmailEml = readFileSync('utils/detectors/fixtures/gmail/e2e-message.eml');
const docx = readFileSync('utils/detectors/fixtures/sharepoint/e2e-document.docx');

/**
 * Declares the first detection of the tab (its items detected) from its popup; answers the id of the one record
 * it added to the outbox.
 */
async function declareFromPopup(browser: ExtensionBrowser, tab: Tab, fill?: (popup: Page) => Promise<void>) {
  const before = new Set((await browser.ask<{ id: string }[]>('outbox.list')).map((row) => row.id));
  const popup = await browser.popup(tab.id);
  await popup.getByLabel('Title').waitFor();
  await fill?.(popup);
  await popup.getByLabel('Title').press('Enter');
  await popup.getByText('Declared and received by the repository').waitFor({ timeout: 180_000 });
  const added = (await browser.ask<{ id: string }[]>('outbox.list')).filter((row) => !before.has(row.id));
  expect(added).toHaveLength(1);
  return { popup, id: added[0]!.id };
}

/** The declared record, read from the extension's outbox (the repository side is checked separately). */
async function recordOf(browser: ExtensionBrowser, id: string): Promise<DeclaredRecord> {
  return (await browser.extensionPage()).evaluate(async (recordId) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('recordkeeper-outbox');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const row = await new Promise<{ record: DeclaredRecord }>((resolve, reject) => {
      const get = db.transaction('records').objectStore('records').get(recordId);
      get.onsuccess = () => resolve(get.result);
      get.onerror = () => reject(get.error);
    });
    db.close();
    return row.record;
  }, id);
}

test('signs in through the browser’s sign-in window, and the options page shows the account', async ({
  browser,
  microsoft: cloud,
}) => {
  const view = await signInThroughWindow(browser);
  expect(view).toMatchObject({ signedIn: true, account: 'alice@contoso.example' });
  // The sign-in went through the Entra-shaped endpoints with PKCE, and the window closed itself.
  expect(cloud.op.tokenRequests).toEqual(['authorization_code']);
  expect(browser.context.pages().some((p) => p.url().startsWith('https://login.microsoftonline.com/'))).toBe(false);
  const options = await browser.options();
  await options.getByText('Signed in as alice@contoso.example').waitFor();
  await expect
    .poll(() => options.locator('.redirect-uri').textContent())
    .toBe(`https://${browser.extensionId}.chromiumapp.org/`);
  // No token anywhere a page or content script could read.
  const local = await browser.worker.evaluate(() => chrome.storage.local.get(null));
  expect(JSON.stringify(local)).not.toMatch(/eyJ|refresh/i);
  await options.close();
});

test('declares a Gmail message into the mapped library: parts, columns, label and QuickXorHash', async ({
  browser,
  microsoft: cloud,
  sites,
}) => {
  const gmail = await sites.open('gmail');
  await gmail.detected();
  const { popup, id } = await declareFromPopup(browser, gmail.tab, (p) => p.getByLabel('Case number').fill('HR-2291'));
  const record = await recordOf(browser, id);
  expect(record.source.sourceId).toBe(GMAIL_SOURCE_ID);
  expect(record.content.map((c) => c.name)).toEqual(['message.eml', 'meeting-notes.txt']);
  const row = await waitSynced(browser, id);
  const { files } = checkAtSharePoint(cloud, record, row.receipt!, {
    folder: 'HR/Grievances',
    label: 'HR case record',
    columns: {
      Title: 'Message attachment with plain text',
      RecordId: record.id,
      Originator: 'Ioan at FlowCrypt <ioan@flowcrypt.com>',
      Addressees: 'ci.tests.gmail@flowcrypt.dev',
      DateSent: '2022-11-24T07:11:36Z',
      SourceId: GMAIL_SOURCE_ID,
      Category: 'HR/2.3',
      CaseNumber: 'HR-2291',
    },
  });
  expect(files[0]!.bytes!.equals(gmailEml)).toBe(true);
  await popup.close();
  await gmail.tab.page.close();
});

test('declares a Slack message into its own library folder with its label', async ({
  browser,
  microsoft: cloud,
  sites,
}) => {
  const slack = await sites.open('slack');
  await slack.detected();
  const { popup, id } = await declareFromPopup(browser, slack.tab);
  const record = await recordOf(browser, id);
  const first = slack.expected[0]!;
  expect(record.source.sourceId).toBe(first.source.sourceId);
  expect(record.classification).toMatchObject({ profileId: 'approval', categoryId: 'REC/1' });
  const row = await waitSynced(browser, id);
  const { files } = checkAtSharePoint(cloud, record, row.receipt!, {
    folder: 'Approvals',
    label: 'Approval record',
    columns: {
      RecordId: record.id,
      Originator: 'Ben Ortiz',
      SourceId: first.source.sourceId,
      Category: 'REC/1',
      DateSent: '2025-11-21T09:15:00Z',
    },
  });
  expect(files[0]!.bytes!.toString('utf8')).toContain('Disposal of the 2015 supplier invoices is approved');
  await popup.close();
  await slack.tab.page.close();
});

test('declares an Outlook message captured as its MIME through Graph, and the popup says so', async ({
  browser,
  microsoft: cloud,
  sites,
}) => {
  const outlook = await sites.open('outlook');
  await outlook.detected();
  const itemId = outlook.expected[0]!.metadata.identifiers!.itemId!;
  cloud.graph.addMessage(OUTLOOK_REST_ID, nodemailer, itemId);
  const { popup, id } = await declareFromPopup(browser, outlook.tab, (p) => p.getByLabel('Case number').fill('HR-7'));
  await popup.getByText('Original captured through Microsoft 365.').waitFor();
  const record = await recordOf(browser, id);
  expect(record.source.sourceId).toBe('<012d606e-3550-2d94-b566-6cd996de88e3@kreata.ee>');
  expect(record.metadata.identifiers).toMatchObject({ appSourceId: outlook.expected[0]!.source.sourceId });
  expect(record.content[0]).toMatchObject({
    name: 'message.eml',
    mimeType: 'message/rfc822',
    size: nodemailer.length,
  });
  expect(record.content.map((c) => c.name)).toEqual(
    expect.arrayContaining(['image.png', 'nyan cat ✔.gif', 'notes.txt']),
  );
  // Graph was asked with the id converted from the page's EWS form.
  expect(cloud.graph.requests.some((r) => r.path === '/v1.0/me/translateExchangeIds')).toBe(true);
  const row = await waitSynced(browser, id);
  const { files } = checkAtSharePoint(cloud, record, row.receipt!, {
    folder: 'HR/Grievances',
    label: 'HR case record',
    columns: {
      Originator: 'Andris Kreata <andris@kreata.ee>',
      Addressees: 'Andris Reinman <andris+123@kreata.ee>; andris.reinman@gmail.com',
      SourceId: '<012d606e-3550-2d94-b566-6cd996de88e3@kreata.ee>',
      CaseNumber: 'HR-7',
    },
  });
  expect(files[0]!.bytes!.equals(nodemailer)).toBe(true);
  await popup.close();
  await outlook.tab.page.close();
});

test('fetches a SharePoint file through Graph when the page’s own download fails, and files it through an upload session', async ({
  browser,
  microsoft: cloud,
}) => {
  // Over the 4 MiB a simple upload takes (driveitem-put-content.md), in two fragments: the document's bytes and
  // more, as a large workbook or scan would be.
  const large = Buffer.concat([docx, Buffer.alloc(12 * 1024 * 1024 - docx.length, 0x5a)]);
  const site = cloud.graph.addSite(
    'contoso.sharepoint.com',
    '/sites/Finance',
    [{ name: 'Documents', listId: '3f2e1d0c-9b8a-4765-8432-10fedcba9876' }],
    { siteCollectionId: '0b7a2e3c-4d5f-4a6b-8c9d-0e1f2a3b4c5d', webId: '7c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e0f' },
  );
  cloud.graph.addFile(site.drives[0]!.id, 'Rates/Rate tables.docx', large, {
    uniqueId: '8d3c2b1a-0f9e-4d8c-b7a6-5e4d3c2b1a0f',
  });
  // The page's session cannot download (a download blocked by policy, say): 403.
  const sharepoint = await serveApp(browser.context, 'sharepoint', () => ({
    status: 403,
    body: Buffer.from('Forbidden'),
  }));
  const tab = await browser.open(sharepoint.url);
  await browser.waitForBadge(tab.id, String(sharepoint.expected.length));
  const before = cloud.graph.requests.length;
  const { popup, id } = await declareFromPopup(browser, tab);
  await popup
    .getByText(/The page could not download it \(.*HTTP 403.*\); the original came through Microsoft 365\./)
    .waitFor();
  const record = await recordOf(browser, id);
  expect(record.content[0]).toMatchObject({ name: 'Rate tables.docx', size: large.length });
  const row = await waitSynced(browser, id);
  // An upload session, its fragments sent to SharePoint's host without the token, and in order.
  const sent = cloud.graph.requests.slice(before);
  expect(sent.filter((r) => r.path.endsWith('/createUploadSession')).map((r) => r.status)).toEqual([200]);
  expect(
    sent.filter((r) => r.path.startsWith('/upload/')).map((r) => `${r.method} ${r.status} ${r.authorization}`),
  ).toEqual(['PUT 202 false', 'PUT 201 false']);
  const { files } = checkAtSharePoint(cloud, record, row.receipt!, {
    folder: 'Finance',
    label: 'Finance record',
    columns: { Category: 'FIN/1', SourceId: record.source.sourceId },
  });
  expect(files[0]!.bytes!.equals(large)).toBe(true);
  await popup.close();
  await tab.page.close();
});
