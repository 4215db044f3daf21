// @vitest-environment node
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeclaredRecord } from '../../utils/records/record.ts';
import { uuidv7 } from '../../utils/records/uuidv7.ts';
import {
  ask,
  connect,
  declareMany,
  type ExtensionBrowser,
  launchWithExtension,
  outboxLines,
  seedOutbox,
  verifyAtRepository,
  waitAllSynced,
} from './harness.ts';
import { serveSite } from './sites.ts';
import { expect, test } from './test.ts';

/** Faults of the browser itself: its service worker stopped mid-upload, the whole browser killed. */

/** The Message-ID of the Gmail fixture's raw message: the source id of every record declared from it. */
const GMAIL_SOURCE_ID = '<CAPC3khAeVZ3FdSKKEBHaqLZaFZQE3M8ri5fTDFoJnho9cJUurA@mail.gmail.com>';

/** Byte j of the generated large part: cheap, deterministic, not compressible by accident. */
const byteAt = (j: number) => (Math.imul(j, 2654435761) >>> 24) & 255;

test('the service worker is stopped three times during a 100 MB upload: it resumes, never restarts', async ({
  browser,
  testRepository,
  faultProxy: proxy,
}) => {
  const SIZE = 100 * 1024 * 1024;
  const CHUNK = 4 * 1024 * 1024;
  const bytes = new Uint8Array(SIZE);
  for (let j = 0; j < SIZE; j++) bytes[j] = byteAt(j);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const page = await browser.extensionPage();
  // Slow the upload a little, so that there is time to stop the worker in the middle of it.
  proxy.faults.push({ kind: 'delay', ms: 200, match: /^PATCH /, times: 10_000 });
  const id = uuidv7();
  const record: DeclaredRecord = {
    id,
    source: { app: 'generic', kind: 'file', url: 'https://example.org/big.bin', sourceId: 'e2e:big-upload' },
    title: 'A 100 MB recording',
    metadata: {},
    classification: {},
    tags: [],
    fields: {},
    content: [{ role: 'primary', name: 'recording.bin', mimeType: 'application/octet-stream', size: SIZE, sha256 }],
    declaredAt: new Date().toISOString(),
  };
  // Declared as the outbox stores it (4 MB chunks), from inside the extension: the capture path cannot carry
  // 100 MB yet (see the report of issue 7). The bytes are `byteAt`'s.
  await seedOutbox(page, [record], 0, CHUNK);
  await connect(page, proxy.url, testRepository.token);

  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('ServiceWorker.enable');
  for (const fraction of [0.2, 0.45, 0.7]) {
    // A stopped worker wakes on the next message, and a drain that finds the stopped one's lease still held
    // leaves the outbox alone: ask again, a few times a second, until the upload has gone this far.
    const reached = proxy.patched(SIZE * fraction);
    let done = false;
    void reached.then(() => {
      done = true;
    });
    while (!done) {
      await ask(page, 'outbox.drain').catch(() => undefined);
      await Promise.race([reached, new Promise((tick) => setTimeout(tick, 250))]);
    }
    await cdp.send('ServiceWorker.stopAllWorkers');
    proxy.log.push('-- worker stopped --');
  }
  const [row] = await waitAllSynced(page, [id]);
  expect(row!.receipt?.content[0]?.sha256).toBe(sha256);
  // One upload, resumed after each stop: at most the chunk in flight is sent again per stop.
  expect(proxy.log.filter((line) => line.startsWith('POST /api/v1/uploads'))).toHaveLength(1);
  expect(proxy.log.filter((line) => line.startsWith('HEAD /api/v1/uploads/')).length).toBeGreaterThanOrEqual(3);
  expect(proxy.patchBytes).toBeLessThan(SIZE + 3 * CHUNK + 1);
  await verifyAtRepository(testRepository, 'e2e:big-upload', [id], [row!]);
});

/** The browser processes running on `profile`, found by the profile path in their command line. */
function browserPids(profile: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmd.includes(`--user-data-dir=${profile}`) && !cmd.includes('--type=');
      } catch {
        return false;
      }
    })
    .map(Number);
}

test('the browser is killed with 200 records queued and restarted on its profile: all arrive once', async ({
  testRepository,
  onTestFinished,
}) => {
  const profile = mkdtempSync(join(tmpdir(), 'rk-e2e-kept-profile-'));
  let relaunched: ExtensionBrowser | undefined;
  onTestFinished(async () => {
    await relaunched?.close();
    rmSync(profile, { recursive: true, force: true });
  });
  const killed = await launchWithExtension({ profile });
  const gmail = await serveSite(killed.context, 'gmail');
  const page = await killed.extensionPage();
  await connect(page, testRepository.url, testRepository.token);
  await testRepository.stop();
  const tab = await killed.open(gmail.url);
  await killed.waitForBadge(tab.id, '1');
  const ids = await declareMany(page, tab.id, 200, 'Killed');
  const queued = await outboxLines(page, ids);
  expect(queued.filter((row) => row.state !== 'synced')).toHaveLength(200);

  const pids = browserPids(profile);
  expect(pids).toHaveLength(1);
  const closed = new Promise((done) => killed.context.once('close', done));
  process.kill(pids[0]!, 'SIGKILL');
  // Playwright sees the browser go: the relaunch does not find the killed one still holding the profile.
  await closed;

  await testRepository.start();
  relaunched = await launchWithExtension({ profile });
  const rows = await waitAllSynced(await relaunched.extensionPage(), ids);
  await verifyAtRepository(testRepository, GMAIL_SOURCE_ID, ids, rows);
});
