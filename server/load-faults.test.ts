// @vitest-environment node
import { createHash } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStore } from './fixity.ts';
import { SMALL_BLOB_MAX_BYTES } from './small-blobs.ts';
import { cli, finished, spawnServer } from './test/child-server.ts';
import {
  ENGINES,
  getJson,
  makeRecord,
  multipartPieces,
  postRecord,
  startTestServer,
  textFile,
  until,
} from './test/support.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(ENGINES)('load and faults on %s', (engine) => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  let token: string;
  beforeAll(async () => {
    t = await startTestServer({}, engine);
    token = await t.server.createToken('load', false);
  });
  afterAll(() => t?.stop());

  it('stores exactly 1,000 records from 20 concurrent clients that retry at random', async () => {
    const CLIENTS = 20;
    const PER_CLIENT = 50;
    let retries = 0;
    /** Sends until the server has it: a retry of the same key gets 200, one racing the first in flight gets 409. */
    const send = async (client: number, i: number) => {
      const file = textFile('note.txt', `client ${client} record ${i} ${Math.random()}`);
      const record = makeRecord([file], { source: { ...makeRecord([]).source, sourceId: `load-${client}-${i}` } });
      const attempt = () => postRecord(t.api, token, record, [file]);
      // A third of the records are sent twice at once, as a client that timed out and retried would.
      const tries = Math.random() < 1 / 3 ? [attempt(), attempt()] : [attempt()];
      let statuses = await Promise.all(tries.map(async (r) => (await r).status));
      while (!statuses.some((status) => status === 201 || status === 200)) {
        expect(statuses.every((status) => status === 409)).toBe(true);
        retries++;
        await sleep(5);
        statuses = [(await attempt()).status];
      }
      if (Math.random() < 0.1) expect((await attempt()).status).toBe(200);
    };
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let i = 0; i < PER_CLIENT; i++) await send(client, i);
      }),
    );
    const { rows } = await t.server.db.query<{ records: number; sources: number }>(
      "SELECT count(*)::int AS records, count(DISTINCT source_id)::int AS sources FROM records WHERE owner_user = 'load'",
    );
    expect(rows[0]).toEqual({ records: 1000, sources: 1000 });
    const report = await verifyStore(t.server.db, t.server.blobs);
    expect(report.mismatches).toEqual([]);
    expect(report.verified).toBeGreaterThanOrEqual(1000);
    expect(retries).toBeGreaterThanOrEqual(0);
  });

  it('keeps no record and no temp file of a client that disconnects mid-upload', async () => {
    // Over the size kept in the database (server/small-blobs.ts): streamed to a temp file, which this test watches.
    const file = textFile('big.bin', 'x'.repeat(2 * SMALL_BLOB_MAX_BYTES));
    const record = makeRecord([file]);
    const boundary = 'rk-disconnect';
    const pieces = multipartPieces(boundary, record, [file]);
    const url = new URL(`${t.api}/records`);
    const req = request(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'idempotency-key': record.id,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
    });
    req.on('error', () => {});
    req.write(pieces[0]);
    req.write(pieces[1]);
    req.write(Buffer.from(pieces[2]!).subarray(0, 100 * 1024));
    await until(() => t.server.inFlightKeys().includes(record.id));
    await until(() => readdirSync(join(t.dataDir, 'blobs', 'tmp')).length > 0);
    req.destroy();
    await until(() => !t.server.inFlightKeys().includes(record.id));
    await until(() => readdirSync(join(t.dataDir, 'blobs', 'tmp')).length === 0);
    expect((await getJson(`${t.api}/records/${record.id}`, token)).status).toBe(404);
    // The key is free again: the client can send the record in full.
    expect((await postRecord(t.api, token, record, [file])).status).toBe(201);
  });
});

describe.each(ENGINES)('a server killed with SIGKILL mid-ingest, on %s', (engine) => {
  it('still has every record it answered 201 for, intact, after a restart', async () => {
    const t = await startTestServer({}, engine);
    await t.server.close();
    const env = { DATABASE_URL: t.databaseUrl ?? '' };
    const token = (await finished(cli(['token', 'create', '--user', 'ann', '--data', t.dataDir], env))).stdout.trim();
    const stored: { id: string; sha256: string }[] = [];
    let server = await spawnServer(t.dataDir, t.databaseUrl);
    try {
      let killed = false;
      const client = async () => {
        while (!killed) {
          const file = textFile('note.txt', `${Math.random()}`.repeat(2000));
          const record = makeRecord([file]);
          const response = await postRecord(server.api, token, record, [file]).catch(() => undefined);
          if (response?.status === 201) stored.push({ id: record.id, sha256: record.content[0]!.sha256 });
        }
      };
      const clients = Array.from({ length: 4 }, client);
      await until(() => stored.length >= 40);
      server.child.kill('SIGKILL');
      killed = true;
      await server.exited;
      await Promise.all(clients);

      server = await spawnServer(t.dataDir, t.databaseUrl);
      for (const { id, sha256 } of stored) {
        const response = await getJson(`${server.api}/records/${id}/content/0`, token);
        expect(response.status).toBe(200);
        const bytes = new Uint8Array(await response.arrayBuffer());
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha256);
      }
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      await t.stop().catch(() => {});
      rmSync(t.dataDir, { recursive: true, force: true });
    }
  });
});
