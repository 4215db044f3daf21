// @vitest-environment node
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The CLI runs under node --import tsx, which is what `tsx server/cli.ts` does, minus the wrapper process,
// so signals reach the server itself.
const cwd = new URL('..', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'rk-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function cli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { cwd, stdio: 'pipe' });
}

function finished(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      const match = /Recordkeeper repository listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.on('close', (code) => reject(new Error(`server exited with ${code} before listening: ${out}`)));
  });
}

describe('server CLI', () => {
  it('creates a token that then authenticates against the server it starts', async () => {
    const created = await finished(cli(['token', 'create', '--user', 'ann', '--data', dataDir]));
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^rk_[A-Za-z0-9_-]{43}\n$/);
    const token = created.stdout.trim();

    const server = cli(['--port', '0', '--data', dataDir]);
    const exited = finished(server);
    try {
      const url = await listeningUrl(server);
      expect(url).not.toMatch(/:0$/);
      const ok = await fetch(`${url}/api/v1/records?sourceId=x`, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ items: [] });
      const bad = await fetch(`${url}/api/v1/records?sourceId=x`, { headers: { authorization: 'Bearer rk_wrong' } });
      expect(bad.status).toBe(401);
    } finally {
      server.kill('SIGTERM');
    }
    expect((await exited).code).toBe(0);
  });

  it.each([
    [['--port', 'eighty'], /--port/],
    [['--max-bytes', '-5'], /--max-bytes/],
    [['--public-url', 'not a url'], /--public-url/],
    [['--frobnicate'], /frobnicate/],
    [['token', 'create'], /--user/],
    [['token', 'delete', '--user', 'ann'], /token create/],
    [['--user', 'ann'], /--user/],
  ])('rejects %j with exit code 2 and a message', async (args, message) => {
    const result = await finished(cli([...args, '--data', dataDir]));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});
