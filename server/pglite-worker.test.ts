// @vitest-environment node
import { randomBytes } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { pgliteCheckpointsOf } from './db.ts';
import type { Db, Queryable } from './db-engines.ts';
import { connectPglite, openPglite, startPgliteWorker } from './db-pglite.ts';
import { startServer } from './main.ts';
import { openDurablePglite } from './pglite-engine.ts';
import { checkpoints } from './pglite-worker.ts';
import { tempFolders } from './test/support.ts';

/** PGlite runs in a worker thread (server/pglite-worker.ts); the server sees the same `Db` it saw in-process. */
const folders = tempFolders('rk-pglite-worker-');
afterAll(() => folders.removeAll());

/** One statement of every type the server reads back, so both ways of running PGlite can be compared. */
const EVERY_TYPE = `SELECT '2026-12-02T07:00:00.123Z'::timestamptz AS at, 9007199254740991::int8 AS big, 42::int4 AS n,
  1.5::numeric AS num, true AS yes, NULL::text AS nothing, ARRAY['a', 'b'] AS list, '{"a": [1, {"b": null}]}'::jsonb AS doc,
  $1::bytea AS bytes, 'é'::text AS text`;

describe('its thread', () => {
  // First in this file, while no other worker of it runs or winds down.
  it('is the one thread that opening PGlite adds: no module loader runs beside it', async () => {
    // tsx's loader, registered in the thread as this once did, ran in a thread of its own and cost the process
    // about 50 MB (server/db-pglite.ts).
    const threads = () => readdirSync('/proc/self/task').length;
    await stat('.'); // libuv's file threads, started by the first file operation, are not PGlite's
    const before = threads();
    const db = await openPglite(folders.make());
    try {
      await db.query('SELECT 1');
      expect(threads()).toBe(before + 1);
    } finally {
      await db.close();
    }
  });

  it('names its own module in the stack of an error it throws', async () => {
    const db = await openPglite(folders.make());
    try {
      let ended: Queryable | undefined;
      await db.transaction(async (tx) => {
        ended = tx;
      });
      const error = (await ended!.query('SELECT 1').catch((thrown: Error) => thrown)) as Error;
      expect(error.message).toBe('The transaction this query belongs to has already ended');
      // The TypeScript file with source maps on (`npm run server`), the bundle named after it without them.
      expect(error.stack).toMatch(/\/pglite-worker(\.ts|\.[0-9a-f]{16}\.mjs):\d+:\d+/);
      expect(error.stack).not.toContain('data:');
      expect(error.stack!.length).toBeLessThan(2000);
    } finally {
      await db.close();
    }
  });
});

describe('PGlite in its worker', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openPglite(folders.make());
    await db.exec('CREATE TABLE items (id integer PRIMARY KEY, bytes bytea)');
  });
  afterAll(() => db?.close());

  it('hands back an error with the PostgreSQL fields callers read', async () => {
    await db.query('INSERT INTO items (id) VALUES (1)');
    const error = await db.query('INSERT INTO items (id) VALUES ($1)', [1]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      message: 'duplicate key value violates unique constraint "items_pkey"',
      code: '23505',
      constraint: 'items_pkey',
      table: 'items',
      detail: 'Key (id)=(1) already exists.',
      severity: 'ERROR',
    });
    await expect(db.query('SELECT nonsense FROM')).rejects.toMatchObject({ code: '42601' });
    await expect(db.exec('SELECT 1 FROM nowhere')).rejects.toMatchObject({ code: '42P01' });
  });

  it('rolls a transaction back when its work throws, and the caller gets its own error', async () => {
    const failure = new Error('the work failed');
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO items (id) VALUES (2)');
        throw failure;
      }),
    ).rejects.toBe(failure);
    // A failing statement aborts it too.
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO items (id) VALUES (3)');
        await tx.query('INSERT INTO items (id) VALUES (1)');
      }),
    ).rejects.toMatchObject({ code: '23505' });
    const { rows } = await db.query<{ id: number }>('SELECT id FROM items WHERE id IN (2, 3)');
    expect(rows).toEqual([]);
    expect(await db.transaction(async (tx) => (await tx.query('SELECT 7 AS seven')).rows)).toEqual([{ seven: 7 }]);
  });

  it('runs a query from outside an open transaction after it, as one connection does', async () => {
    const order: string[] = [];
    let outside: Promise<unknown> | undefined;
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO items (id) VALUES (10)');
      outside = db.query<{ n: number }>('SELECT count(*)::int AS n FROM items WHERE id = 10').then(({ rows }) => {
        order.push(`outside saw ${rows[0]!.n}`);
      });
      // Round trips of the transaction while the outside query waits for it.
      for (let i = 0; i < 5; i++) await tx.query('SELECT pg_sleep(0.01)');
      await tx.query('INSERT INTO items (id) VALUES (11)');
      order.push('work done');
    });
    await outside;
    expect(order).toEqual(['work done', 'outside saw 1']);
  });

  it('takes and gives back bytea exactly, also from a view into a larger buffer', async () => {
    const pool = randomBytes(3 * 1024 * 1024);
    const view = pool.subarray(1000, 1000 + 1024 * 1024);
    await db.query('INSERT INTO items (id, bytes) VALUES (20, $1), (21, $2)', [view, new Uint8Array([0, 255, 1])]);
    const { rows } = await db.query<{ id: number; bytes: Uint8Array }>(
      'SELECT id, bytes FROM items WHERE id IN (20, 21) ORDER BY id',
    );
    expect(Buffer.from(rows[0]!.bytes).equals(view)).toBe(true);
    expect(rows[1]!.bytes).toStrictEqual(new Uint8Array([0, 255, 1]));
    // The caller's buffer is still its own: the worker got a copy.
    expect(pool.subarray(1000, 1010).equals(view.subarray(0, 10))).toBe(true);
  });

  it('prepares a named statement once and runs it again by name, in and out of transactions', async () => {
    const insert = 'INSERT INTO items (id, bytes) VALUES ($1, $2) RETURNING id';
    const name = { name: 'rk-test-insert' };
    expect((await db.query(insert, [30, Buffer.from('a')], name)).rows).toEqual([{ id: 30 }]);
    await db.transaction(async (tx) => {
      expect((await tx.query(insert, [31, null], name)).rows).toEqual([{ id: 31 }]);
    });
    // Rolled back with its transaction; the statement stays prepared.
    await expect(
      db.transaction(async (tx) => {
        await tx.query(insert, [32, null], name);
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect((await db.query(insert, [33, new Uint8Array([0, 255])], name)).rows).toEqual([{ id: 33 }]);
    const { rows } = await db.query<{ id: number; bytes: Uint8Array | null }>(
      'SELECT id, bytes FROM items WHERE id BETWEEN 30 AND 33 ORDER BY id',
    );
    expect(rows).toEqual([
      { id: 30, bytes: new Uint8Array(Buffer.from('a')) },
      { id: 31, bytes: null },
      { id: 33, bytes: new Uint8Array([0, 255]) },
    ]);
    // Parsed once, kept in the session by PostgreSQL, as it is with `pg` on PostgreSQL.
    const prepared = await db.query<{ name: string; statement: string }>(
      "SELECT name, statement FROM pg_prepared_statements WHERE name = 'rk-test-insert'",
    );
    expect(prepared.rows).toEqual([{ name: 'rk-test-insert', statement: insert }]);
  });

  it('reports a named statement’s errors with their PostgreSQL fields, and keeps it usable', async () => {
    const insert = 'INSERT INTO items (id) VALUES ($1)';
    await db.query(insert, [40], { name: 'rk-test-insert-id' });
    await expect(db.query(insert, [40], { name: 'rk-test-insert-id' })).rejects.toMatchObject({
      code: '23505',
      constraint: 'items_pkey',
      detail: 'Key (id)=(40) already exists.',
    });
    await expect(db.transaction((tx) => tx.query(insert, [40], { name: 'rk-test-insert-id' }))).rejects.toMatchObject({
      code: '23505',
    });
    await db.query(insert, [41], { name: 'rk-test-insert-id' });
    // A text that does not parse is refused each time, and not kept under its name.
    for (let i = 0; i < 2; i++) {
      await expect(db.query('SELECT nonsense FROM', [], { name: 'rk-test-bad' })).rejects.toMatchObject({
        code: '42601',
      });
    }
    // One name, one text.
    await expect(db.query('SELECT 1', [], { name: 'rk-test-insert-id' })).rejects.toThrow(
      'Statement name rk-test-insert-id was used for two different texts',
    );
  });

  it('takes bytea exactly through a named statement (sent as binary, not hex), also from a view into a larger buffer', async () => {
    const pool = randomBytes(3 * 1024 * 1024);
    const view = pool.subarray(4096, 4096 + 1024 * 1024);
    const insert = 'INSERT INTO items (id, bytes) VALUES ($1, $2), ($3, $4)';
    const empty = new Uint8Array(0);
    await db.query(insert, [50, view, 51, empty], { name: 'rk-test-bytea' });
    const { rows } = await db.query<{ id: number; bytes: Uint8Array; hex: string; size: number }>(
      "SELECT id, bytes, encode(substr(bytes, 1, 4), 'hex') AS hex, length(bytes) AS size FROM items WHERE id IN (50, 51) ORDER BY id",
    );
    expect(Buffer.from(rows[0]!.bytes).equals(view)).toBe(true);
    expect(rows[0]).toMatchObject({ size: view.byteLength, hex: view.subarray(0, 4).toString('hex') });
    expect(rows[1]).toMatchObject({ size: 0, bytes: empty });
  });

  it('returns rows of the same types from a named statement as from an unnamed one', async () => {
    const bytes = Buffer.from('bytes');
    const unnamed = (await db.query(EVERY_TYPE, [bytes])).rows;
    expect((await db.query(EVERY_TYPE, [bytes], { name: 'rk-test-types' })).rows).toStrictEqual(unnamed);
    expect((await db.query(EVERY_TYPE, [bytes], { name: 'rk-test-types' })).rows).toStrictEqual(unnamed);
  });

  it('returns rows of the same JavaScript types as PGlite in the same thread', async () => {
    const bytes = Buffer.from('bytes');
    const here = await openDurablePglite(folders.make());
    try {
      const expected = (await here.query(EVERY_TYPE, [bytes])).rows;
      const { rows } = await db.query(EVERY_TYPE, [bytes]);
      expect(rows).toStrictEqual(expected);
      expect(rows[0]).toMatchObject({ at: expect.any(Date), big: 9007199254740991, bytes: expect.any(Uint8Array) });
    } finally {
      await here.close();
    }
  });
});

/** A worker that says it is ready, then fails the way `behaviour` says when asked anything. */
function fakeWorker(behaviour: string): Worker {
  return new Worker(
    `const { parentPort } = require('node:worker_threads');
     parentPort.postMessage({ kind: 'ready' });
     parentPort.on('message', (request) => { ${behaviour} });`,
    { eval: true },
  );
}

describe('a worker that fails', () => {
  it('rejects the calls waiting on it, and every later one, when it throws', async () => {
    const db = await connectPglite(fakeWorker("if (request.sql === 'crash') throw new Error('boom');"));
    const waiting = db.query('SELECT 1'); // never answered by this worker
    const crash = db.query('crash');
    await expect(waiting).rejects.toThrow("PGlite's worker failed: boom");
    await expect(crash).rejects.toThrow("PGlite's worker failed: boom");
    await expect(db.query('SELECT 1')).rejects.toThrow("PGlite's worker failed: boom");
    await db.close();
  });

  it('rejects the calls waiting on it when it exits', async () => {
    const db = await connectPglite(fakeWorker('process.exit(3);'));
    await expect(db.transaction(async () => {})).rejects.toThrow("PGlite's worker stopped (exit code 3)");
  });

  it('gives the work’s failure and the failed rollback together when the worker dies while rolling back', async () => {
    const db = await connectPglite(
      fakeWorker(`if (request.op === 'begin') parentPort.postMessage({ id: request.id, ok: true, value: 1 });
        if (request.op === 'end') process.exit(4);`),
    );
    const failure = new Error('the work failed');
    const error = await db
      .transaction(async () => {
        throw failure;
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors[0]).toBe(failure);
    expect((error as Error).message).toBe(
      "the work failed; rolling the transaction back failed too: PGlite's worker stopped (exit code 4)",
    );
  });

  it('fails to open, with PGlite’s reason, a data folder that is not a folder', async () => {
    const file = join(folders.make(), 'not-a-folder');
    writeFileSync(file, 'hello');
    await expect(openPglite(file)).rejects.toThrow(`PGlite cannot open its data folder ${file}: ENOTDIR, not a folder`);
  });
});

describe('closing', () => {
  it('closes PGlite, then ends the worker; later calls are refused', async () => {
    const worker = await startPgliteWorker(folders.make());
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    const db = await connectPglite(worker);
    await db.query('SELECT 1');
    await db.close();
    await exited;
    await expect(db.query('SELECT 1')).rejects.toThrow('The database is closed');
    await db.close(); // twice is harmless
  });
});

describe('checkpoints', () => {
  // PGlite takes none by itself (server/pglite-worker.ts, `checkpoints`): its WAL grew without end.
  const redo = async (db: Db) =>
    (await db.query<{ redo: string }>('SELECT redo_lsn::text AS redo FROM pg_control_checkpoint()')).rows[0]!.redo;
  /** Writes `megabytes` MiB of fresh bytes, 1 MiB a row, the way the server sends bytea (a named statement). */
  const write = async (db: Db, megabytes: number) => {
    for (let n = 0; n < megabytes; n++) {
      await db.query('INSERT INTO blobs (bytes) VALUES ($1)', [randomBytes(1024 * 1024)], { name: 'put-blob' });
    }
  };
  /** Resolves once the last checkpoint's redo point is no longer `before`; the test's timeout bounds the wait. */
  const nextCheckpoint = async (db: Db, before: string) => {
    while ((await redo(db)) === before) await new Promise((done) => setTimeout(done, 20));
  };
  const open = async (checkpoints: Parameters<typeof openPglite>[1]) => {
    const db = await openPglite(folders.make(), checkpoints);
    await db.exec('CREATE TABLE blobs (bytes bytea); ALTER TABLE blobs ALTER COLUMN bytes SET STORAGE EXTERNAL');
    return db;
  };

  it('takes one once the WAL since the last reaches its size', { timeout: 120_000 }, async () => {
    const db = await open({ checkpoints: { everyMs: 20, walBytes: 4 * 1024 * 1024, maxAgeMs: 3_600_000 } });
    try {
      const before = await redo(db);
      await write(db, 6);
      await nextCheckpoint(db, before);
      const { rows } = await db.query<{ wal: number }>(
        'SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), redo_lsn)::float8 AS wal FROM pg_control_checkpoint()',
      );
      expect(rows[0]!.wal).toBeLessThan(4 * 1024 * 1024);
    } finally {
      await db.close();
    }
  });

  it('takes one when the last is older than its age and a WAL segment has been written since', {
    timeout: 120_000,
  }, async () => {
    const db = await open({ checkpoints: { everyMs: 20, walBytes: 1024 * 1024 * 1024, maxAgeMs: 0 } });
    try {
      const before = await redo(db);
      await write(db, 17);
      await nextCheckpoint(db, before);
    } finally {
      await db.close();
    }
  });

  it("takes the administrator's size and age from the server's environment, and refuses a bad one", {
    timeout: 240_000,
  }, async () => {
    expect(pgliteCheckpointsOf({})).toEqual({});
    expect(pgliteCheckpointsOf({ RK_PGLITE_MAX_WAL_SIZE_MB: ' ', RK_PGLITE_CHECKPOINT_TIMEOUT_S: '' })).toEqual({});
    expect(pgliteCheckpointsOf({ RK_PGLITE_MAX_WAL_SIZE_MB: '64', RK_PGLITE_CHECKPOINT_TIMEOUT_S: ' 30 ' })).toEqual({
      walBytes: 64 * 1024 * 1024,
      maxAgeMs: 30_000,
    });
    // PostgreSQL's own bounds for max_wal_size (two 16 MB segments at least) and checkpoint_timeout (30 s to a day).
    for (const [name, bad] of [
      ['RK_PGLITE_MAX_WAL_SIZE_MB', '16'],
      ['RK_PGLITE_MAX_WAL_SIZE_MB', '65537'],
      ['RK_PGLITE_MAX_WAL_SIZE_MB', '0x40'],
      ['RK_PGLITE_MAX_WAL_SIZE_MB', '1e3'],
      ['RK_PGLITE_MAX_WAL_SIZE_MB', '64 MB'],
      ['RK_PGLITE_CHECKPOINT_TIMEOUT_S', '29'],
      ['RK_PGLITE_CHECKPOINT_TIMEOUT_S', '86401'],
      ['RK_PGLITE_CHECKPOINT_TIMEOUT_S', '-5'],
      ['RK_PGLITE_CHECKPOINT_TIMEOUT_S', `5${'0'.repeat(100)}`],
    ]) {
      expect(() => pgliteCheckpointsOf({ [name!]: bad })).toThrow(new RegExp(`^${name} must be a whole number`));
    }

    // A server on the embedded database refuses to start on a bad value, before it opens anything.
    const dataDir = folders.make();
    vi.stubEnv('RK_PGLITE_CHECKPOINT_TIMEOUT_S', 'soon');
    try {
      await expect(startServer({ port: 0, dataDir, databaseUrl: undefined })).rejects.toThrow(
        'RK_PGLITE_CHECKPOINT_TIMEOUT_S must be a whole number of seconds from 30 to 86400; it was "soon".',
      );
    } finally {
      vi.unstubAllEnvs();
    }
    // And takes a checkpoint once the WAL written since the last reaches the size it was given.
    vi.stubEnv('RK_PGLITE_MAX_WAL_SIZE_MB', '32');
    const server = await startServer({ port: 0, dataDir, databaseUrl: undefined }).finally(() => vi.unstubAllEnvs());
    try {
      await server.db.exec(
        'CREATE TABLE blobs (bytes bytea); ALTER TABLE blobs ALTER COLUMN bytes SET STORAGE EXTERNAL',
      );
      const before = await redo(server.db);
      await write(server.db, 40);
      await nextCheckpoint(server.db, before);
    } finally {
      await server.close();
    }
  });

  it('reports a look or a checkpoint that fails on stderr, and tries again at the next look', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const asked: string[] = [];
    let failures = 2;
    // Only what `checkpoints` calls: the look fails twice, then calls for a checkpoint, which fails with an errno.
    const db = {
      query: async () => {
        asked.push('look');
        if (failures-- > 0) throw new Error('the look failed');
        return { rows: [{ wal: 512 * 1024 * 1024, age: 0 }] };
      },
      exec: async (sql: string) => {
        asked.push(sql);
        throw { name: 'ErrnoError', errno: 51 };
      },
    };
    const checkpointer = checkpoints(db as never, { everyMs: 5, walBytes: 256 * 1024 * 1024, maxAgeMs: 3_600_000 });
    let lines: unknown[];
    try {
      while (errors.mock.calls.length < 3) await new Promise((done) => setTimeout(done, 5));
    } finally {
      await checkpointer.stop();
      lines = errors.mock.calls.map(([line]) => line);
      errors.mockRestore();
    }
    expect(asked.slice(0, 4)).toEqual(['look', 'look', 'look', 'CHECKPOINT']);
    expect(lines.slice(0, 3)).toEqual([
      "PGlite's checkpoint failed; it is tried again soon: the look failed",
      "PGlite's checkpoint failed; it is tried again soon: the look failed",
      "PGlite's checkpoint failed; it is tried again soon: ENOSPC, no space left on the device",
    ]);
  });
});
