import { EXTENSION_ID } from '../../utils/extension-id.ts';
import { CmisFake, type CmisFakeObject, type CmisFake as Fake } from '../fakes/cmis/server.ts';
import { BOX, declareAndFile, GMAIL, sha256, testConnection, useRepositoryFake } from './alfresco-support.ts';
import { expect, test } from './test.ts';

/**
 * The extension pointed at a CMIS 1.1 repository over the browser binding (the loopback fake, whose documents are
 * versionable as Alfresco's cmis:document is): a Gmail message and a Box file declared from the popup arrive as
 * major versions in the folders their categories map to, with Recordkeeper's secondary type and the mapped
 * description, each part once.
 */

let fake: Fake;
/** The folders the two categories map to, HR by its path and finance by its id. */
const folders = { hr: '', finance: '' };

const mapping = () => ({
  categories: {
    'HR/2.3': { path: '/Records/Human Resources/Grievances' },
    'FIN/1': { folderId: folders.finance },
  },
  properties: { 'cmis:description': [{ field: 'caseNumber' }, 'title'] },
});

useRepositoryFake(
  async () => {
    fake = await CmisFake.start({ versionable: true, corsOrigin: `chrome-extension://${EXTENSION_ID}` });
    folders.hr = fake.addFolder('/Records/Human Resources/Grievances');
    folders.finance = fake.addFolder('/Records/Finance/Invoices');
    return fake;
  },
  { connector: 'cmis', options: { username: 'recorder', repositoryId: '', deepVerification: true }, mapping },
);

/** The current documents. */
const held = () => fake.documents();
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
      `FIN/1 Invoices\tthe folder with id ${folders.finance}`,
      'HR/2.3 Grievances\t/Records/Human Resources/Grievances',
    ]);

  expect(await testConnection(options, 'Connected: the repository accepts the credentials.')).toContain(
    'CMIS fake A1, CMIS 1.1.',
  );

  // A mapped folder the user may read but not file into is named, with the category it serves.
  fake.readOnlyFolders.add(folders.finance);
  expect(
    await testConnection(options, 'may not create documents in /Records/Finance/Invoices (mapped to category FIN/1)'),
  ).not.toContain('Connected');
  fake.readOnlyFolders.delete(folders.finance);
  await options.close();
});

test('files a Gmail message and its attachment as major versions with Recordkeeper’s properties', async ({
  browser,
  sites,
}) => {
  const filed = await declareAndFile({ browser, sites }, held, GMAIL.declaration);
  const { row } = filed;
  const [message, attachment] = filed.parts;
  expect(filed.fromSource).toBe(2);
  expect(message!.parentId).toBe(folders.hr);
  expect(attachment!.parentId).toBe(folders.hr);
  expect(message!.name).toMatch(new RegExp(` \\[${row.id}\\]\\.eml$`));
  expect(attachment!.name).toBe(`meeting-notes [${row.id}].txt`);
  expect(Buffer.from(message!.content!).equals(GMAIL.eml)).toBe(true);
  expect(message!.secondary).toEqual(['P:rk:identity']);
  expect(message!.properties).toMatchObject({
    'cmis:description': 'HR-2291',
    'rk:recordId': row.id,
    'rk:partIndex': 0,
    'rk:partRole': 'primary',
    'rk:partCount': '2',
    'rk:sourceId': GMAIL.sourceId,
    'rk:sha256': sha256(GMAIL.eml),
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
});

test('files a Box file once in the folder its category maps to by id, even when the answer to its create is lost', async ({
  browser,
  sites,
}) => {
  // The repository creates the document, and the connection closes before its answer arrives: the retry must
  // find that document by its record id (the query on rk:identity) rather than create a second one.
  fake.failNext('createDocument', { drop: 'after' });
  const filed = await declareAndFile({ browser, sites }, held, BOX.declaration);
  const [file] = filed.parts;
  expect(fake.log.filter((line) => line.action === 'createDocument' && line.status === -201)).toHaveLength(1);
  expect(filed.fromSource).toBe(1);
  expect(file!.parentId).toBe(folders.finance);
  expect(file!.name).toBe(`05-versions-space [${filed.row.id}].pdf`);
  expect(Buffer.from(file!.content!).equals(BOX.pdf)).toBe(true);
  expect(file!.properties).toMatchObject({
    'cmis:description': '05-versions-space.pdf',
    'rk:recordId': filed.row.id,
    'rk:sourceId': BOX.sourceId,
    'rk:sha256': sha256(BOX.pdf),
  });
  expect(filedOnce(file!)).toBe(true);
});
