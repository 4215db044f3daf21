/**
 * Node-level benchmarks of the Microsoft 365 connector (issue 12): records delivered through `deliver()` into the
 * loopback Graph fake, beside the same records sent through the Records API path to the reference server. Run with
 * `npm run bench:graph`; not yet part of `npm run bench` (the in-extension figures come with the wiring).
 *
 * What this measures is the connector's own work and its request pattern on loopback (five Graph calls per small
 * record against one multipart POST), not SharePoint's latency, which no fake can tell.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { startTestServer } from '../server/test/support.ts';
import type { PartSource } from '../utils/connectors/connector.ts';
import { deliver } from '../utils/connectors/deliver.ts';
import { memoryCredentials } from '../utils/connectors/memory.ts';
import { createMicrosoft365Connector } from '../utils/connectors/microsoft-365/connector.ts';
import type { Microsoft365Mapping } from '../utils/connectors/microsoft-365/mapping.ts';
import { recordsApiConnector } from '../utils/connectors/records-api/connector.ts';
import type { DeclaredRecord } from '../utils/records/record.ts';
import { uuidv7 } from '../utils/records/uuidv7.ts';
import { type Figure, formatTable, lowerIsBetter } from './figures.ts';

const MiB = 1024 * 1024;
const CHUNK = 4 * MiB;

/** Byte j of part r: deterministic, generated a chunk at a time so no part is ever held whole. */
function chunkOf(r: number, start: number, end: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(end - start);
  for (let j = start; j < end; j++) bytes[j - start] = (Math.imul(j + r * 7919, 2654435761) >>> 24) & 255;
  return bytes;
}

function source(r: number, size: number): PartSource {
  return {
    index: 0,
    size,
    chunkSize: CHUNK,
    chunks: Math.max(1, Math.ceil(size / CHUNK)),
    chunk: async (n) => new Blob([chunkOf(r, n * CHUNK, Math.min(size, (n + 1) * CHUNK))]),
  };
}

async function sha256Of(part: PartSource): Promise<string> {
  const hash = createHash('sha256');
  for (let n = 0; n < part.chunks; n++)
    hash.update(new Uint8Array(await ((await part.chunk(n)) as Blob).arrayBuffer()));
  return hash.digest('hex');
}

async function recordFor(r: number, part: PartSource): Promise<DeclaredRecord> {
  return {
    id: uuidv7(),
    source: { app: 'generic', kind: 'file', url: 'https://example.org/bench', sourceId: `bench:${r}` },
    title: `Bench ${r}`,
    metadata: { originator: 'Bench <bench@example.org>' },
    classification: { categoryId: 'BENCH' },
    tags: [],
    fields: {},
    content: [
      {
        role: 'primary',
        name: 'body.bin',
        mimeType: 'application/octet-stream',
        size: part.size,
        sha256: await sha256Of(part),
      },
    ],
    declaredAt: new Date().toISOString(),
  };
}

const MAPPING: Microsoft365Mapping = {
  columns: { Title: 'title', RecordId: 'recordId', Originator: 'originator' },
  categories: {
    BENCH: {
      site: 'contoso.sharepoint.com:/sites/records',
      library: 'Records',
      folder: 'Bench',
      retentionLabel: 'Bench record',
    },
  },
};

function memoryProgress() {
  let saved: unknown;
  return {
    get: async () => saved,
    save: async (progress: unknown) => {
      saved = structuredClone(progress);
    },
  };
}

/** The Graph fake in a child process (tests/fakes/graph/cli.ts), answering its URL once it listens. */
async function startFakeProcess(setup: unknown): Promise<{ url: string; close(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/fakes/graph/cli.ts', JSON.stringify(setup)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the Graph fake exited (${code}) before it listened`)));
  });
  const { url } = JSON.parse(first) as { url: string };
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}

/** JavaScript heap and buffers in use (RSS never shrinks back, so it cannot show a peak above idle). */
const inUse = () => {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

/** Peak memory in use above the level before `run`, sampled every 20 ms. */
async function peakMemory<T>(run: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  global.gc?.();
  const before = inUse();
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, inUse());
  }, 20);
  try {
    const result = await run();
    peak = Math.max(peak, inUse());
    return { result, peakMb: Math.round((peak - before) / MiB) };
  } finally {
    clearInterval(timer);
  }
}

const centi = (n: number) => Math.round(n * 100) / 100;

/** Seconds for work the Records API connector did too, against the target of three times its seconds. */
function againstRecordsApi(seconds: number, apiSeconds: number, detail: Record<string, number>): Figure {
  return lowerIsBetter(centi(seconds), 's', centi(apiSeconds * 3), { ...detail, recordsApiSeconds: centi(apiSeconds) });
}

export async function benchGraph(options: { records?: number; recordBytes?: number; largeBytes?: number } = {}) {
  const count = options.records ?? 1000;
  const recordBytes = options.recordBytes ?? 50 * 1000;
  const largeBytes = options.largeBytes ?? 200 * MiB;
  const results: Record<string, Figure> = {};

  // The fake runs in a process of its own, so the memory measured here is the connector's alone.
  const fake = await startFakeProcess({
    tokens: ['bench'],
    sites: [
      {
        host: 'contoso.sharepoint.com',
        path: '/sites/records',
        libraries: [{ name: 'Records', columns: ['RecordId', 'Originator'] }],
      },
    ],
    labels: [{ name: 'Bench record', behavior: 'retainAsRecord' }],
  });
  const connector = () =>
    createMicrosoft365Connector({
      fetch,
      now: Date.now,
      credentials: { get: async () => undefined, set: async () => {}, delete: async () => {} },
      mapping: MAPPING,
      graphBase: fake.url,
      token: async () => 'bench',
    });
  const repository = await startTestServer();
  const token = await repository.server.createToken('bench');
  // The Records API path through the same seam: a fresh connector per drain, as the extension does.
  const recordsApi = () =>
    recordsApiConnector(
      { url: repository.server.url },
      { fetch, now: Date.now, credentials: memoryCredentials({ token }) },
    );

  try {
    const small = await Promise.all(Array.from({ length: count }, (_, r) => recordFor(r, source(r, recordBytes))));

    // The drain delivers one record at a time, with a fresh connector per drain.
    const m365 = connector();
    let started = performance.now();
    for (const [r, record] of small.entries()) await deliver(m365, record, [source(r, recordBytes)], memoryProgress());
    const graphSeconds = (performance.now() - started) / 1000;

    const api = recordsApi();
    started = performance.now();
    for (const [r, record] of small.entries()) await deliver(api, record, [source(r, recordBytes)], memoryProgress());
    const apiSeconds = (performance.now() - started) / 1000;

    results['graph.records1000x50KB'] = againstRecordsApi(graphSeconds, apiSeconds, {
      records: count,
      bytesEach: recordBytes,
      perSecond: Math.round(count / graphSeconds),
    });
    results['graph.records1000x50KB.ratioToRecordsApi'] = {
      value: Math.round((graphSeconds / apiSeconds) * 100) / 100,
      unit: '×',
      target: 3,
      better: 'lower',
    };

    const largePart = source(count + 1, largeBytes);
    const large = await recordFor(count + 1, largePart);
    started = performance.now();
    const { peakMb } = await peakMemory(() =>
      deliver(connector(), large, [source(count + 1, largeBytes)], memoryProgress()),
    );
    const largeSeconds = (performance.now() - started) / 1000;

    const apiLarge = { ...large, id: uuidv7() };
    started = performance.now();
    await deliver(recordsApi(), apiLarge, [source(count + 1, largeBytes)], memoryProgress());
    const apiLargeSeconds = (performance.now() - started) / 1000;

    results['graph.part200MB'] = againstRecordsApi(largeSeconds, apiLargeSeconds, {
      bytes: largeBytes,
      MBps: Math.round(largeBytes / MiB / largeSeconds),
    });
    results['graph.part200MB.memoryAboveIdle'] = {
      value: peakMb,
      unit: 'MB',
      target: 100,
      better: 'lower',
      detail: {
        figure:
          'JS heap + buffers above the level before the upload, connector and fake in one Node process (run with --expose-gc)',
      },
    };
  } finally {
    await fake.close();
    await repository.stop();
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const records = process.env.BENCH_RECORDS ? Number(process.env.BENCH_RECORDS) : undefined;
  const results = await benchGraph({ records }).catch((error: unknown) => {
    console.error(error, (error as { cause?: { cause?: unknown } }).cause?.cause);
    throw error;
  });
  console.info(formatTable(results));
  console.info(JSON.stringify(results, null, 2));
}
