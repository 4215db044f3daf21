import { Worker } from 'node:worker_threads';
import { bundle } from './bundle.mjs';
import type { Db, Queryable } from './db-engines.ts';
import type { CheckpointPolicy, ErrorData, Message, Request } from './pglite-worker.ts';

// The embedded engine in a module of its own: server/db.ts imports it only when no PostgreSQL is configured, so a
// server on PostgreSQL does not load PGlite's code at all (bench/server-ingest.ts ingestPeakRss).

/** A PGlite error as the worker reported it: same message, name and PostgreSQL fields (code, constraint, detail…). */
function rebuild(data: ErrorData): Error {
  const error = Object.assign(new Error(data.message), data.fields);
  error.name = data.name;
  if (data.stack) error.stack = `${data.stack}\n    in PGlite's worker (server/pglite-worker.ts)`;
  return error;
}

/**
 * The worker's code is TypeScript. Its thread runs it as one JavaScript module bundled once per process
 * (server/bundle.mjs). Registering tsx's loader in the thread instead, as this did before, cost the process about
 * 50 MB of resident memory (a loader of its own for the thread, with the compiler's code): 277–279 MB against
 * 227–228 MB with PGlite open (December 2026, /proc/<pid>/smaps).
 */
let workerModule: Promise<URL> | undefined;

/**
 * What a caller may change of the worker's behaviour: its checkpoints, as the administrator sets them
 * (server/db.ts, `pgliteCheckpointsOf`) or a test does (default: CHECKPOINTS in server/pglite-worker.ts).
 */
export interface PgliteOptions {
  checkpoints?: Partial<CheckpointPolicy>;
}

export async function startPgliteWorker(dir: string, options: PgliteOptions = {}): Promise<Worker> {
  workerModule ??= bundle(new URL('./pglite-worker.ts', import.meta.url)).catch((error: Error) => {
    workerModule = undefined;
    throw new Error(`PGlite's worker could not be built: ${error.message}`, { cause: error });
  });
  return new Worker(await workerModule, { workerData: { dir, checkpoints: options.checkpoints } });
}

/**
 * A byte array sent as a parameter is copied whole, buffer and all (a Buffer is often a view into a larger pool or
 * a network chunk): send a copy of just its bytes, and hand that copy over instead of cloning it again.
 */
function prepare(params: readonly unknown[] | undefined): { params: unknown[] | undefined; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const prepared = params?.map((value) => {
    if (!(value instanceof Uint8Array)) return value;
    const copy = new Uint8Array(value);
    transfer.push(copy.buffer);
    return copy;
  });
  return { params: prepared, transfer };
}

/**
 * The embedded engine: PostgreSQL compiled to WebAssembly (server/pglite-engine.ts), one connection, files under
 * `dir`, durable commits, run in a worker thread (server/pglite-worker.ts) so that its statements and WAL fsyncs do
 * not stop the server's event loop. This side only passes messages. If the worker fails (it cannot open the folder,
 * or it crashes), every call waiting and every later call is rejected with the reason.
 */
export const openPglite = async (dir: string, options?: PgliteOptions): Promise<Db> =>
  connectPglite(await startPgliteWorker(dir, options));

/** The `Db` of a started worker, once it has opened the database; the worker is terminated when that fails. */
export async function connectPglite(worker: Worker): Promise<Db> {
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  let ended: Error | undefined;
  let started!: { resolve(): void; reject(error: Error): void };
  const ready = new Promise<void>((resolve, reject) => (started = { resolve, reject }));

  const end = (error: Error) => {
    if (ended) return;
    ended = error;
    started.reject(error);
    for (const call of pending.values()) call.reject(error);
    pending.clear();
  };
  worker.on('message', (message: Message) => {
    if (message.kind === 'ready') return started.resolve();
    if (message.kind === 'failed') {
      end(rebuild(message.error));
      void worker.terminate();
      return;
    }
    const call = pending.get(message.id);
    if (!call) return;
    pending.delete(message.id);
    // The worker keeps the process alive only while a call waits on it, as PGlite in the process itself did.
    if (pending.size === 0) worker.unref();
    if (message.ok) call.resolve(message.value);
    else call.reject(rebuild(message.error));
  });
  worker.on('error', (error) => end(new Error(`PGlite's worker failed: ${error.message}`, { cause: error })));
  worker.on('exit', (code) => end(new Error(`PGlite's worker stopped (exit code ${code})`)));

  type Op = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;
  const call = (request: Op, transfer: ArrayBuffer[] = []): Promise<unknown> => {
    if (ended) return Promise.reject(ended);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      try {
        worker.postMessage({ ...request, id }, transfer);
      } catch (error) {
        return reject(error);
      }
      pending.set(id, { resolve, reject });
      if (pending.size === 1) worker.ref();
    });
  };
  const query = (sql: string, params: readonly unknown[] | undefined, tx?: number, name?: string) => {
    const prepared = prepare(params);
    return call({ op: 'query', sql, params: prepared.params, tx, name }, prepared.transfer) as Promise<{
      rows: never[];
    }>;
  };

  try {
    await ready;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  worker.unref();
  return {
    engine: 'pglite',
    query: (sql, params, options) => query(sql, params, undefined, options?.name),
    async transaction(work) {
      const tx = (await call({ op: 'begin' })) as number;
      const scoped: Queryable = { query: (sql, params, options) => query(sql, params, tx, options?.name) };
      let result: Awaited<ReturnType<typeof work>>;
      try {
        result = await work(scoped);
      } catch (error) {
        try {
          await call({ op: 'end', tx, commit: false });
        } catch (failed) {
          // The worker is gone or broken: say both, the work's failure first.
          throw new AggregateError(
            [error, failed],
            `${(error as Error)?.message ?? error}; rolling the transaction back failed too: ${(failed as Error)?.message ?? failed}`,
          );
        }
        throw error;
      }
      await call({ op: 'end', tx, commit: true });
      return result;
    },
    exec: async (sql) => {
      await call({ op: 'exec', sql });
    },
    async close() {
      if (ended) return;
      try {
        await call({ op: 'close' });
      } finally {
        end(new Error('The database is closed'));
        await worker.terminate();
      }
    },
  };
}
