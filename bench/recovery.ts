/**
 * Recovery after an outage (issue 15 item 4), for bench/run.ts: 1,000 records wait in the extension's outbox
 * while the reference repository is down; the figure is the time from the repository answering again to the last
 * of them synced (target ≤ 15 s). Real Chromium with the built extension, loopback. Node-only.
 */

import { freshSchema } from '../server/test/child-server.ts';
import {
  ask,
  connect,
  launchWithExtension,
  outboxCount,
  SYNCED_POLL_MS,
  seedOutbox,
  startRepository,
  watchSynced,
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
  const browser = await launchWithExtension({ inspectWorkerNetwork: false });
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
        pollMs: SYNCED_POLL_MS,
      },
    };
  } finally {
    await browser.close();
    await repository.close();
    await schema?.drop();
  }
}
