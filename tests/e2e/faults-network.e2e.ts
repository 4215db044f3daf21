// @vitest-environment node
import type { Page } from 'playwright-core';
import {
  connect,
  declareMany,
  type OutboxLine,
  outboxLines,
  verifyAtRepository,
  waitAllSynced,
  waitFor,
} from './harness.ts';
import { expect, type OpenedSite, test } from './test.ts';

/**
 * Faults between the extension and the repository, in real Chromium on loopback. Each case uses a repository of
 * its own, declares through the extension's own messages and asserts at the repository: every record exactly
 * once, every digest verified.
 */

/** The Message-ID of the Gmail fixture's raw message: the source id of every record declared from it. */
const GMAIL_SOURCE_ID = '<CAPC3khAeVZ3FdSKKEBHaqLZaFZQE3M8ri5fTDFoJnho9cJUurA@mail.gmail.com>';

let page: Page;
let gmail: OpenedSite;

test.beforeAll(async ({ browser, sites }) => {
  page = await browser.extensionPage();
  gmail = await sites.open('gmail');
  await gmail.detected();
});

test('server down while 20 records are declared, then up: all arrive once', async ({ testRepository }) => {
  await connect(page, testRepository.url, testRepository.token);
  await testRepository.stop();
  const ids = await declareMany(page, gmail.tab.id, 20, 'Down');
  // The drain tries, finds the repository unreachable and schedules retries; none is synced meanwhile.
  const waiting = await waitFor(async () => {
    const rows = await outboxLines(page, ids);
    return rows.some((row) => row.state === 'retrying' && /Could not reach/.test(row.lastError ?? ''))
      ? rows
      : undefined;
  }, 'the drain to find the repository down');
  expect(waiting.every((row) => row.state !== 'synced')).toBe(true);
  await testRepository.start();
  const rows = await waitAllSynced(page, ids);
  await verifyAtRepository(testRepository, GMAIL_SOURCE_ID, ids, rows);
});

test('503 with Retry-After, then 429, then OK: waits as told and stores once', async ({
  testRepository,
  faultProxy: proxy,
}) => {
  const times: number[] = [];
  proxy.onRequest = (method, path) => {
    if (method === 'POST' && path.endsWith('/records')) times.push(Date.now());
  };
  proxy.faults.push(
    { kind: 'status', status: 503, headers: { 'retry-after': '2' }, match: /^POST \/api\/v1\/records$/ },
    { kind: 'status', status: 429, headers: { 'retry-after': '2' }, match: /^POST \/api\/v1\/records$/ },
  );
  await connect(page, proxy.url, testRepository.token);
  const [first] = await declareMany(page, gmail.tab.id, 1, 'Busy');
  const [row] = await waitAllSynced(page, [first!]);
  expect(row!.attempts).toBe(3);
  expect(proxy.log.filter((line) => line.startsWith('POST /api/v1/records'))).toEqual([
    'POST /api/v1/records [status 503]',
    'POST /api/v1/records [status 429]',
    'POST /api/v1/records',
  ]);
  expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1900);
  expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(1900);
  const more = await declareMany(page, gmail.tab.id, 4, 'Busy');
  const ids = [first!, ...more];
  await verifyAtRepository(testRepository, GMAIL_SOURCE_ID, ids, await waitAllSynced(page, ids));
});

test('the server stores a record and its answer is lost: the retry gets the original receipt', async ({
  testRepository,
  faultProxy: proxy,
}) => {
  proxy.faults.push({ kind: 'drop-response', match: /^POST \/api\/v1\/records$/ });
  await connect(page, proxy.url, testRepository.token);
  const ids = await declareMany(page, gmail.tab.id, 1, 'Lost answer');
  const [row] = await waitAllSynced(page, ids);
  expect(proxy.log.filter((line) => line.startsWith('POST /api/v1/records'))).toEqual([
    'POST /api/v1/records [drop-response]',
    'POST /api/v1/records',
  ]);
  const stored = await testRepository.getJson<{ receipt: unknown }>(`records/${ids[0]}`);
  expect(row!.receipt).toEqual(stored.receipt);
  await verifyAtRepository(testRepository, GMAIL_SOURCE_ID, ids, [row!]);
});

/** Whether a drain holds the outbox's lease (utils/sync/lease.ts `acquireLease`): no drain is sending. */
function drainRunning(from: Page): Promise<boolean> {
  return from.evaluate(
    () =>
      new Promise<boolean>((resolve, reject) => {
        const open = indexedDB.open('recordkeeper-outbox');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction('meta').objectStore('meta').get('drain');
          get.onsuccess = () => {
            open.result.close();
            resolve(get.result !== undefined && get.result.expiresAt > Date.now());
          };
        };
      }),
  );
}

test('the token is revoked mid-drain: the drain stops without burning retries, then resumes on reconnect', async ({
  testRepository,
  faultProxy: proxy,
}) => {
  let posts = 0;
  proxy.onRequest = (method, path) => {
    if (method === 'POST' && path.endsWith('/records') && ++posts === 5) {
      void testRepository.server.db.query("UPDATE tokens SET revoked_at = now() WHERE user_name = 'ann'");
    }
  };
  proxy.faults.push({ kind: 'delay', ms: 150, match: /^POST \/api\/v1\/records$/, times: 1000 });
  // Declared with no repository set, then connected: one drain sends them in a row.
  await connect(page, '', '');
  const ids = await declareMany(page, gmail.tab.id, 30, 'Revoked');
  await connect(page, proxy.url, testRepository.token);
  await waitFor(async () => {
    const rows = await outboxLines(page, ids);
    return rows.some((row) => /refused the token/.test(row.lastError ?? '')) ? true : undefined;
  }, 'the drain to meet the revoked token');
  const postsAtStop = posts;
  // The drain has ended: it released its lease and nothing it sent is still in flight.
  await waitFor(
    async () => (proxy.inFlight === 0 && !(await drainRunning(page)) ? true : undefined),
    'the drain to stop',
  );
  const rows = await outboxLines(page, ids);
  const unsent = rows.filter((row) => row.state !== 'synced');
  expect(unsent.length).toBeGreaterThan(0);
  expect(unsent.every((row) => row.state === 'queued' && row.attempts === 0)).toBe(true);
  // A refused token stops the drain: at most the requests already in flight, not one per waiting record.
  expect(posts - postsAtStop).toBeLessThanOrEqual(3);
  const auth = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const open = indexedDB.open('recordkeeper-outbox');
        open.onsuccess = () => {
          const get = open.result.transaction('meta').objectStore('meta').get('auth');
          get.onsuccess = () => resolve(get.result);
        };
      }),
  );
  expect(auth).toMatchObject({ needed: true, error: expect.stringMatching(/refused the token \(401\)/) });

  const token = await testRepository.server.createToken('ann');
  await connect(page, proxy.url, token);
  const synced = await waitAllSynced(page, ids);
  await verifyAtRepository({ url: testRepository.url, token }, GMAIL_SOURCE_ID, ids, synced);
});

// The heaviest case: 1,000 captures and 1,000 uploads, which take a quarter of an hour on a loaded two-core
// machine. waitAllSynced fails as soon as the drain stalls; the long timeout only bounds the whole.
test('1,000 records declared offline, then drained: all arrive once', { timeout: 45 * 60_000 }, async ({
  testRepository,
}) => {
  await connect(page, testRepository.url, testRepository.token);
  await testRepository.stop();
  const ids = await declareMany(page, gmail.tab.id, 1000, 'Offline');
  await testRepository.start();
  const rows: OutboxLine[] = await waitAllSynced(page, ids);
  await verifyAtRepository(testRepository, GMAIL_SOURCE_ID, ids, rows);
});
