import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, finished, freshSchema, procStatusKb, spawnServer } from '../server/test/child-server.ts';
import { postLargeRecord } from '../server/test/ingest-stream.ts';
import { uuidv7 } from '../utils/records/uuidv7.ts';
import { median } from './figures.ts';

/**
 * Benchmarks of the reference repository, called by bench/run.ts. Every server runs in a process of its own, as in
 * production, and the clients in this one; all traffic is on loopback. Each figure is bounded in time.
 */

export interface IngestOptions {
  /** How long clients keep sending to one target in one round, in seconds. */
  seconds?: number;
  /** Rounds of the targets taken in turn, so that a change in the machine's load falls on all of them alike. */
  rounds?: number;
  concurrency?: number;
  recordKb?: number;
  /** PostgreSQL to measure too (a fresh schema is made in it and dropped afterwards). */
  databaseUrl?: string | undefined;
  /** Called with a line of progress now and then. */
  progress?: (line: string) => void;
}

const root = new URL('..', import.meta.url).pathname;

/** A running target of the clients: the repository on one engine, or the bare sink. */
interface Target {
  name: 'sink' | 'pglite' | 'postgres';
  /** Where records are POSTed. */
  url: string;
  token: string;
  pid: number;
  stop(): Promise<void>;
}

/** A record with no metadata, classification, tags or fields: what the bench sends. */
const UNCLASSIFIED = { metadata: {}, classification: {}, tags: [], fields: {} };

/** One multipart request body for a record with one fresh content part of `recordKb` KB. */
function recordBody(recordKb: number, seed: Buffer): { id: string; body: Buffer; contentType: string } {
  const id = uuidv7();
  // Fresh content per record (the repository stores identical content once), without drawing 50 KB of randomness.
  const bytes = Buffer.allocUnsafe(recordKb * 1024);
  seed.copy(bytes, 0, 0, bytes.byteLength);
  bytes.write(id, 0, 'latin1');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const record = {
    id,
    source: { app: 'generic', kind: 'file', url: 'https://example.org/f', sourceId: `bench-${id}` },
    title: 'Bench record',
    ...UNCLASSIFIED,
    content: [{ role: 'primary', name: 'f.bin', mimeType: 'application/octet-stream', size: bytes.byteLength, sha256 }],
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

function post(agent: Agent, url: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent,
      headers: { ...headers, 'content-length': String(body.byteLength) },
    });
    req.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** CPU time (user + system) a process has used so far, in ms; Linux only. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of the line, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * The same clients for every target: `concurrency` loops posting fresh records over keep-alive connections for
 * `seconds`. Answers records/s and the target process's CPU ms per record.
 */
async function drive(target: Target, options: Required<Pick<IngestOptions, 'seconds' | 'concurrency' | 'recordKb'>>) {
  const { seconds, concurrency, recordKb } = options;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const seed = randomBytes(recordKb * 1024);
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const cpuBefore = cpuMs(target.pid);
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < deadline) {
          const { id, body, contentType } = recordBody(recordKb, seed);
          const headers = {
            authorization: `Bearer ${target.token}`,
            'idempotency-key': id,
            'content-type': contentType,
          };
          const status = await post(agent, target.url, headers, body);
          if (status !== 201) throw new Error(`${target.name} answered ${status}`);
          done++;
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  const elapsed = (performance.now() - started) / 1000;
  return { recordsPerSecond: done / elapsed, cpuMsPerRecord: (cpuMs(target.pid) - cpuBefore) / Math.max(done, 1) };
}

async function startSink(): Promise<Target> {
  const folder = mkdtempSync(join(tmpdir(), 'rk-bench-sink-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/ingest-sink.ts', folder], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = finished(child);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('close', (code) => reject(new Error(`The sink exited with ${code} before listening`)));
  });
  return {
    name: 'sink',
    url: `${url}/`,
    token: 'none',
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** The repository as `npm run server` starts it, over a fresh data folder (and a fresh schema on PostgreSQL). */
async function startRepositoryProcess(databaseUrl?: string): Promise<Target & { child: ChildProcess }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rk-bench-'));
  const schema = databaseUrl ? await freshSchema(databaseUrl) : undefined;
  const env = { DATABASE_URL: schema?.databaseUrl ?? '' };
  const created = await finished(cli(['token', 'create', '--user', 'bench', '--data', dataDir], env));
  if (created.code !== 0) throw new Error(`token create failed: ${created.stderr}`);
  const server = await spawnServer(dataDir, schema?.databaseUrl);
  return {
    name: schema ? 'postgres' : 'pglite',
    url: `${server.api}/records`,
    token: created.stdout.trim(),
    pid: server.pid,
    child: server.child,
    async stop() {
      server.child.kill('SIGTERM');
      await server.exited;
      await schema?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Ingest of the repository on each engine against the fsync'd sink, in one run: all targets start first, then each
 * round drives every target in turn for `seconds`. A round's ratio is an engine's records/s over the sink's in the
 * same round; the figure is the median over rounds, with the lowest and highest beside it.
 */
export async function ingestVsSink(options: IngestOptions = {}) {
  const { seconds = 5, rounds = 3, concurrency = 8, recordKb = 50, databaseUrl, progress = () => {} } = options;
  const targets: Target[] = [];
  try {
    targets.push(await startSink());
    targets.push(await startRepositoryProcess());
    if (databaseUrl) targets.push(await startRepositoryProcess(databaseUrl));
    // A short warm-up of each: code paths compiled, the database's caches filled.
    for (const target of targets) await drive(target, { seconds: 1, concurrency, recordKb });
    const samples = new Map<Target['name'], { recordsPerSecond: number; cpuMsPerRecord: number }[]>();
    for (let round = 1; round <= rounds; round++) {
      for (const target of targets) {
        const sample = await drive(target, { seconds, concurrency, recordKb });
        samples.set(target.name, [...(samples.get(target.name) ?? []), sample]);
        progress(
          `round ${round}/${rounds}: ${target.name} ${sample.recordsPerSecond.toFixed(1)} records/s, ` +
            `${sample.cpuMsPerRecord.toFixed(2)} CPU ms/record`,
        );
      }
    }
    const sink = samples.get('sink')!;
    const summary = (name: 'pglite' | 'postgres') => {
      const own = samples.get(name);
      if (!own) return undefined;
      const ratios = own.map((sample, i) => sample.recordsPerSecond / sink[i]!.recordsPerSecond);
      return {
        recordsPerSecond: round2(median(own.map((s) => s.recordsPerSecond))),
        cpuMsPerRecord: round2(median(own.map((s) => s.cpuMsPerRecord))),
        ratio: round2(median(ratios)),
        ratioMin: round2(Math.min(...ratios)),
        ratioMax: round2(Math.max(...ratios)),
      };
    };
    return {
      sinkRecordsPerSecond: round2(median(sink.map((s) => s.recordsPerSecond))),
      sinkCpuMsPerRecord: round2(median(sink.map((s) => s.cpuMsPerRecord))),
      pglite: summary('pglite')!,
      postgres: summary('postgres'),
    };
  } finally {
    for (const target of targets.reverse()) await target.stop();
  }
}

/**
 * Peak resident memory of the server process (its own child process) while it ingests one part of `megabytes` MiB:
 * VmHWM after the upload, and the RSS it had before, in MB.
 */
export async function ingestPeakRss(options: { megabytes?: number; databaseUrl?: string } = {}) {
  const { megabytes = 500 } = options;
  const server = await startRepositoryProcess(options.databaseUrl);
  try {
    const api = server.url.replace(/\/records$/, '');
    const beforeMb = procStatusKb(server.pid, 'VmRSS') / 1024;
    const peakBeforeMb = procStatusKb(server.pid, 'VmHWM') / 1024;
    const { status, body } = await postLargeRecord(api, server.token, megabytes);
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
    await server.stop();
  }
}
