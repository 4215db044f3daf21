import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../server/main.ts';
import { cli, finished, procStatusKb, spawnServer } from '../server/test/child-server.ts';
import { postLargeRecord } from '../server/test/ingest-stream.ts';
import { uuidv7 } from '../utils/records/uuidv7.ts';

/**
 * Benchmarks of the reference repository, called by bench/run.ts. Each returns plain numbers and is bounded in
 * time; all traffic is on loopback.
 */

export interface IngestOptions {
  /** How long clients keep sending, in seconds. */
  seconds?: number;
  concurrency?: number;
  recordKb?: number;
}

/** One multipart request body for a record with one fresh content part of `recordKb` KB. */
function recordBody(recordKb: number): { id: string; body: Buffer; contentType: string } {
  const bytes = randomBytes(recordKb * 1024);
  const id = uuidv7();
  const record = {
    id,
    source: { app: 'generic', kind: 'file', url: 'https://example.org/f', sourceId: `bench-${id}` },
    title: 'Bench record',
    metadata: {},
    classification: {},
    tags: [],
    fields: {},
    content: [
      {
        role: 'primary',
        name: 'f.bin',
        mimeType: 'application/octet-stream',
        size: bytes.byteLength,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      },
    ],
    declaredAt: new Date().toISOString(),
  };
  const boundary = `rk-bench-${id}`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="record"\r\n\r\n${JSON.stringify(record)}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="f.bin"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { id, body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The same client for both targets: `concurrency` loops posting fresh records for `seconds`; records/s. */
async function drive(url: string, token: string, options: IngestOptions): Promise<number> {
  const { seconds = 5, concurrency = 8, recordKb = 50 } = options;
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        const { id, body, contentType } = recordBody(recordKb);
        const response = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'idempotency-key': id, 'content-type': contentType },
          body: new Uint8Array(body),
        });
        await response.arrayBuffer();
        if (response.status !== 201) throw new Error(`Ingest answered ${response.status}`);
        done++;
      }
    }),
  );
  return done / ((Date.now() - started) / 1000);
}

/** Records/s into the repository: PGlite under a temp dir, or PostgreSQL when `databaseUrl` is given. */
export async function ingestThroughput(options: IngestOptions & { databaseUrl?: string } = {}): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rk-bench-'));
  const server = await startServer({ port: 0, dataDir, databaseUrl: options.databaseUrl });
  try {
    const token = await server.createToken('bench', false);
    return await drive(`${server.url}/api/v1/records`, token, options);
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Records/s into a bare node:http server that reads and discards each body: the floor of HTTP ingest here. */
export async function bareHttpThroughput(options: IngestOptions = {}): Promise<number> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(201, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await drive(`http://127.0.0.1:${port}/`, 'none', options);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Both ingest figures against the bare floor; `ratio*` is repository records/s over bare records/s. */
export async function ingestVsBare(options: IngestOptions & { databaseUrl?: string } = {}) {
  const bare = await bareHttpThroughput(options);
  const pglite = await ingestThroughput({ ...options, databaseUrl: undefined });
  const postgres = options.databaseUrl ? await ingestThroughput(options) : undefined;
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    bareRecordsPerSecond: round(bare),
    pgliteRecordsPerSecond: round(pglite),
    ratioPglite: round(pglite / bare),
    ...(postgres === undefined
      ? {}
      : { postgresRecordsPerSecond: round(postgres), ratioPostgres: round(postgres / bare) }),
  };
}

/**
 * Peak resident memory of the server process (its own child process) while it ingests one part of `megabytes` MiB:
 * VmHWM after the upload, and the RSS it had before, in MB.
 */
export async function ingestPeakRss(options: { megabytes?: number; databaseUrl?: string } = {}) {
  const { megabytes = 500 } = options;
  const dataDir = mkdtempSync(join(tmpdir(), 'rk-bench-rss-'));
  const env = { DATABASE_URL: options.databaseUrl ?? '' };
  const token = (await finished(cli(['token', 'create', '--user', 'bench', '--data', dataDir], env))).stdout.trim();
  const server = await spawnServer(dataDir, options.databaseUrl);
  try {
    const beforeMb = procStatusKb(server.pid, 'VmRSS') / 1024;
    const peakBeforeMb = procStatusKb(server.pid, 'VmHWM') / 1024;
    const { status, body } = await postLargeRecord(server.api, token, megabytes);
    if (status !== 201) throw new Error(`Large ingest answered ${status}: ${body}`);
    const peakMb = procStatusKb(server.pid, 'VmHWM') / 1024;
    return {
      partMb: megabytes,
      rssBeforeMb: Math.round(beforeMb),
      peakRssBeforeMb: Math.round(peakBeforeMb),
      peakRssMb: Math.round(peakMb),
      growthMb: Math.round(peakMb - beforeMb),
    };
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}
