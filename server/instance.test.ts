// @vitest-environment node
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDataFolder, currentHolder, DataFolderBusy } from './instance.ts';
import { cli, finished, spawnServer } from './test/child-server.ts';
import { getJson, makeRecord, postRecord, tempFolders, textFile } from './test/support.ts';

const folders = tempFolders('rk-instance-');
const folder = folders.make;
afterAll(() => folders.removeAll());

describe('one process per data folder', () => {
  it('runs token create, revoke and verify in the running server, in force at once and after a restart', async () => {
    const dir = folder();
    const admin = (await finished(cli(['token', 'create', '--user', 'root', '--admin', '--data', dir]))).stdout.trim();
    let server = await spawnServer(dir);
    try {
      // Created while the server runs: the server knows it at once.
      const created = await finished(cli(['token', 'create', '--user', 'ann', '--data', dir]));
      expect(created.code, created.stderr).toBe(0);
      const ann = created.stdout.trim();
      expect(ann).toMatch(/^rk_/);
      expect((await getJson(`${server.api}/records`, ann)).status).toBe(200);

      const file = textFile('a.txt', 'audited');
      const record = makeRecord([file]);
      expect((await postRecord(server.api, ann, record, [file])).status).toBe(201);
      const verified = await finished(cli(['verify', '--data', dir]));
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(/1 record\(s\) verified/);
      const events = await (await getJson(`${server.api}/records/${record.id}/events`, admin)).json();
      expect(events.items.map((event: { kind: string }) => event.kind)).toContain('fixity-verified');

      const listed = await finished(cli(['token', 'list', '--data', dir]));
      const id = listed.stdout
        .split('\n')
        .find((line) => / ann /.test(line))!
        .slice(0, 12);
      const revoked = await finished(cli(['token', 'revoke', id, '--data', dir]));
      expect(revoked.code, revoked.stderr).toBe(0);
      const reported = Date.now();
      // In force within one second of reporting success: checked right away, with a second's grace.
      let status = 0;
      do status = (await getJson(`${server.api}/records`, ann)).status;
      while (status !== 401 && Date.now() - reported < 1000);
      expect(status).toBe(401);

      server.child.kill('SIGTERM');
      await server.exited;
      server = await spawnServer(dir);
      expect((await getJson(`${server.api}/records`, ann)).status).toBe(401);
      expect((await getJson(`${server.api}/records`, admin)).status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('refuses a second server on the same folder at once, with one line naming the running one', async () => {
    const dir = folder();
    const server = await spawnServer(dir);
    try {
      const second = await finished(cli(['--port', '0', '--data', dir]));
      expect(second.code).toBe(1);
      expect(second.stdout).toBe('');
      expect(second.stderr.trim().split('\n')).toHaveLength(1);
      expect(second.stderr).toContain(server.url);
      expect(second.stderr).toContain(String(server.pid));
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('takes over the lock of a holder that died, and refuses while one lives', async () => {
    const dir = folder();
    writeFileSync(
      join(dir, 'repository.lock'),
      JSON.stringify({ role: 'server', pid: 999999, socket: join(dir, 'gone.sock'), startedAt: '2026-01-01' }),
    );
    expect(await currentHolder(dir)).toBeUndefined();
    const lease = await acquireDataFolder(dir, 'server');
    try {
      await lease.setUrl('http://127.0.0.1:1');
      expect(await currentHolder(dir)).toMatchObject({ role: 'server', pid: process.pid, url: 'http://127.0.0.1:1' });
      await expect(acquireDataFolder(dir, 'cli')).rejects.toBeInstanceOf(DataFolderBusy);
    } finally {
      await lease.release();
    }
    expect(await currentHolder(dir)).toBeUndefined();
    await (await acquireDataFolder(dir, 'cli')).release();
  });
});
