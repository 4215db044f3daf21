import { createHash } from 'node:crypto';
import { expect, test } from './test.ts';

/** The Gmail fixture message, at its real URL, declared from the popup; the repository gets it with its .eml. */

const RAW_URL =
  'https://mail.google.com/mail/u/0/?view=att&permmsgid=msg-f:1750360559522271241&attid=0&disp=comp&safe=1&zw';
/** The raw message was read: the record is filed under its Message-ID, the Gmail id kept beside it. */
const SOURCE_ID = '<CAPC3khAeVZ3FdSKKEBHaqLZaFZQE3M8ri5fTDFoJnho9cJUurA@mail.gmail.com>';

test('declares an open Gmail message and the repository receives it with its verified .eml', async ({
  extension,
  repository,
  sites,
}) => {
  const gmail = await sites.open('gmail');
  await gmail.detected();

  const popup = await extension.popup(gmail.tab.id);
  const title = popup.getByLabel('Title');
  await expect.poll(() => title.inputValue()).toBe('Message attachment with plain text');
  // The demo presets arrived from the repository: the admin's first profile is suggested.
  await expect.poll(() => popup.getByLabel('Profile').inputValue()).toBe('hr-case');
  await popup.setViewportSize({ width: 400, height: 300 });
  await popup.screenshot({ path: 'docs/screenshots/popup.png', fullPage: true });
  // The demo presets' HR profile asks for its required case number.
  await popup.getByLabel('Case number').fill('HR-2291');
  await title.press('Enter');
  await popup.getByText('Declared and received by the repository').waitFor();

  expect(gmail.requests.filter((url) => url.includes('view=att'))).toEqual([RAW_URL]);
  const items = await repository.records(SOURCE_ID);
  expect(items).toHaveLength(1);
  const { record, receipt } = items[0]!;
  expect(record.title).toBe('Message attachment with plain text');
  expect(record.classification).toEqual({ profileId: 'hr-case', categoryId: 'HR/2.3', recordType: 'email' });
  expect(record.source).toMatchObject({ app: 'gmail', kind: 'email', sourceId: SOURCE_ID, url: gmail.url });
  expect(record.metadata.originator).toBe('Ioan at FlowCrypt <ioan@flowcrypt.com>');
  expect(record.metadata.addressees).toEqual(['ci.tests.gmail@flowcrypt.dev']);
  expect(record.metadata.dateSent).toBe('2022-11-24T07:11:36Z');
  expect(record.metadata.identifiers).toMatchObject({
    appSourceId: 'gmail:msg-f:1750360559522271241',
    threadPermId: 'thread-f:1750360559522271241',
  });
  expect(record.metadata.otherAddressees).toEqual(['Tom at FlowCrypt <tom@flowcrypt.com>']);
  const eml = gmail.files[RAW_URL]!;
  const sha256 = createHash('sha256').update(eml).digest('hex');
  expect(record.content[0]).toEqual({
    role: 'primary',
    name: 'message.eml',
    mimeType: 'message/rfc822',
    size: eml.byteLength,
    sha256,
  });
  // The attachment is a content part of its own, verified by the server like the message.
  expect(record.content[1]).toMatchObject({ role: 'attachment', name: 'meeting-notes.txt', mimeType: 'text/plain' });
  expect(receipt.content).toEqual(record.content.map(({ name, sha256, size }) => ({ name, sha256, size })));
  expect((await repository.content(record.id, 0)).equals(eml)).toBe(true);
});

test('warns before the same message is declared again', async ({ extension, sites }) => {
  const gmail = await sites.open('gmail');
  const popup = await extension.popup(gmail.tab.id);
  await popup.getByText(/^Already declared on /).waitFor();
  const again = popup.getByLabel('Declare it again anyway');
  await popup.getByLabel('Case number').fill('HR-2291');
  await popup.getByLabel('Title').press('Enter');
  // The required tick holds the declaration back.
  await popup.getByText('Tick this to declare the item a second time.').waitFor();
  expect(await popup.getByText('Declared and received by the repository').count()).toBe(0);
  await again.check();
  await popup.getByLabel('Title').press('Enter');
  await popup.getByText('Declared and received by the repository').waitFor();
});
