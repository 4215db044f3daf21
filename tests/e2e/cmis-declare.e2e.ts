import { EXTENSION_ID } from '../../utils/extension-id.ts';
import { CmisFake, type CmisFakeObject, type CmisFake as Fake } from '../fakes/cmis/server.ts';
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
import { expect, test } from './test.ts';

/**
 * The extension pointed at a CMIS 1.1 repository over the browser binding (the loopback fake, whose documents are
 * versionable as Alfresco's cmis:document is): a Gmail message and a Box file declared from the popup arrive as
 * major versions in the folders their categories map to, with Recordkeeper's secondary type and the mapped
 * description, each part once.
 */

let fake: Fake;
let hrFolder: string;
let financeFolder: string;

const mapping = () => ({
  categories: {
    'HR/2.3': { path: '/Records/Human Resources/Grievances' },
    'FIN/1': { folderId: financeFolder },
  },
  properties: { 'cmis:description': [{ field: 'caseNumber' }, 'title'] },
});

test.beforeAll(async ({ browser }) => {
  fake = await CmisFake.start({ versionable: true, corsOrigin: `chrome-extension://${EXTENSION_ID}` });
  hrFolder = fake.addFolder('/Records/Human Resources/Grievances');
  financeFolder = fake.addFolder('/Records/Finance/Invoices');
  await importPresets(browser, presetsFor('cmis', mapping()));
  await connect(
    browser,
    'cmis',
    fake.url,
    { username: 'recorder', repositoryId: '', deepVerification: true },
    'secret',
  );
});

test.afterAll(async () => {
  await fake?.close();
});

/** The current documents of one record, in part order. */
const partsOf = (recordId: string) =>
  fake
    .documents()
    .filter((doc) => doc.properties['rk:recordId'] === recordId)
    .sort((a, b) => Number(a.properties['rk:partIndex']) - Number(b.properties['rk:partIndex']));
const ofSource = (sourceId: string) => fake.documents().filter((doc) => doc.properties['rk:sourceId'] === sourceId);
const filedOnce = (doc: CmisFakeObject) => doc.versionLabel === '1.0' && doc.isPwc === false;

test('tests the connection and shows where records go, in words an administrator can act on', async ({ browser }) => {
  const options = await browser.options();
  await expect.poll(() => options.locator('#connector').inputValue()).toBe('cmis');
  expect(await options.getByLabel('Browser binding service URL').inputValue()).toBe(fake.url);
  expect(await options.getByLabel('User name').inputValue()).toBe('recorder');
  expect(await options.getByRole('checkbox', { name: /^Deep verification/ }).isChecked()).toBe(true);
  const table = options.getByRole('table', { name: 'Where records go' });
  await expect
    .poll(() => table.locator('tbody tr').allInnerTexts())
    .toEqual([
      `FIN/1 Invoices\tthe folder with id ${financeFolder}`,
      'HR/2.3 Grievances\t/Records/Human Resources/Grievances',
    ]);

  const status = options.locator('.connection-status');
  await options.getByRole('button', { name: 'Test connection' }).click();
  await expect
    .poll(() => status.innerText(), { timeout: 120_000 })
    .toContain('Connected: the repository accepts the credentials.');
  expect(await status.innerText()).toContain('CMIS fake A1, CMIS 1.1.');

  // A mapped folder the user may read but not file into is named, with the category it serves.
  fake.readOnlyFolders.add(financeFolder);
  await options.getByRole('button', { name: 'Test connection' }).click();
  await expect
    .poll(() => status.innerText(), { timeout: 120_000 })
    .toContain('may not create documents in /Records/Finance/Invoices (mapped to category FIN/1)');
  expect(await status.innerText()).not.toContain('Connected');
  fake.readOnlyFolders.delete(financeFolder);
  await options.close();
  expect(fake.violations).toEqual([]);
});

test('files a Gmail message and its attachment as major versions with Recordkeeper’s properties', async ({
  browser,
  sites,
}) => {
  const popup = await declareInPopup(browser, sites, 'gmail', { 'Case number': 'HR-2291' });
  await receivedInPopup(popup);
  const row = await syncedRow(browser, GMAIL_SOURCE_ID);
  const [message, attachment, ...more] = partsOf(row.id);
  expect(more).toEqual([]);
  expect(ofSource(GMAIL_SOURCE_ID)).toHaveLength(2);
  expect(message!.parentId).toBe(hrFolder);
  expect(attachment!.parentId).toBe(hrFolder);
  expect(message!.name).toMatch(new RegExp(` \\[${row.id}\\]\\.eml$`));
  expect(attachment!.name).toBe(`meeting-notes [${row.id}].txt`);
  expect(Buffer.from(message!.content!).equals(GMAIL_EML)).toBe(true);
  expect(message!.secondary).toEqual(['P:rk:identity']);
  expect(message!.properties).toMatchObject({
    'cmis:description': 'HR-2291',
    'rk:recordId': row.id,
    'rk:partIndex': 0,
    'rk:partRole': 'primary',
    'rk:partCount': '2',
    'rk:sourceId': GMAIL_SOURCE_ID,
    'rk:sha256': sha256(GMAIL_EML),
  });
  expect(attachment!.properties).toMatchObject({ 'rk:partIndex': 1, 'rk:partRole': 'attachment' });
  expect([message!, attachment!].every(filedOnce)).toBe(true);
  // Deep verification read both parts back; the receipt's digests are those of the bytes the repository holds.
  expect(fake.log.filter((line) => line.action === 'content')).toHaveLength(2);
  expect(row.receipt?.content.map((part) => part.sha256)).toEqual([
    sha256(message!.content!),
    sha256(attachment!.content!),
  ]);
  expect(row.receipt?.url).toContain(`objectId=${message!.id}`);
  await popup.close();
  expect(fake.violations).toEqual([]);
});

test('files a Box file once in the folder its category maps to by id, even when the answer to its create is lost', async ({
  browser,
  sites,
}) => {
  // The repository creates the document, and the connection closes before its answer arrives: the retry must
  // find that document by its record id (the query on rk:identity) rather than create a second one.
  fake.failNext('createDocument', { drop: 'after' });
  const popup = await declareInPopup(browser, sites, 'box');
  await receivedInPopup(popup);
  const row = await syncedRow(browser, BOX_SOURCE_ID);
  expect(fake.log.filter((line) => line.action === 'createDocument' && line.status === -201)).toHaveLength(1);
  const [file, ...more] = partsOf(row.id);
  expect(more).toEqual([]);
  expect(ofSource(BOX_SOURCE_ID)).toHaveLength(1);
  expect(file!.parentId).toBe(financeFolder);
  expect(file!.name).toBe(`05-versions-space [${row.id}].pdf`);
  expect(Buffer.from(file!.content!).equals(BOX_PDF)).toBe(true);
  expect(file!.properties).toMatchObject({
    'cmis:description': '05-versions-space.pdf',
    'rk:recordId': row.id,
    'rk:sourceId': BOX_SOURCE_ID,
    'rk:sha256': sha256(BOX_PDF),
  });
  expect(filedOnce(file!)).toBe(true);
  await popup.close();
  expect(fake.violations).toEqual([]);
});
