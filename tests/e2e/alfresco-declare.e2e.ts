import { EXTENSION_ID } from '../../utils/extension-id.ts';
import { AlfrescoFake, type FakeNode } from '../fakes/alfresco/server.ts';
import { BOX, declareAndFile, GMAIL, sha256, testConnection, useRepositoryFake } from './alfresco-support.ts';
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

useRepositoryFake(
  async () => {
    fake = await AlfrescoFake.start({ corsOrigin: `chrome-extension://${EXTENSION_ID}` });
    hrFolder = fake.addFolder('2026', fake.addCategory('Grievances', fake.addCategory('Human Resources')));
    financeFolder = fake.addFolder('2026', fake.addCategory('Invoices', fake.addCategory('Finance')));
    return fake;
  },
  { connector: 'alfresco-gs', options: { username: 'recorder', deepVerification: true }, mapping },
);

const held = () => fake.records();
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

  expect(await testConnection(options, 'Connected: the repository accepts the credentials.')).toContain(
    'Declare Records',
  );
  expect(await axeViolations(options)).toEqual([]);

  // The model was never deployed: the test names the file to deploy.
  fake.modelInstalled = false;
  expect(await testConnection(options, 'a setup step is missing')).toContain(
    'deploy docs/connectors/recordkeeper-model.xml',
  );
  fake.modelInstalled = true;

  // A mapped folder the user may not file into is named with the category it serves.
  fake.nodes.get(financeFolder)!.canFile = false;
  expect(await testConnection(options, 'does not let you file records there')).toContain(
    'may not file into 2026 (mapped to category FIN/1)',
  );
  fake.nodes.get(financeFolder)!.canFile = true;
  await options.close();
});

test('files a Gmail message and its attachment as completed records with the email metadata', async ({
  browser,
  sites,
}) => {
  const {
    row,
    parts: [message, attachment],
    fromSource,
  } = await declareAndFile({ browser, sites }, held, GMAIL.declaration);
  expect(fromSource).toBe(2);
  expect(message!.parentId).toBe(hrFolder);
  expect(Buffer.from(message!.content!.bytes).equals(GMAIL.eml)).toBe(true);
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
    'imap:messageId': GMAIL.sourceId,
    'rk:partRole': 'primary',
    'rk:sourceId': GMAIL.sourceId,
    'rk:sha256': sha256(GMAIL.eml),
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
    sha256(GMAIL.eml),
    sha256(attachment!.content!.bytes),
  ]);
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
  const {
    parts: [file],
    fromSource,
  } = await declareAndFile({ browser, sites }, held, BOX.declaration);
  const log = fake.log.slice(since);
  const creates = log.filter((line) => line.operation === 'createRecordFolderChild');
  expect(creates.filter((line) => line.status === -201)).toHaveLength(1);
  expect(fromSource).toBe(1);
  expect(file!.parentId).toBe(financeFolder);
  expect(file!.name).toMatch(/^05-versions-space \(\d{4}-\d{10}\)\.pdf$/);
  expect(Buffer.from(file!.content!.bytes).equals(BOX.pdf)).toBe(true);
  expect(file!.properties).toMatchObject({
    'cm:title': '05-versions-space.pdf',
    // No originator or author on a Box file: its owner is the originator.
    'rma:originator': 'Dana Whitfield',
    'rma:publicationDate': '2025-11-19T10:15:00Z',
    'rk:sourceId': BOX.sourceId,
    'rk:sha256': sha256(BOX.pdf),
  });
  expect(completed(file!)).toBe(true);
  // The connection had just served the duplicate check, so Chromium resent the create and Alfresco filed a copy,
  // which the connector found right after and deleted.
  expect(creates.map((line) => line.status)).toEqual([-201, 201]);
  expect(log.filter((line) => line.operation === 'deleteRecord').map((line) => line.status)).toEqual([204]);
});

test('warns in the popup that the message is already in Alfresco, found there by its source id', async ({
  browser,
  sites,
}) => {
  const { fromSource } = await declareAndFile({ browser, sites }, held, { ...GMAIL.declaration, again: true });
  // Declared again on purpose: a second record, each part filed once.
  const ids = new Set(
    fake
      .records()
      .filter((n) => n.properties['rk:sourceId'] === GMAIL.sourceId)
      .map((n) => n.properties['rk:recordId']),
  );
  expect(ids.size).toBe(2);
  expect(fromSource).toBe(4);
});
