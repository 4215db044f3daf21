import { createHash } from 'node:crypto';
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
  type Repository,
  startRepository,
  tabIdOf,
  waitFor,
} from './harness.ts';

const FIXTURES = 'utils/detectors/fixtures/gmail';
const MESSAGE_URL = 'https://mail.google.com/mail/u/0/#inbox/FMfcgzGrbHrBdFGBXqpFZvSkcQpKkvrM';
const html = readFileSync(`${FIXTURES}/e2e-message.html`);
const eml = readFileSync(`${FIXTURES}/e2e-message.eml`);

let repository: Repository;
let browser: ExtensionBrowser;
const rawRequests: string[] = [];

beforeAll(async () => {
  [repository, browser] = await Promise.all([startRepository(), launchWithExtension()]);
  await configure(browser.worker, repository);
  // Gmail cannot be reached from here: its pages are served from fixtures at their real URLs.
  await browser.context.route('https://mail.google.com/**', async (route) => {
    const url = new URL(route.request().url());
    if (url.searchParams.get('view') === 'att') {
      rawRequests.push(url.href);
      return route.fulfill({ body: eml, contentType: 'message/rfc822' });
    }
    return route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' });
  });
});

afterAll(async () => {
  await browser?.close();
  await repository?.close();
});

it('declares an open Gmail message and the repository receives it with its verified .eml', async () => {
  const page = await browser.context.newPage();
  await page.goto(MESSAGE_URL);
  const tabId = await tabIdOf(browser.worker, page);
  await waitFor(
    async () => ((await badgeText(browser.worker, tabId)) === '1' ? true : undefined),
    'the badge to count 1',
  );

  const popup = await openPopup(browser, tabId);
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

  expect(rawRequests).toEqual([
    'https://mail.google.com/mail/u/0/?view=att&permmsgid=msg-f:1750360559522271241&attid=0&disp=comp&safe=1&zw',
  ]);
  // The raw message was read: the record is filed under its Message-ID, the Gmail id kept beside it.
  const sourceId = '<CAPC3khAeVZ3FdSKKEBHaqLZaFZQE3M8ri5fTDFoJnho9cJUurA@mail.gmail.com>';
  const { items } = await getJson<{ items: { record: DeclaredRecord; receipt: Receipt }[] }>(
    repository,
    `records?sourceId=${encodeURIComponent(sourceId)}`,
  );
  expect(items).toHaveLength(1);
  const { record, receipt } = items[0]!;
  expect(record.title).toBe('Message attachment with plain text');
  expect(record.classification).toEqual({ profileId: 'hr-case', categoryId: 'HR/2.3', recordType: 'email' });
  expect(record.source).toMatchObject({ app: 'gmail', kind: 'email', sourceId, url: MESSAGE_URL });
  expect(record.metadata.originator).toBe('Ioan at FlowCrypt <ioan@flowcrypt.com>');
  expect(record.metadata.addressees).toEqual(['ci.tests.gmail@flowcrypt.dev']);
  expect(record.metadata.dateSent).toBe('2022-11-24T07:11:36Z');
  expect(record.metadata.identifiers).toMatchObject({
    appSourceId: 'gmail:msg-f:1750360559522271241',
    threadPermId: 'thread-f:1750360559522271241',
  });
  expect(record.metadata.otherAddressees).toEqual(['Tom at FlowCrypt <tom@flowcrypt.com>']);
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

  const stored = await fetch(`${repository.server.url}/api/v1/records/${record.id}/content/0`, {
    headers: { Authorization: `Bearer ${repository.token}` },
  });
  expect(Buffer.from(await stored.arrayBuffer()).equals(eml)).toBe(true);
});

it('warns before the same message is declared again', async () => {
  const page = browser.context.pages().find((p) => p.url().startsWith('https://mail.google.com/'))!;
  const tabId = await tabIdOf(browser.worker, page);
  const popup = await openPopup(browser, tabId);
  await popup.getByText(/^Already declared on /).waitFor();
  const again = popup.getByLabel('Declare it again anyway');
  await popup.getByLabel('Title').press('Enter');
  // The required tick holds the declaration back.
  expect(await popup.getByText('Declared and received by the repository').count()).toBe(0);
  await again.check();
  await popup.getByLabel('Case number').fill('HR-2291');
  await popup.getByLabel('Title').press('Enter');
  await popup.getByText('Declared and received by the repository').waitFor();
});
