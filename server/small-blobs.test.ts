// @vitest-environment node
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyStore } from './fixity.ts';
import { type RunningServer, startServer } from './main.ts';
import { listEvents } from './records.ts';
import { SMALL_BLOB_MAX_BYTES, smallBlobMaxOf } from './small-blobs.ts';
import {
  type ContentFile,
  damageBlob,
  ENGINES,
  freshDatabase,
  getJson,
  makeRecord,
  postRecord,
  SERVER_TEST_TIMEOUT_MS,
  sha256Hex,
  textFile,
} from './test/support.ts';

const LIMIT = 4096;
const binary = (name: string, size: number): ContentFile => ({
  name,
  mimeType: 'application/octet-stream',
  bytes: new Uint8Array(randomBytes(size)),
});

/** Where the blob folder keeps a digest: `<blobs>/ab/cd/<sha256>`. */
const fileOf = (dataDir: string, digest: string) =>
  join(dataDir, 'blobs', digest.slice(0, 2), digest.slice(2, 4), digest);

/** A download of content `n`, its bytes and the digest header the server sent. */
async function download(server: RunningServer, token: string, id: string, n: number) {
  const response = await getJson(`${server.url}/api/v1/records/${id}/content/${n}`, token);
  expect(response.status).toBe(200);
  return { digest: response.headers.get('repr-digest'), bytes: new Uint8Array(await response.arrayBuffer()) };
}

describe.each(ENGINES)('Small parts in the database, large ones in the blob folder, on %s', (engine) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rk-small-'));
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let server: RunningServer | undefined;
  const start = async () => {
    database ??= await freshDatabase(engine);
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      databaseUrl: database.databaseUrl,
      smallBlobMaxBytes: LIMIT,
    });
    return server;
  };
  /** The running server (started by the first test, or now when run alone) and a new user's token on it. */
  const signedIn = async (user: string) => {
    const running = server ?? (await start());
    return { running, api: `${running.url}/api/v1`, token: await running.createToken(user) };
  };
  afterAll(async () => {
    await server?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'keeps a part up to the limit in the database and a larger one in the folder; both read back verified, after a restart too',
    async () => {
      let running = await start();
      const token = await running.createToken('ann@x.org');
      const small = binary('small.bin', LIMIT);
      const large = binary('large.bin', LIMIT + 1);
      const record = makeRecord([small, large]);
      expect((await postRecord(`${running.url}/api/v1`, token, record, [small, large])).status).toBe(201);

      expect(existsSync(fileOf(dataDir, sha256Hex(small.bytes)))).toBe(false);
      expect(existsSync(fileOf(dataDir, sha256Hex(large.bytes)))).toBe(true);
      const { rows } = await running.db.query<{ sha256: string }>('SELECT sha256 FROM small_blobs');
      expect(rows.map((row) => row.sha256)).toEqual([sha256Hex(small.bytes)]);
      expect(readdirSync(join(dataDir, 'blobs', 'tmp'))).toEqual([]);

      await running.close();
      running = await start();
      for (const [n, file] of [small, large].entries()) {
        const { digest, bytes } = await download(running, token, record.id, n);
        expect(sha256Hex(bytes)).toBe(sha256Hex(file.bytes));
        expect(digest).toBe(`sha-256=:${Buffer.from(sha256Hex(file.bytes), 'hex').toString('base64')}:`);
      }
      expect(await running.blobs.has(sha256Hex(small.bytes))).toBe(true);
      expect(await running.blobs.has(sha256Hex(large.bytes))).toBe(true);
      expect(await running.blobs.has(sha256Hex(new Uint8Array(1)))).toBe(false);
    },
    SERVER_TEST_TIMEOUT_MS,
  );

  it(
    'stores identical small content once, and a retry of a stored record adds nothing',
    async () => {
      const { running, api, token } = await signedIn('bob@x.org');
      const shared = textFile('same.txt', `same ${Math.random()}`);
      const first = makeRecord([shared]);
      const second = makeRecord([shared]);
      const answers = await Promise.all([
        postRecord(api, token, first, [shared]),
        postRecord(api, token, second, [shared]),
      ]);
      expect(answers.map((answer) => answer.status)).toEqual([201, 201]);
      expect((await postRecord(api, token, first, [shared])).status).toBe(200);
      const { rows } = await running.db.query('SELECT 1 FROM small_blobs WHERE sha256 = $1', [sha256Hex(shared.bytes)]);
      expect(rows).toHaveLength(1);
    },
    SERVER_TEST_TIMEOUT_MS,
  );

  it(
    'finds damaged small content on download and in the fixity audit',
    async () => {
      const { running, api, token } = await signedIn('cy@x.org');
      const content = textFile('note.txt', `to be damaged ${Math.random()}`);
      const record = makeRecord([content]);
      expect((await postRecord(api, token, record, [content])).status).toBe(201);
      await damageBlob(running, sha256Hex(content.bytes));

      const response = await getJson(`${api}/records/${record.id}/content/0`, token);
      expect(response.status).toBe(200);
      await expect(response.arrayBuffer()).rejects.toThrow();
      const report = await verifyStore(running.db, running.blobs);
      expect(report.mismatches.map((m) => m.recordId)).toEqual([record.id]);
      expect(report.mismatches[0]!.problem).toMatch(/bytes hash to/);
      expect((await listEvents(running.db, record.id)).map((event) => event.kind)).toContain('fixity-failed');
    },
    SERVER_TEST_TIMEOUT_MS,
  );
});

describe('RK_SMALL_BLOB_MAX_BYTES', () => {
  it('is 256 KiB on either engine unless set, and takes a whole number of bytes from 0 to 16 MiB', () => {
    expect(smallBlobMaxOf(undefined)).toBeUndefined();
    expect(smallBlobMaxOf(' ')).toBeUndefined();
    expect(SMALL_BLOB_MAX_BYTES).toBe(256 * 1024);
    expect(smallBlobMaxOf('0')).toBe(0);
    expect(smallBlobMaxOf('65536')).toBe(65536);
    for (const bad of ['-1', '1.5', 'lots', String(17 * 1024 * 1024)]) {
      expect(() => smallBlobMaxOf(bad)).toThrow(/RK_SMALL_BLOB_MAX_BYTES/);
    }
  });
});
