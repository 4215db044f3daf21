/**
 * Benchmarks of the outbox and sync (issue 7), for bench/run.ts: real Chromium with the built extension against
 * the reference server on loopback. Node-only (Playwright, node:crypto); never bundled into the extension.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import {
  connect,
  launchWithExtension,
  seedOutbox,
  startRepository,
  syncedCount,
  watchSynced,
} from '../tests/e2e/harness.ts';
import type { DeclaredRecord } from '../utils/records/record.ts';
import { uuidv7 } from '../utils/records/uuidv7.ts';
import type { Figure } from './figures.ts';

/** Byte j of record r's generated content: deterministic in Node and in the page. */
const byteAt = (r: number, j: number) => (Math.imul(j + r * 7919, 2654435761) >>> 24) & 255;

function contentOf(r: number, size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let j = 0; j < size; j++) bytes[j] = byteAt(r, j);
  return bytes;
}

/**
 * Record r of the bench, as the server's tests build theirs (server/test/support.ts, which the bench cannot
 * import: it configures vitest when loaded).
 */
export function recordFor(r: number, size: number, chunkName = 'body.bin'): DeclaredRecord {
  const bytes = contentOf(r, size);
  return {
    id: uuidv7(),
    source: { app: 'generic', kind: 'file', url: 'https://example.org/bench', sourceId: `bench:${size}` },
    title: `Bench ${r}`,
    metadata: { originator: 'Ann <ann@x.org>', dateSent: '2026-11-20T09:14:00Z' },
    classification: { profileId: 'hr-case', categoryId: 'HR/2.3', recordType: 'email' },
    tags: ['grievance'],
    fields: { caseNumber: 'HR-2291' },
    content: [
      {
        role: 'primary',
        name: chunkName,
        mimeType: 'application/octet-stream',
        size: bytes.byteLength,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      },
    ],
    declaredAt: new Date().toISOString(),
  };
}

function recordForm(record: DeclaredRecord, bytes: Uint8Array<ArrayBuffer>): FormData {
  const form = new FormData();
  form.append('record', JSON.stringify(record));
  form.append('content', new Blob([bytes], { type: 'application/octet-stream' }), 'body.bin');
  return form;
}

/**
 * Drain throughput: 1,000 queued 50 KB records sent by the extension to the reference server (records/s), and the
 * same server taking 1,000 such records from a plain Node client sending one after another. The figure is the
 * ratio (target ≥ 0.5); both rates are in the detail.
 */
export async function benchDrainThroughput(count = 1000, size = 50 * 1024): Promise<Figure> {
  const repository = await startRepository();
  const browser = await launchWithExtension({ inspectWorkerNetwork: false });
  try {
    const api = `${repository.server.url}/api/v1`;
    // Plain Node client first (also warms the server and its database).
    const plain = Array.from({ length: count }, (_, r) => recordFor(r, size));
    const nodeStart = performance.now();
    for (const [r, record] of plain.entries()) {
      const response = await fetch(`${api}/records`, {
        method: 'POST',
        headers: { authorization: `Bearer ${repository.token}`, 'idempotency-key': record.id },
        body: recordForm(record, contentOf(r, size)),
      });
      if (response.status !== 201) throw new Error(`Node client: ${response.status} ${await response.text()}`);
    }
    const nodeRate = count / ((performance.now() - nodeStart) / 1000);

    const page = await browser.extensionPage();
    const queued = Array.from({ length: count }, (_, r) => recordFor(r, size));
    await seedOutbox(page, queued, 0);
    const start = Date.now();
    await connect(page, repository.server.url, repository.token); // a settings change starts the drain
    const { lastAt } = await watchSynced(page, count, 300_000);
    const drainRate = count / ((lastAt - start) / 1000);
    return {
      value: Math.round((drainRate / nodeRate) * 100) / 100,
      unit: '×',
      target: 0.5,
      better: 'higher',
      detail: {
        records: count,
        bytesEach: size,
        extensionRecordsPerSecond: Math.round(drainRate * 10) / 10,
        nodeClientRecordsPerSecond: Math.round(nodeRate * 10) / 10,
      },
    };
  } finally {
    await browser.close();
    await repository.close();
  }
}

/** Resident memory (KiB) of the extension's own renderer processes, where its service worker runs. */
function extensionProcessesKb(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('--extension-process')) continue;
      const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      total += Number(match?.[1] ?? 0);
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

/**
 * Extension memory while uploading one 200 MB part (resumable, 4 MB chunks): the peak resident memory of the
 * extension's processes above what they use idle with the part already stored (target ≤ 100 MB).
 */
export async function benchUploadMemory(size = 200 * 1024 * 1024): Promise<Figure> {
  const repository = await startRepository();
  const browser = await launchWithExtension({ inspectWorkerNetwork: false });
  try {
    const page = await browser.extensionPage();
    const record = recordFor(0, 0);
    const bytes = contentOf(0, size);
    record.content[0] = { ...record.content[0]!, size, sha256: createHash('sha256').update(bytes).digest('hex') };
    await seedOutbox(page, [record], 0);
    await page.close();
    const page2 = await browser.openExtensionPage('options.html');
    await new Promise((done) => setTimeout(done, 2000));
    const idleKb = extensionProcessesKb();
    let peakKb = idleKb;
    const sampler = setInterval(() => {
      peakKb = Math.max(peakKb, extensionProcessesKb());
    }, 50);
    const start = performance.now();
    try {
      await connect(page2, repository.server.url, repository.token);
      const deadline = Date.now() + 300_000;
      while ((await syncedCount(page2)) < 1) {
        if (Date.now() > deadline) throw new Error('The upload did not finish in 5 minutes');
        await new Promise((done) => setTimeout(done, 100));
      }
    } finally {
      clearInterval(sampler);
    }
    return {
      value: Math.round((peakKb - idleKb) / 1024),
      unit: 'MB',
      target: 100,
      better: 'lower',
      detail: {
        partBytes: size,
        idleMb: Math.round(idleKb / 1024),
        peakMb: Math.round(peakKb / 1024),
        uploadSeconds: Math.round((performance.now() - start) / 100) / 10,
      },
    };
  } finally {
    await browser.close();
    await repository.close();
  }
}
