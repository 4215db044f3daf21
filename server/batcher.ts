/**
 * Runs the statements of concurrent requests together: what many requests ask of the database at the same moment
 * (check a token and look its request's record up, taking its lease; insert a received record) goes in one statement for
 * all of them. On PGlite every statement waits for the one connection and costs a few ms of fixed work, and every
 * commit is an fsync of the write-ahead log; on PostgreSQL every statement is a round trip. Batching is what lets
 * ingest keep up with many clients (bench/server-ingest.ts).
 *
 * No waiting for company beyond what is already here: a batch starts once the event loop has handled the input at
 * hand (setImmediate, after the current round of I/O callbacks), so the requests whose bytes arrived together share
 * it; then items run when fewer than `parallel` batches are running, and items that arrive meanwhile wait, then run
 * together in the next batch. Starting at once instead made every batch one item on PGlite when it ran in the
 * server's thread: its statements ran synchronously, in the microtask right after the request that submitted them,
 * before the next request's callback (bench/server-ingest.ts: 85 of 85 batches of one item at 8 clients). PGlite now
 * runs in a worker thread (server/pglite-worker.ts), so requests keep arriving while a batch commits and the next
 * batch gathers them. A caller's promise settles only once its batch's statement
 * has finished (and, for a write, committed durably: server/db-engines.ts). When a batch fails, its items run again
 * one by one, so that one bad item fails alone.
 */
export class Batcher<In, Out> {
  private queue: { item: In; resolve(out: Out): void; reject(error: unknown): void }[] = [];
  private running = 0;
  private gathering = false;

  constructor(
    /** Runs a batch; answers one result per item, in order. */
    private readonly run: (items: readonly In[]) => Promise<Out[]>,
    private readonly options: {
      /** Batches running at once: 1 for PGlite's single connection, more for PostgreSQL's pool. */
      parallel: number;
      maxBatch?: number;
      /** Items with the same key never share a batch (one statement cannot insert or lock a row twice); undefined: any. */
      key?: (item: In) => string | undefined;
    },
  ) {}

  submit(item: In): Promise<Out> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.gathering) return;
      this.gathering = true;
      setImmediate(() => {
        this.gathering = false;
        this.next();
      });
    });
  }

  private next(): void {
    while (this.running < this.options.parallel && this.queue.length) {
      const batch = this.take();
      this.running++;
      void this.runBatch(batch).finally(() => {
        this.running--;
        this.next();
      });
    }
  }

  /** The oldest waiting items, at most one per key. */
  private take(): typeof this.queue {
    const { maxBatch = 64, key } = this.options;
    const batch: typeof this.queue = [];
    const rest: typeof this.queue = [];
    const keys = new Set<string>();
    for (const waiting of this.queue) {
      const k = key?.(waiting.item);
      if (batch.length < maxBatch && (k === undefined || !keys.has(k))) {
        if (k !== undefined) keys.add(k);
        batch.push(waiting);
      } else rest.push(waiting);
    }
    this.queue = rest;
    return batch;
  }

  private async runBatch(batch: typeof this.queue): Promise<void> {
    let results: Out[];
    try {
      results = await this.run(batch.map((waiting) => waiting.item));
    } catch (error) {
      if (batch.length === 1) batch[0]!.reject(error);
      else for (const waiting of batch) await this.runBatch([waiting]);
      return;
    }
    for (const [n, waiting] of batch.entries()) waiting.resolve(results[n]!);
  }
}

/** How many batches of one kind may run at once on `db`'s engine. */
export const parallelOn = (db: { engine: 'pglite' | 'postgres' }) => (db.engine === 'postgres' ? 4 : 1);
