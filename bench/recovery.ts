/**
 * Recovery after an outage (issue 15 item 4), for bench/run.ts: 1,000 records wait in the extension's outbox
 * while the reference repository is down; the figure is the time from the repository answering again to the last
 * of them synced (target ≤ 15 s). Real Chromium with the built extension, loopback. Node-only.
 */

import type { Page } from 'playwright-core';
import { freshSchema } from '../server/test/child-server.ts';
import {
  ask,
  connect,
  launchWithExtension,
  outboxCount,
  seedOutbox,
  startRepository,
} from '../tests/e2e/harness.ts';
import { recordFor } from './drain.ts';
import type { Figure } from './figures.ts';

async function until(check: () => Promise<boolean>, what: string, ms: number) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** How often the watcher counts synced records. */
const POLL_MS = 100;

/**
 * When the first and the last of `count` records were synced (Date.now()), watched from inside the extension page:
 * one IndexedDB connection, a count on the outbox's state index every POLL_MS. Polling from here instead, a page
 * evaluation opening the database for every count 20 times a second, was work of its own for the browser and the
 * worker that the drain it measured had to share the two cores with.
 */
function watchSynced(page: Page, count: number, ms: number): Promise<{ firstAt: number; lastAt: number }> {
  return page.evaluate(
    ([wanted, pollMs, timeoutMs]) =>
      new Promise<{ firstAt: number; lastAt: number }>((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const open = indexedDB.open('recordkeeper-outbox');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          let firstAt: number | undefined;
          const poll = () => {
            const read = db.transaction('records').objectStore('records').index('byState').count('synced');
            read.onerror = () => reject(read.error);
            read.onsuccess = () => {
              const now = Date.now();
              if (read.result > 0) firstAt ??= now;
              if (read.result >= wanted) {
                db.close();
                resolve({ firstAt: firstAt!, lastAt: now });
              } else if (now > deadline) {
                db.close();
                reject(new Error(`Timed out waiting for every record to sync (${read.result} of ${wanted})`));
              } else setTimeout(poll, pollMs);
            };
          };
          poll();
        };
      }),
    [count, POLL_MS, ms] as const,
  );
}

/**
 * Seconds from the repository answering again to all `count` records synced. `downMs`: how long the outage
 * lasts after the drain first found the repository down (the probes have slowed to their steady pace by then).
 * `databaseUrl`: the repository keeps its records in a fresh schema of that PostgreSQL instead of PGlite.
 */
export async function benchRecovery(
  count = 1000,
  size = 50 * 1024,
  downMs = 20_000,
  databaseUrl?: string,
): Promise<Figure> {
  const schema = databaseUrl ? await freshSchema(databaseUrl) : undefined;
  const repository = await startRepository(schema ? { databaseUrl: schema.databaseUrl } : {});
  const browser = await launchWithExtension();
  try {
    const page = await browser.extensionPage();
    await connect(page, repository.server.url, repository.token);
    await repository.stop();
    await seedOutbox(
      page,
      Array.from({ length: count }, (_, r) => recordFor(r, size)),
      0,
    );
    await ask(page, 'outbox.drain');
    await until(
      async () => (await outboxCount(page, 'retrying', true)) > 0,
      'the drain to find the repository down',
      60_000,
    );
    await new Promise((done) => setTimeout(done, downMs));
    await repository.start();
    const start = Date.now();
    const { firstAt, lastAt } = await watchSynced(page, count, 300_000);
    const seconds = (lastAt - start) / 1000;
    return {
      value: Math.round(seconds * 10) / 10,
      unit: 's',
      target: 15,
      better: 'lower',
      detail: {
        records: count,
        bytesEach: size,
        engine: schema ? 'PostgreSQL' : 'PGlite',
        outageSeconds: downMs / 1000,
        firstSyncedAfterSeconds: Math.round((firstAt - start) / 100) / 10,
        // Past the first record it is the drain's own speed, which the throughput figure measures against Node.
        drainRecordsPerSecond: Math.round((count / ((lastAt - firstAt) / 1000)) * 10) / 10,
        pollMs: POLL_MS,
      },
    };
  } finally {
    await browser.close();
    await repository.close();
    await schema?.drop();
  }
}
