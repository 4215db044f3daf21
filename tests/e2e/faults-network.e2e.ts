// @vitest-environment node
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  configureFrom,
  declareMany,
  type ExtensionBrowser,
  extensionPage,
  GMAIL_SOURCE_ID,
  launchWithExtension,
  message,
  type OutboxLine,
  openGmail,
  type RestartableRepository,
  serveGmail,
  startFaultProxy,
  startRestartableRepository,
  verifyAtRepository,
  waitAllSynced,
} from './harness.ts';

/**
 * Faults between the extension and the repository, in real Chromium on loopback. Each case uses a fresh
 * repository, declares through the extension's own messages and asserts at the repository: every record exactly
 * once, every digest verified.
 */

let browser: ExtensionBrowser;
let page: import('playwright-core').Page;
let tabId: number;
const repositories: RestartableRepository[] = [];

async function freshRepository(): Promise<RestartableRepository> {
  const repository = await startRestartableRepository();
  repositories.push(repository);
  return repository;
}

beforeAll(async () => {
  browser = await launchWithExtension();
  await serveGmail(browser);
  page = await extensionPage(browser);
  ({ tabId } = await openGmail(browser, page));
});

afterAll(async () => {
  await browser?.close();
  for (const repository of repositories) await repository.close();
});

it('server down while 20 records are declared, then up: all arrive once', { timeout: 90_000 }, async () => {
  const repository = await freshRepository();
  await configureFrom(page, repository.url, repository.token);
  await repository.stop();
  const ids = await declareMany(page, tabId, 20, 'Down');
  const waiting = (await message<OutboxLine[]>(page, 'outbox.list')).filter((row) => ids.includes(row.id));
  expect(waiting.every((row) => row.state !== 'synced')).toBe(true);
  expect(waiting.some((row) => row.state === 'retrying' && /Could not reach/.test(row.lastError ?? ''))).toBe(true);
  await repository.start();
  const rows = await waitAllSynced(page, ids, 60_000);
  await verifyAtRepository(repository, GMAIL_SOURCE_ID, ids, rows);
});

it('503 with Retry-After, then 429, then OK: waits as told and stores once', { timeout: 90_000 }, async () => {
  const repository = await freshRepository();
  const proxy = await startFaultProxy(() => repository.url);
  try {
    const times: number[] = [];
    proxy.onRequest = (method, path) => {
      if (method === 'POST' && path.endsWith('/records')) times.push(Date.now());
    };
    proxy.faults.push(
      { kind: 'status', status: 503, headers: { 'retry-after': '2' }, match: /^POST \/api\/v1\/records$/ },
      { kind: 'status', status: 429, headers: { 'retry-after': '2' }, match: /^POST \/api\/v1\/records$/ },
    );
    await configureFrom(page, proxy.url, repository.token);
    const [first] = await declareMany(page, tabId, 1, 'Busy');
    const [row] = await waitAllSynced(page, [first!], 60_000);
    expect(row!.attempts).toBe(3);
    expect(proxy.log.filter((line) => line.startsWith('POST /api/v1/records'))).toEqual([
      'POST /api/v1/records [status 503]',
      'POST /api/v1/records [status 429]',
      'POST /api/v1/records',
    ]);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1900);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(1900);
    const more = await declareMany(page, tabId, 4, 'Busy');
    const ids = [first!, ...more];
    await verifyAtRepository(repository, GMAIL_SOURCE_ID, ids, await waitAllSynced(page, ids, 30_000));
  } finally {
    await proxy.close();
  }
});

it('the server stores a record and its answer is lost: the retry gets the original receipt', {
  timeout: 60_000,
}, async () => {
  const repository = await freshRepository();
  const proxy = await startFaultProxy(() => repository.url);
  try {
    proxy.faults.push({ kind: 'drop-response', match: /^POST \/api\/v1\/records$/ });
    await configureFrom(page, proxy.url, repository.token);
    const ids = await declareMany(page, tabId, 1, 'Lost answer');
    const [row] = await waitAllSynced(page, ids, 40_000);
    expect(proxy.log.filter((line) => line.startsWith('POST /api/v1/records'))).toEqual([
      'POST /api/v1/records [drop-response]',
      'POST /api/v1/records',
    ]);
    const stored = await (
      await fetch(`${repository.url}/api/v1/records/${ids[0]}`, {
        headers: { Authorization: `Bearer ${repository.token}` },
      })
    ).json();
    expect(row!.receipt).toEqual(stored.receipt);
    await verifyAtRepository(repository, GMAIL_SOURCE_ID, ids, [row!]);
  } finally {
    await proxy.close();
  }
});

it('the token is revoked mid-drain: the drain stops without burning retries, then resumes on reconnect', {
  timeout: 90_000,
}, async () => {
  const repository = await freshRepository();
  const proxy = await startFaultProxy(() => repository.url);
  try {
    let posts = 0;
    proxy.onRequest = (method, path) => {
      if (method === 'POST' && path.endsWith('/records') && ++posts === 5) {
        void repository.server.db.query("UPDATE tokens SET revoked_at = now() WHERE user_name = 'ann'");
      }
    };
    proxy.faults.push({ kind: 'delay', ms: 150, match: /^POST \/api\/v1\/records$/, times: 1000 });
    // Declared with no repository set, then connected: one drain sends them in a row.
    await configureFrom(page, '', '');
    const ids = await declareMany(page, tabId, 30, 'Revoked');
    await configureFrom(page, proxy.url, repository.token);
    const deadline = Date.now() + 30_000;
    let rows: OutboxLine[] = [];
    for (;;) {
      rows = (await message<OutboxLine[]>(page, 'outbox.list')).filter((row) => ids.includes(row.id));
      if (rows.some((row) => /refused the token/.test(row.lastError ?? ''))) break;
      if (Date.now() > deadline) throw new Error('the drain never met the revoked token');
      await new Promise((done) => setTimeout(done, 200));
    }
    const postsAtStop = posts;
    await new Promise((done) => setTimeout(done, 1500));
    rows = (await message<OutboxLine[]>(page, 'outbox.list')).filter((row) => ids.includes(row.id));
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

    const token = await repository.server.createToken('ann');
    await configureFrom(page, proxy.url, token);
    const synced = await waitAllSynced(page, ids, 40_000);
    await verifyAtRepository({ server: repository.server, token }, GMAIL_SOURCE_ID, ids, synced);
  } finally {
    await proxy.close();
  }
});

it('1,000 records declared offline, then drained: all arrive once', { timeout: 240_000 }, async () => {
  const repository = await freshRepository();
  await configureFrom(page, repository.url, repository.token);
  await repository.stop();
  const ids = await declareMany(page, tabId, 1000, 'Offline');
  await repository.start();
  const rows = await waitAllSynced(page, ids, 150_000);
  await verifyAtRepository(repository, GMAIL_SOURCE_ID, ids, rows);
});
