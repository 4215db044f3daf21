// @vitest-environment node
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from './db.ts';
import { listEvents } from './records.ts';
import { cli, finished, listeningUrl, SERVER_NODE_FLAGS, spawnServer } from './test/child-server.ts';
import {
  ENGINES,
  freshDatabase,
  makeRecord,
  postRecord,
  sha256Hex,
  startTestServer,
  textFile,
} from './test/support.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'rk-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

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

  it('starts the server as `npm run server` does, with a 64 MB floor under the old generation of V8', async () => {
    // Without it V8 kept its limit just above the live heap, and request buffers drove 10–15 full collections a
    // second under load (docs/deployment.md, "Node's heap"); tests and benches must run what production runs.
    expect(SERVER_NODE_FLAGS).toContain('--initial-old-space-size=64');
    const server = cli(['--port', '0', '--data', dataDir]);
    const exited = finished(server);
    try {
      await listeningUrl(server);
      const args =
        process.platform === 'linux'
          ? readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').split('\0')
          : execFileSync('ps', ['-o', 'args=', '-p', String(server.pid)], { encoding: 'utf8' }).split(/\s+/);
      expect(args).toContain('--initial-old-space-size=64');
    } finally {
      server.kill('SIGTERM');
    }
    expect((await exited).code).toBe(0);
  });

  it('starts `npm start`, which runs the demo repository in its own process, with the same Node flags', () => {
    const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(scripts.start.split(' ')).toEqual(expect.arrayContaining(SERVER_NODE_FLAGS));
  });

  it.each([
    [['--port', 'eighty'], /--port/],
    [['--max-bytes', '-5'], /--max-bytes/],
    [['--public-url', 'not a url'], /--public-url/],
    [['--frobnicate'], /frobnicate/],
    [['token', 'create'], /--user/],
    [['token', 'delete', '--user', 'ann'], /token create/],
    [['token', 'revoke'], /id/],
    [['verify', '--port', '1'], /--port/],
    [['--user', 'ann'], /--user/],
  ])('rejects %j with exit code 2 and a message', async (args, message) => {
    const result = await finished(cli([...args, '--data', dataDir]));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});

describe.each(ENGINES)('token list/revoke and verify on %s', (engine) => {
  it('lists tokens by short id without the secret, and a revoked token gets 401', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rk-cli-tokens-'));
    const database = await freshDatabase(engine);
    const env = { DATABASE_URL: database.databaseUrl ?? '' };
    try {
      const token = (
        await finished(cli(['token', 'create', '--user', 'eve', '--admin', '--data', dir], env))
      ).stdout.trim();
      const listed = await finished(cli(['token', 'list', '--data', dir], env));
      expect(listed.code).toBe(0);
      expect(listed.stdout).not.toContain(token);
      const line = listed.stdout.split('\n').find((row) => / eve /.test(row))!;
      expect(line).toMatch(/^[0-9a-f]{12} +eve +yes +\d{4}-/);
      const id = line.slice(0, 12);
      const revoked = await finished(cli(['token', 'revoke', id, '--data', dir], env));
      expect(revoked.code).toBe(0);
      expect((await finished(cli(['token', 'revoke', 'ffffffffffff', '--data', dir], env))).code).toBe(1);

      const server = await spawnServer(dir, database.databaseUrl);
      try {
        const response = await fetch(`${server.api}/records`, { headers: { authorization: `Bearer ${token}` } });
        expect(response.status).toBe(401);
      } finally {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    } finally {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('verify re-hashes every blob, audits good records, and lists a damaged or missing blob with exit 1', async () => {
    // Every part in the blob folder, where this test damages and removes files (server/small-blobs.test.ts damages
    // parts kept in the database).
    const t = await startTestServer({ smallBlobMaxBytes: 0 }, engine);
    const env = { DATABASE_URL: t.databaseUrl ?? '' };
    try {
      const token = await t.server.createToken('ann', false);
      const files = ['one', 'two', 'three'].map((text) => textFile(`${text}.txt`, `${text} ${Math.random()}`));
      const records = files.map((file) => makeRecord([file]));
      for (const [i, record] of records.entries()) {
        expect((await postRecord(t.api, token, record, [files[i]!])).status).toBe(201);
      }
      await t.server.close();

      const good = await finished(cli(['verify', '--data', t.dataDir], env));
      expect(good.stderr).toBe('');
      expect(good.stdout).toMatch(/3 record\(s\), 3 blob\(s\) re-hashed, 3 record\(s\) verified, 0 mismatch/);
      expect(good.code).toBe(0);

      const damaged = sha256Hex(files[0]!.bytes);
      const blobPath = join(t.dataDir, 'blobs', damaged.slice(0, 2), damaged.slice(2, 4), damaged);
      writeFileSync(blobPath, 'not what was declared');
      const missing = sha256Hex(files[1]!.bytes);
      rmSync(join(t.dataDir, 'blobs', missing.slice(0, 2), missing.slice(2, 4), missing));
      const bad = await finished(cli(['verify', '--data', t.dataDir], env));
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/1 record\(s\) verified, 2 mismatch/);
      expect(bad.stderr).toContain(`MISMATCH record ${records[0]!.id} content 0`);
      expect(bad.stderr).toMatch(new RegExp(`record ${records[1]!.id} .*missing`));

      const db = await openDb({ dataDir: t.dataDir, databaseUrl: t.databaseUrl });
      try {
        const kinds = async (id: string) => (await listEvents(db, id)).map((event) => event.kind);
        expect(await kinds(records[2]!.id)).toEqual(['declared', 'received', 'fixity-verified', 'fixity-verified']);
        expect(await kinds(records[0]!.id)).toEqual(['declared', 'received', 'fixity-verified', 'fixity-failed']);
      } finally {
        await db.close();
      }
    } finally {
      await t.stop().catch(() => {});
    }
  });
});
