import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('../..', import.meta.url).pathname;

/**
 * The CLI as a child process, for tests and benchmarks that need the server in its own process: to measure its
 * memory, or to kill it. Runs under node --import tsx (what `tsx server/cli.ts` does, minus the wrapper process),
 * so signals reach the server itself.
 */
export function cli(args: string[], env: Record<string, string | undefined> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
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

/** Starts `npm run server` on a free port over `dataDir`; DATABASE_URL selects PostgreSQL as for the CLI. */
export async function spawnServer(dataDir: string, databaseUrl?: string) {
  const child = cli(['--port', '0', '--data', dataDir], { DATABASE_URL: databaseUrl ?? '' });
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
