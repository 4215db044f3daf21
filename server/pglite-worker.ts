import { parentPort, workerData } from 'node:worker_threads';
import { type PGlite, parse, protocol, type Transaction } from '@electric-sql/pglite';
import { openDurablePglite } from './pglite-engine.ts';

/**
 * PGlite in a worker thread of its own (started by server/db-pglite.ts). Its statements run synchronously inside
 * WebAssembly and each commit waits for the WAL's fsync; here they do so off the server's event loop, which keeps
 * reading request bodies meanwhile, so the next batch (server/batcher.ts) gathers everything that arrived.
 *
 * Every request carries an id and gets one reply with that id. Requests run concurrently; PGlite's own mutexes run
 * them one at a time, and a query outside a transaction waits until an open transaction ends, as in one process.
 */

export type Request =
  | {
      id: number;
      op: 'query';
      sql: string;
      params?: readonly unknown[] | undefined;
      tx?: number | undefined;
      /** A statement to prepare once and run again by this name (server/db-engines.ts, QueryOptions). */
      name?: string | undefined;
    }
  | { id: number; op: 'exec'; sql: string }
  /** Opens a transaction; the reply's value is its id, which later `query` and `end` requests carry. */
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

/** What crosses back: an error as plain data, with the PostgreSQL fields callers read (code, constraint, detail…). */
export interface ErrorData {
  name: string;
  message: string;
  stack?: string | undefined;
  fields: Record<string, string | number | boolean>;
}

export type Message =
  | { kind: 'ready' }
  | { kind: 'failed'; error: ErrorData }
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; error: ErrorData };

export function errorData(error: unknown): ErrorData {
  if (!(error instanceof Error)) return { name: 'Error', message: describe(error), fields: {} };
  const fields: ErrorData['fields'] = {};
  // Only scalars: a PGlite error also carries the query's parameters, which may be megabytes of bytea.
  for (const [key, value] of Object.entries(error)) {
    if (['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value;
  }
  return { name: error.name, message: error.message, stack: error.stack, fields };
}

/**
 * Emscripten's errno numbers (its file system throws `{ name: 'ErrnoError', errno }`), for the common ones. They are
 * WASI's numbering, not Linux's: emscripten's system/lib/libc/musl/arch/emscripten/bits/errno.h, and the
 * `ERRNO_CODES` table PGlite's build carries (node_modules/@electric-sql/pglite/dist, e.g. `ENOENT:44`, `EROFS:69`).
 */
const ERRNO: Record<number, string> = {
  2: 'EACCES, permission denied',
  20: 'EEXIST, already exists',
  31: 'EISDIR, is a folder',
  44: 'ENOENT, no such file or folder',
  51: 'ENOSPC, no space left on the device',
  54: 'ENOTDIR, not a folder',
  63: 'EPERM, not permitted',
  69: 'EROFS, read-only file system',
};

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  const { name, errno } = (error ?? {}) as { name?: unknown; errno?: unknown };
  if (name === 'ErrnoError' && typeof errno === 'number') return ERRNO[errno] ?? `file system error ${errno}`;
  return String(error);
}

/** The thrown value that makes PGlite roll a transaction back; the caller sees its own error, not this one. */
const ROLLBACK = Symbol('rollback');

/** The type oid of bytea (PostgreSQL's src/include/catalog/pg_type.dat). */
const BYTEA = 17;

/**
 * Named statements, as PostgreSQL's own driver keeps them (server/db-engines.ts): parsed and described once, then each
 * run is one Bind, Describe, Execute and Sync in a single call into PGlite. Its `query` instead sends Parse, Describe,
 * Bind, Describe, Execute and Sync as six calls into WebAssembly and has PostgreSQL parse and analyse the text every
 * time: for the record insert, a statement of seven parts over six tables, that was most of its cost.
 * The protocol is PostgreSQL's extended query (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY).
 */
export function preparedStatements(db: PGlite) {
  /** Per name, its text and its parameters' type oids. */
  const known = new Map<string, { sql: string; types: number[] }>();

  const prepare = async (name: string, sql: string) => {
    const message = concat([
      protocol.serialize.parse({ name, text: sql }),
      protocol.serialize.describe({ type: 'S', name }),
      protocol.serialize.sync(),
    ]);
    const { messages } = await db.execProtocol(message, { syncToFs: false });
    const statement = { sql, types: parse.parseDescribeStatementResults(messages) };
    known.set(name, statement);
    return statement;
  };

  /** Runs `name` (preparing it on first use); the caller holds PGlite's query lock. */
  return async function run(name: string, sql: string, params: readonly unknown[] = []) {
    let statement = known.get(name);
    if (statement && statement.sql !== sql) throw new Error(`Statement name ${name} was used for two different texts`);
    statement ??= await prepare(name, sql);
    const types = statement.types;
    const values = params.map((value, n) => {
      if (value === null || value === undefined) return null;
      // bytea goes as it is, in PostgreSQL's binary format for it (the bytes themselves), not as hex text.
      if (types[n] === BYTEA && value instanceof Uint8Array) return value;
      const serializer = db.serializers[types[n]!];
      return serializer ? serializer(value) : String(value);
    });
    const message = concat([
      protocol.serialize.bind({ statement: name, values }),
      protocol.serialize.describe({ type: 'P' }),
      protocol.serialize.execute({}),
      protocol.serialize.sync(),
    ]);
    const { messages } = await db.execProtocol(message);
    return { rows: parse.parseResults(messages, db.parsers)[0]?.rows ?? [] };
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** When PGlite's worker takes a checkpoint (`checkpoints`). */
export interface CheckpointPolicy {
  /** How often the worker looks at the write-ahead log. */
  everyMs: number;
  /** Write-ahead log since the last checkpoint that calls for the next one, in bytes. */
  walBytes: number;
  /** Age of the last checkpoint that calls for the next one, once a WAL segment's worth has been written since. */
  maxAgeMs: number;
}

/**
 * PostgreSQL's defaults, scaled to an embedded database. A checkpoint is what lets PostgreSQL recycle the WAL segments
 * before it, and it bounds what a restart after a crash must replay. PostgreSQL asks for one after `max_wal_size`
 * (1 GB) of WAL and its checkpointer after `checkpoint_timeout` (5 min); 256 MB keeps the log on disk to about
 * that much again and a replay to a second or two (docs/deployment.md, "Checkpoints on the embedded database").
 * An administrator sets the size and the age in the server's environment (server/db.ts, `pgliteCheckpointsOf`).
 */
const CHECKPOINTS: CheckpointPolicy = { everyMs: 10_000, walBytes: 256 * 1024 * 1024, maxAgeMs: 5 * 60_000 };

/** One WAL segment (PostgreSQL's default `wal_segment_size`): less than this since a checkpoint frees no file. */
const WAL_SEGMENT = 16 * 1024 * 1024;

/**
 * Checkpoints for PGlite, which takes none by itself. PGlite runs PostgreSQL as one backend with no postmaster, so
 * no checkpointer process takes the timed ones, and a backend asks for one by WAL volume only when it runs under a
 * postmaster (`if (IsUnderPostmaster && XLogCheckpointNeeded(...)) RequestCheckpoint(CHECKPOINT_CAUSE_XLOG)` in
 * XLogWrite, src/backend/access/transam/xlog.c). Without this the WAL grew by every byte written until the server
 * stopped: 1.6–1.7 GB after a minute of ingest, beside the same in tables, and a restart after `kill -9` replayed all
 * of it (9.9–11.5 s before the server listened; 1.9–2.3 s with these checkpoints).
 *
 * Every `everyMs`, the worker compares the WAL's insert position with the last checkpoint's redo point
 * (pg_control_checkpoint()) and runs CHECKPOINT when the policy says so. Both wait their turn behind the statements
 * and transactions in progress, as any query does. A failure is reported on stderr and tried again at the next look.
 */
export function checkpoints(db: PGlite, policy: CheckpointPolicy) {
  let running: Promise<void> | undefined;
  const look = async () => {
    const { rows } = await db.query<{ wal: number; age: number }>(
      `SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), redo_lsn)::float8 AS wal,
         (extract(epoch FROM clock_timestamp() - checkpoint_time) * 1000)::float8 AS age
       FROM pg_control_checkpoint()`,
    );
    const { wal, age } = rows[0]!;
    if (wal >= policy.walBytes || (age >= policy.maxAgeMs && wal >= WAL_SEGMENT)) await db.exec('CHECKPOINT');
  };
  const timer = setInterval(() => {
    running ??= look()
      .catch((error) => console.error(`PGlite's checkpoint failed; it is tried again soon: ${describe(error)}`))
      .finally(() => (running = undefined));
  }, policy.everyMs);
  timer.unref();
  return {
    /** No more checkpoints from here; resolves once one in progress has ended. */
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

async function serve(db: PGlite, port: NonNullable<typeof parentPort>, policy: CheckpointPolicy) {
  const open = new Map<number, { tx: Transaction; end(commit: boolean): Promise<void> }>();
  const named = preparedStatements(db);
  const checkpointer = checkpoints(db, policy);

  const begin = (id: number) =>
    new Promise<number>((opened, failed) => {
      const done: Promise<void> = db.transaction(
        (tx) =>
          new Promise<void>((commit, rollback) => {
            open.set(id, {
              tx,
              end: (ok) => {
                open.delete(id);
                if (ok) commit();
                else rollback(ROLLBACK);
                return done.catch((error) => {
                  if (error !== ROLLBACK) throw error;
                });
              },
            });
            opened(id);
          }),
      );
      // Before the transaction opened (BEGIN failed), this fails the `begin`; afterwards `end` reports the outcome.
      done.catch(failed);
    });

  const run = async (request: Request): Promise<unknown> => {
    switch (request.op) {
      case 'query': {
        const on = request.tx === undefined ? db : open.get(request.tx)?.tx;
        if (!on) throw new Error('The transaction this query belongs to has already ended');
        const { name, sql, params } = request;
        if (name) {
          // The locks PGlite's own `query` takes: a query outside a transaction waits for an open one to end.
          const locked = () => db._runExclusiveQuery(() => named(name, sql, params));
          return request.tx === undefined ? db._runExclusiveTransaction(locked) : locked();
        }
        const { rows } = await on.query(sql, params as unknown[] | undefined);
        return { rows };
      }
      case 'exec':
        await db.exec(request.sql);
        return undefined;
      case 'begin':
        return begin(request.id);
      case 'end': {
        const transaction = open.get(request.tx);
        if (!transaction) throw new Error('The transaction has already ended');
        return transaction.end(request.commit);
      }
      case 'close':
        await checkpointer.stop();
        await db.close();
        return undefined;
    }
  };

  port.on('message', (request: Request) => {
    run(request).then(
      (value) => {
        try {
          port.postMessage({ kind: 'reply', id: request.id, ok: true, value } satisfies Message);
        } catch (error) {
          // A value that cannot be cloned: say so rather than leave the caller waiting.
          port.postMessage({ kind: 'reply', id: request.id, ok: false, error: errorData(error) } satisfies Message);
        }
      },
      (error) =>
        port.postMessage({ kind: 'reply', id: request.id, ok: false, error: errorData(error) } satisfies Message),
    );
  });
}

// Only in the thread server/db-pglite.ts starts, which always names the folder: a module that imports this one (a
// test, in whatever thread its runner uses) opens nothing.
if (parentPort && typeof (workerData as { dir?: unknown } | null)?.dir === 'string') {
  const port = parentPort;
  const { dir, checkpoints: policy } = workerData as { dir: string; checkpoints?: Partial<CheckpointPolicy> };
  openDurablePglite(dir).then(
    async (db) => {
      await serve(db, port, { ...CHECKPOINTS, ...policy });
      port.postMessage({ kind: 'ready' } satisfies Message);
    },
    (error) => {
      const reason = new Error(`PGlite cannot open its data folder ${dir}: ${describe(error)}`, { cause: error });
      port.postMessage({ kind: 'failed', error: errorData(reason) } satisfies Message);
    },
  );
}
