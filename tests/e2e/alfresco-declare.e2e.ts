import { EXTENSION_ID } from '../../utils/extension-id.ts';
import { AlfrescoFake, type FakeNode } from '../fakes/alfresco/server.ts';
import {
  BOX_PDF,
  BOX_SOURCE_ID,
  connect,
  declareInPopup,
  GMAIL_EML,
  GMAIL_SOURCE_ID,
  importPresets,
  presetsFor,
  receivedInPopup,
  sha256,
  syncedRow,
} from './alfresco-support.ts';
import { axeViolations } from './harness.ts';
import { expect, test } from './test.ts';

/**
 * The extension pointed at Alfresco Governance Services (the loopback fake, which validates every request against
 * Alfresco's pinned API definitions): a Gmail message and a Box file declared from the popup arrive as completed
 * records in the record folders their categories map to, with their metadata, the attachment linked to its message.
 */

let fake: AlfrescoFake;
let hrFolder: string;
let financeFolder: string;

const mapping = () => ({
  categories: {
    'HR/2.3': { path: 'Human Resources/Grievances/2026' },
    'FIN/1': { folderId: financeFolder },
  },
  unmapped: 'refuse',
  properties: {
    'rma:originatingOrganization': { value: 'Example Organisation' },
    'rmc:caseReference': { field: 'caseNumber' },
  },
});

test.beforeAll(async ({ browser }) => {
  fake = await AlfrescoFake.start({ corsOrigin: `chrome-extension://${EXTENSION_ID}` });
  hrFolder = fake.addFolder('2026', fake.addCategory('Grievances', fake.addCategory('Human Resources')));
  financeFolder = fake.addFolder('2026', fake.addCategory('Invoices', fake.addCategory('Finance')));
  await importPresets(browser, presetsFor('alfresco-gs', mapping()));
  await connect(browser, 'alfresco-gs', fake.url, { username: 'recorder', deepVerification: true }, 'secret');
});

test.afterAll(async () => {
  await fake?.close();
});

const partsOf = (recordId: string) =>
  fake
    .records()
    .filter((node) => node.properties['rk:recordId'] === recordId)
    .sort((a, b) => Number(a.properties['rk:partIndex']) - Number(b.properties['rk:partIndex']));
const completed = (node: FakeNode) => node.aspects.has('rma:declaredRecord');

test('shows the Alfresco settings, the mapping and the connection test in words an administrator can act on', async ({
  browser,
}) => {
  const options = await browser.options();
  await expect.poll(() => options.locator('#connector').inputValue()).toBe('alfresco-gs');
  expect(await options.getByLabel('Alfresco address').inputValue()).toBe(fake.url);
  expect(await options.getByLabel('User name').inputValue()).toBe('recorder');
  expect(await options.getByRole('checkbox', { name: /^Deep verification/ }).isChecked()).toBe(true);
  // The password is write-only: the page is told that one is set, never what it is.
  expect(await options.getByLabel('Password').inputValue()).toBe('');
  const table = options.getByRole('table', { name: 'Where records go' });
  await expect
    .poll(() => table.locator('tbody tr').allInnerTexts())
    .toEqual([
      `FIN/1 Invoices\tthe folder with id ${financeFolder}`,
      'HR/2.3 Grievances\tHuman Resources/Grievances/2026',
    ]);
  await options.getByText('The 2 other categories: not filed').waitFor();

  const status = options.locator('.connection-status');
  await options.getByRole('button', { name: 'Test connection' }).click();
  await expect
    .poll(() => status.innerText(), { timeout: 30_000 })
    .toContain('Connected: the repository accepts the credentials.');
  expect(await status.innerText()).toContain('Declare Records');
  expect(await axeViolations(options)).toEqual([]);

  // The model was never deployed: the test names the file to deploy.
  fake.modelInstalled = false;
  await options.getByRole('button', { name: 'Test connection' }).click();
  await expect.poll(() => status.innerText(), { timeout: 30_000 }).toContain('a setup step is missing');
  expect(await status.innerText()).toContain('deploy docs/connectors/recordkeeper-model.xml');
  fake.modelInstalled = true;

  // A mapped folder the user may not file into is named with the category it serves.
  fake.nodes.get(financeFolder)!.canFile = false;
  await options.getByRole('button', { name: 'Test connection' }).click();
  await expect.poll(() => status.innerText(), { timeout: 30_000 }).toContain('does not let you file records there');
  expect(await status.innerText()).toContain('may not file into 2026 (mapped to category FIN/1)');
  fake.nodes.get(financeFolder)!.canFile = true;
  await options.close();
  expect(fake.violations).toEqual([]);
});

test('files a Gmail message and its attachment as completed records with the email metadata', async ({
  browser,
  sites,
}) => {
  const popup = await declareInPopup(browser, sites, 'gmail', { 'Case number': 'HR-2291' });
  await receivedInPopup(popup);
  const row = await syncedRow(browser, GMAIL_SOURCE_ID);
  const [message, attachment, ...more] = partsOf(row.id);
  expect(more).toEqual([]);
  expect(fake.records().filter((node) => node.properties['rk:sourceId'] === GMAIL_SOURCE_ID)).toHaveLength(2);
  expect(message!.parentId).toBe(hrFolder);
  expect(Buffer.from(message!.content!.bytes).equals(GMAIL_EML)).toBe(true);
  expect(message!.properties).toMatchObject({
    'cm:title': 'Message attachment with plain text',
    'rma:originator': 'Ioan at FlowCrypt <ioan@flowcrypt.com>',
    'rma:originatingOrganization': 'Example Organisation',
    'rma:publicationDate': '2022-11-24T07:11:36Z',
    'rmc:caseReference': 'HR-2291',
    'imap:messageFrom': 'Ioan at FlowCrypt <ioan@flowcrypt.com>',
    'imap:messageTo': 'ci.tests.gmail@flowcrypt.dev',
    'imap:messageCc': 'Tom at FlowCrypt <tom@flowcrypt.com>',
    'imap:messageSubject': 'Message attachment with plain text',
    'imap:messageId': GMAIL_SOURCE_ID,
    'rk:partRole': 'primary',
    'rk:sourceId': GMAIL_SOURCE_ID,
    'rk:sha256': sha256(GMAIL_EML),
  });
  // The attachment is a record of its own, beside the message, pointing to it.
  expect(attachment!.parentId).toBe(hrFolder);
  expect(attachment!.name).toMatch(/^meeting-notes \(\d{4}-\d{10}\)\.txt$/);
  expect(attachment!.properties).toMatchObject({ 'rk:partRole': 'attachment', 'rk:primaryRecord': message!.id });
  expect([message, attachment].every((node) => completed(node!))).toBe(true);
  // Deep verification read both back before completing them; the receipt links the message in Share.
  expect(fake.log.filter((line) => line.operation === 'getRecordContent')).toHaveLength(2);
  expect(row.receipt?.url).toContain(`nodeRef=workspace://SpacesStore/${message!.id}`);
  expect(row.receipt?.content.map((part) => part.sha256)).toEqual([
    sha256(GMAIL_EML),
    sha256(attachment!.content!.bytes),
  ]);
  await popup.close();
  expect(fake.violations).toEqual([]);
});

test('files a Box file once in the record folder its category maps to by node id, even when the answer to its create is lost', async ({
  browser,
  sites,
}) => {
  // Alfresco files the record, and the connection closes before its answer arrives. Chromium resends the POST on
  // a fresh connection when the closed one was reused, and Alfresco, which renames records, files it again: the
  // connector must end with one record, the first (a retry without the resend must find it by its record id).
  fake.failNext('POST', /\/record-folders\/[^/]+\/records$/, { drop: 'after' });
  const since = fake.log.length;
  const popup = await declareInPopup(browser, sites, 'box');
  await receivedInPopup(popup);
  const row = await syncedRow(browser, BOX_SOURCE_ID);
  const log = fake.log.slice(since);
  const creates = log.filter((line) => line.operation === 'createRecordFolderChild');
  expect(creates.filter((line) => line.status === -201)).toHaveLength(1);
  const [file, ...more] = partsOf(row.id);
  expect(more).toEqual([]);
  expect(fake.records().filter((node) => node.properties['rk:sourceId'] === BOX_SOURCE_ID)).toHaveLength(1);
  expect(file!.parentId).toBe(financeFolder);
  expect(file!.name).toMatch(/^05-versions-space \(\d{4}-\d{10}\)\.pdf$/);
  expect(Buffer.from(file!.content!.bytes).equals(BOX_PDF)).toBe(true);
  expect(file!.properties).toMatchObject({
    'cm:title': '05-versions-space.pdf',
    // No originator or author on a Box file: its owner is the originator.
    'rma:originator': 'Dana Whitfield',
    'rma:publicationDate': '2025-11-19T10:15:00Z',
    'rk:sourceId': BOX_SOURCE_ID,
    'rk:sha256': sha256(BOX_PDF),
  });
  expect(completed(file!)).toBe(true);
  // The connection had just served the duplicate check, so Chromium resent the create and Alfresco filed a copy,
  // which the connector found right after and deleted.
  expect(creates.map((line) => line.status)).toEqual([-201, 201]);
  expect(log.filter((line) => line.operation === 'deleteRecord').map((line) => line.status)).toEqual([204]);
  await popup.close();
  expect(fake.violations).toEqual([]);
});

test('warns in the popup that the message is already in Alfresco, found there by its source id', async ({
  browser,
  sites,
}) => {
  const popup = await declareInPopup(browser, sites, 'gmail', { 'Case number': 'HR-2291' }, { again: true });
  await receivedInPopup(popup);
  // Declared again on purpose: a second record, each part filed once.
  const ids = new Set(
    fake
      .records()
      .filter((n) => n.properties['rk:sourceId'] === GMAIL_SOURCE_ID)
      .map((n) => n.properties['rk:recordId']),
  );
  expect(ids.size).toBe(2);
  expect(fake.records().filter((n) => n.properties['rk:sourceId'] === GMAIL_SOURCE_ID)).toHaveLength(4);
  await popup.close();
  expect(fake.violations).toEqual([]);
});
