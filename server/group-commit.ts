import type { Db } from './db.ts';
import { insertRecords, type NewRecord } from './records.ts';

interface Waiting {
  record: NewRecord;
  resolve(inserted: boolean): void;
  reject(error: unknown): void;
}

/**
 * Group commit of received records: the records of concurrent requests go into the database together, in one
 * statement and one commit (server/records.ts insertRecords), instead of one commit each. A commit is an fsync of the
 * write-ahead log, and on PGlite every statement also waits for the one connection, so this is where ingest spends
 * its time when many clients send at once.
 *
 * No waiting for company: a record is written at once when no batch is being written; records that arrive while one
 * is written wait for it and then go together in the next. Each caller's promise settles only after the statement
 * holding its record has committed (both engines commit durably: server/db-engines.ts), so nothing is acknowledged
 * before it is stored. When a batch fails, its records are written again one by one, so that one bad record fails
 * alone.
 */
export class GroupCommit {
  private queue: Waiting[] = [];
  private writing = 0;

  constructor(
    private readonly db: Db,
    /** Batches written at once: PGlite has one connection; PostgreSQL flushes concurrent commits together. */
    private readonly parallel = db.engine === 'postgres' ? 2 : 1,
    private readonly maxBatch = 64,
  ) {}

  /** Stores `record`; true when inserted, false when a record with its id was already stored. */
  store(record: NewRecord): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (this.writing < this.parallel && this.queue.length) {
      const batch = this.take();
      this.writing++;
      void this.write(batch).finally(() => {
        this.writing--;
        this.next();
      });
    }
  }

  /** The oldest waiting records, at most one per id (one statement cannot insert an id twice). */
  private take(): Waiting[] {
    const batch: Waiting[] = [];
    const rest: Waiting[] = [];
    const ids = new Set<string>();
    for (const waiting of this.queue) {
      const id = waiting.record.stored.record.id;
      if (batch.length < this.maxBatch && !ids.has(id)) {
        ids.add(id);
        batch.push(waiting);
      } else rest.push(waiting);
    }
    this.queue = rest;
    return batch;
  }

  private async write(batch: readonly Waiting[]): Promise<void> {
    try {
      this.settle(
        batch,
        await insertRecords(
          this.db,
          batch.map((waiting) => waiting.record),
        ),
      );
    } catch (error) {
      if (batch.length === 1) batch[0]!.reject(error);
      else for (const waiting of batch) await this.write([waiting]);
    }
  }

  private settle(batch: readonly Waiting[], inserted: Set<string>): void {
    for (const { record, resolve } of batch) {
      resolve(inserted.has(record.stored.record.id.toLowerCase()));
    }
  }
}
