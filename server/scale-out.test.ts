// @vitest-environment node
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PRESETS } from './presets.ts';
import { cli, finished, freshSchema, spawnServer, testPostgres } from './test/child-server.ts';
import { type ContentFile, fetch, makeRecord, postRecord, SERVER_TEST_TIMEOUT_MS, sha256Hex } from './test/support.ts';
import { UPLOAD_REF_TYPE } from './uploads.ts';

/**
 * Issue 15, item 1: any number of stateless server processes on one PostgreSQL and one shared blob folder. Three
 * real server processes (`npm run server`, as deployed) share both; clients race the same idempotency keys across
 * them and resume one tus upload from process to process. Afterwards: exactly one record per key, every digest
 * verified, and no blob, temp file, upload or lease left over.
 */

const ANN = 'ann@x.org';
const tus = (token: string, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${token}`,
  'tus-resumable': '1.0.0',
  ...extra,
});
const b64 = (text: string) => Buffer.from(text).toString('base64');
const retryAfter = (response: Response) =>
  new Promise((resolve) => setTimeout(resolve, 1000 * Number(response.headers.get('retry-after') ?? 1)));

function randomFile(name: string, size: number): ContentFile {
  return { name, mimeType: 'application/octet-stream', bytes: new Uint8Array(randomBytes(size)) };
}

/** Every file under the blob folder's `ab/cd/` fan-out, by name. */
function storedBlobs(root: string): string[] {
  const names: string[] = [];
  for (const a of readdirSync(root)) {
    if (!/^[0-9a-f]{2}$/.test(a)) continue;
    for (const b of readdirSync(join(root, a))) names.push(...readdirSync(join(root, a, b)));
  }
  return names.sort();
}

describe('Three server processes on one PostgreSQL and one blob folder', () => {
  const servers: Awaited<ReturnType<typeof spawnServer>>[] = [];
  const dataDirs = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), 'rk-scale-')));
  const blobDir = mkdtempSync(join(tmpdir(), 'rk-scale-blobs-'));
  let schema: Awaited<ReturnType<typeof freshSchema>>;
  let db: pg.Client;
  let token: string;
  let adminToken: string;
  /** Record id → the content it was declared with, for the checks at the end. */
  const declared = new Map<string, ContentFile>();

  beforeAll(async () => {
    schema = await freshSchema(testPostgres());
    const env = { DATABASE_URL: schema.databaseUrl, RK_BLOB_DIR: blobDir };
    // All three start at once on the empty schema: one applies the migrations, the others wait for it.
    servers.push(...(await Promise.all(dataDirs.map((dir) => spawnServer(dir, schema.databaseUrl, env)))));
    const created = await finished(cli(['token', 'create', '--user', ANN, '--data', dataDirs[0]!], env));
    expect(created.code, created.stderr).toBe(0);
    token = created.stdout.trim();
    const admin = await finished(cli(['token', 'create', '--user', 'root', '--admin', '--data', dataDirs[1]!], env));
    expect(admin.code, admin.stderr).toBe(0);
    adminToken = admin.stdout.trim();
    db = new pg.Client({ connectionString: schema.databaseUrl });
    await db.connect();
  }, SERVER_TEST_TIMEOUT_MS);

  afterAll(async () => {
    for (const server of servers) server.child.kill('SIGTERM');
    await Promise.all(servers.map((server) => server.exited));
    await db?.end();
    await schema?.drop();
    for (const dir of [...dataDirs, blobDir]) rmSync(dir, { recursive: true, force: true });
  }, SERVER_TEST_TIMEOUT_MS);

  /** POSTs until the repository answers for good: an in-flight 409 is retried after its Retry-After, as clients do. */
  async function postUntilAnswered(send: () => Promise<Response>) {
    for (;;) {
      const response = await send();
      const body = (await response.json()) as { type?: string; id?: string };
      if (response.status === 409 && body.type?.endsWith(':idempotency-key-in-flight')) {
        await retryAfter(response);
        continue;
      }
      return { status: response.status, body };
    }
  }

  it(
    'stores exactly one record per idempotency key raced across the three processes',
    async () => {
      const records = Array.from({ length: 12 }, (_, i) => {
        const file = randomFile(`part-${i}.bin`, 1024 * 1024 + i);
        const record = makeRecord([file]);
        declared.set(record.id, file);
        return { record, file };
      });
      // Every key goes to every process at once, and once more to the first.
      const answers = await Promise.all(
        records.flatMap(({ record, file }) =>
          [...servers, servers[0]!].map((server) =>
            postUntilAnswered(() => postRecord(server.api, token, record, [file])),
          ),
        ),
      );
      for (const { record } of records) {
        const own = answers.filter((answer) => answer.body.id === record.id);
        expect(own.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 201]);
      }
      const { rows } = await db.query<{ id: string; n: string }>(
        'SELECT id::text, count(*)::text AS n FROM records GROUP BY id',
      );
      expect(rows.map((row) => row.id).sort()).toEqual(records.map(({ record }) => record.id).sort());
      expect(rows.every((row) => row.n === '1')).toBe(true);
    },
    SERVER_TEST_TIMEOUT_MS,
  );

  it(
    'resumes one tus upload from process to process and stores its record once',
    async () => {
      const file = randomFile('big.bin', 3 * 1024 * 1024);
      const record = makeRecord([file]);
      declared.set(record.id, file);
      const total = file.bytes.byteLength;
      const metadata = [`sha256 ${b64(sha256Hex(file.bytes))}`, `name ${b64(file.name)}`];
      const created = await fetch(`${servers[0]!.api}/uploads`, {
        method: 'POST',
        headers: tus(token, { 'upload-length': String(total), 'upload-metadata': metadata.join(',') }),
      });
      expect(created.status).toBe(201);
      const id = new URL(created.headers.get('location')!, servers[0]!.api).pathname.split('/').pop()!;
      const urlOn = (i: number) => `${servers[i]!.api}/uploads/${id}`;
      const patch = (i: number, offset: number, bytes: Uint8Array) =>
        fetch(urlOn(i), {
          method: 'PATCH',
          headers: tus(token, { 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) }),
          body: bytes as Uint8Array<ArrayBuffer>,
        });
      const offsetOn = async (i: number) =>
        Number((await fetch(urlOn(i), { method: 'HEAD', headers: tus(token) })).headers.get('upload-offset'));

      // The first MiB through process 1.
      const mib = 1024 * 1024;
      expect((await patch(1, 0, file.bytes.subarray(0, mib))).status).toBe(204);
      expect(await offsetOn(2)).toBe(mib);

      // The same second MiB through processes 1 and 2 at once: one of them appends it, the other refuses.
      const raced = await Promise.all([1, 2].map((i) => patch(i, mib, file.bytes.subarray(mib, 2 * mib))));
      expect(raced.map((response) => response.status).sort()).toEqual([204, 409]);
      expect(await offsetOn(0)).toBe(2 * mib);

      // The rest to process 2 on a connection that drops half-way: the bytes that arrived stay.
      await new Promise<void>((resolve) => {
        const cut = request(urlOn(2), {
          method: 'PATCH',
          headers: tus(token, {
            'content-type': 'application/offset+octet-stream',
            'upload-offset': String(2 * mib),
            'content-length': String(total - 2 * mib),
          }),
        });
        cut.on('error', () => resolve());
        cut.on('response', () => resolve());
        cut.write(file.bytes.subarray(2 * mib, 2 * mib + mib / 2), () => setImmediate(() => cut.destroy()));
      });

      // A client resumes where any process says the upload stands, through process 0.
      for (;;) {
        const offset = await offsetOn(1);
        if (offset === total) break;
        const response = await patch(0, offset, file.bytes.subarray(offset));
        if (response.status === 409) await retryAfter(response);
        else expect(response.status).toBe(204);
      }

      // The record that refers to it, raced on all three processes.
      const send = (api: string) => () => {
        const form = new FormData();
        form.append('record', JSON.stringify(record));
        form.append('content', new Blob([`upload:${id}`], { type: UPLOAD_REF_TYPE }), file.name);
        return fetch(`${api}/records`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'idempotency-key': record.id },
          body: form,
        });
      };
      const answers = await Promise.all(servers.map((server) => postUntilAnswered(send(server.api))));
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 201]);
      const { rows } = await db.query('SELECT 1 FROM records WHERE id = $1', [record.id]);
      expect(rows).toHaveLength(1);
    },
    SERVER_TEST_TIMEOUT_MS,
  );

  it(
    'keeps presets versions in order when admins race through different processes',
    async () => {
      const put = (i: number, version: number) =>
        fetch(`${servers[i]!.api}/presets`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ ...DEMO_PRESETS, version }),
        });
      // The same new version through all three at once: one is stored, the others are stale.
      const same = await Promise.all([0, 1, 2].map((i) => put(i, DEMO_PRESETS.version + 1)));
      expect(same.map((response) => response.status).sort()).toEqual([200, 409, 409]);
      // Two versions at once: whichever lands first, the higher one ends up active everywhere.
      await Promise.all([put(0, DEMO_PRESETS.version + 3), put(1, DEMO_PRESETS.version + 2)]);
      for (const server of servers) {
        const response = await fetch(`${server.api}/presets`, { headers: { authorization: `Bearer ${token}` } });
        expect(((await response.json()) as { version: number }).version).toBe(DEMO_PRESETS.version + 3);
      }
    },
    SERVER_TEST_TIMEOUT_MS,
  );

  it(
    'serves every digest from every process and leaves no orphan blob, temp file, upload or lease',
    async () => {
      const { rows } = await db.query<{ record_id: string; sha256: string }>(
        'SELECT record_id::text, sha256 FROM record_content',
      );
      expect(rows).toHaveLength(declared.size);
      for (const [i, { record_id, sha256 }] of rows.entries()) {
        const file = declared.get(record_id)!;
        expect(sha256).toBe(sha256Hex(file.bytes));
        // Read back through a process other than the one that is likely to have stored it.
        const response = await fetch(`${servers[i % 3]!.api}/records/${record_id}/content/0`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(response.status).toBe(200);
        expect(sha256Hex(new Uint8Array(await response.arrayBuffer()))).toBe(sha256);
      }
      const blobs = storedBlobs(blobDir);
      expect(blobs).toEqual([...new Set(rows.map((row) => row.sha256))].sort());
      for (const name of blobs) {
        const bytes = readFileSync(join(blobDir, name.slice(0, 2), name.slice(2, 4), name));
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(name);
      }
      expect(readdirSync(join(blobDir, 'tmp'))).toEqual([]);
      expect(existsSync(join(blobDir, 'uploads')) ? readdirSync(join(blobDir, 'uploads')) : []).toEqual([]);
      expect((await db.query('SELECT id FROM uploads')).rows).toEqual([]);
      expect((await db.query('SELECT name FROM leases')).rows).toEqual([]);
    },
    SERVER_TEST_TIMEOUT_MS,
  );
});
