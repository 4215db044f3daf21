import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';

const root = new URL('../..', import.meta.url).pathname;

/** The Node flags `npm run server` gives the repository (package.json), so that tests and benchmarks run it alike. */
export const SERVER_NODE_FLAGS: string[] = JSON.parse(readFileSync(`${root}package.json`, 'utf8'))
  .scripts.server.split(' ')
  .filter((word: string) => word.startsWith('--'));

/**
 * The CLI as a child process, for tests and benchmarks that need the server in its own process: to measure its
 * memory, or to kill it. Runs as `npm run server` does (server/run.mjs), minus npm's wrapper process, so signals
 * reach the server itself.
 */
export function cli(args: string[], env: Record<string, string | undefined> = {}): ChildProcess {
  return spawn(process.execPath, [...SERVER_NODE_FLAGS, 'server/run.mjs', ...args], {
    cwd: root,
    stdio: 'pipe',
    env: { ...process.env, ...env },
  });
}

export function finished(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

export function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      const match = /Recordkeeper repository listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.stderr?.on('data', (chunk) => (out += chunk));
    child.on('close', (code) => reject(new Error(`server exited with ${code} before listening: ${out}`)));
  });
}

/**
 * Starts `npm run server` on a free port over `dataDir`; DATABASE_URL selects PostgreSQL as for the CLI, and `env`
 * adds more (RK_BLOB_DIR for a shared blob folder). Resolves once the server prints that it listens.
 */
export async function spawnServer(dataDir: string, databaseUrl?: string, env: Record<string, string> = {}) {
  const child = cli(['--port', '0', '--data', dataDir], { DATABASE_URL: databaseUrl ?? '', ...env });
  const exited = finished(child);
  const url = await listeningUrl(child);
  return { child, url, api: `${url}/api/v1`, pid: child.pid!, exited };
}

/** A /proc/<pid>/status figure in KiB (VmRSS, VmHWM); Linux only. */
export function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`No ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

/**
 * A fresh, empty schema in the PostgreSQL database at `base`, selected through the URL's search_path: what every
 * test server and benchmark on PostgreSQL starts from. `drop` removes it and everything in it.
 */
export async function freshSchema(base: string): Promise<{ databaseUrl: string; drop(): Promise<void> }> {
  const schema = `rk_test_${randomBytes(6).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE SCHEMA ${schema}`);
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { databaseUrl: url.toString(), drop: () => run(`DROP SCHEMA ${schema} CASCADE`) };
}

/**
 * The PostgreSQL of the tests that need one whatever the environment (several server processes on one database):
 * TEST_DATABASE_URL when set, otherwise the one scripts/ci-postgres.sh starts, as CI does. Throws, with the
 * script's own words, when neither is possible: such a test fails, it is never skipped.
 */
export function testPostgres(): string {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  const run = spawnSync('sh', ['scripts/ci-postgres.sh'], { cwd: root, encoding: 'utf8', timeout: 5 * 60_000 });
  const url = run.stdout?.trim();
  if (run.status === 0 && url?.startsWith('postgres://')) return url;
  throw new Error(
    `This test needs PostgreSQL: set TEST_DATABASE_URL, or run it where scripts/ci-postgres.sh can start one (${run.error?.message ?? run.stderr?.trim().slice(-500)}).`,
  );
}
