import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BlobStore, FolderBlobStore, PendingBlob } from './blobs.ts';
import type { Queryable } from './db.ts';

/**
 * Parts up to this size are kept in the database (table `small_blobs`) rather than as files: a file costs an open,
 * its writes, an fsync, a close, a rename and an fsync of its folder, all for one record, on the server's event loop
 * and thread pool, while a row rides in the record's own insert, whose commit is one write-ahead-log fsync shared by
 * every record of the batch (server/batcher.ts). Larger parts stream to the folder, so no request holds more than
 * this in memory.
 *
 * On both engines. On PGlite (PostgreSQL compiled to WebAssembly, in a thread of the server's process:
 * server/pglite-worker.ts) rows used to cost two to three times the CPU per record that files did, while the bytes
 * went as hex text into a statement parsed every time; with the insert prepared and the bytes sent in binary they cost
 * less than files (docs/deployment.md, "Where content is kept", has the figures).
 */
export const SMALL_BLOB_MAX_BYTES = 256 * 1024;

/**
 * The repository's content: small parts in the database, the rest in a folder store (server/blobs.ts). Readers need
 * not know which: `has` and `open` look in both, the database first. Both hold content under its sha256, verified on
 * receipt, never changed or deleted by the server.
 */
export class TieredBlobStore implements BlobStore {
  constructor(
    private readonly db: Queryable,
    readonly folder: FolderBlobStore,
    /** Parts declared at most this large go to the database; 0 sends every part to the folder. */
    readonly smallMaxBytes: number,
  ) {}

  get uploadsDir(): string {
    return this.folder.uploadsDir;
  }

  /** Where the folder store keeps (or would keep) this digest: for tests and tools. */
  pathOf(sha256: string): string {
    return this.folder.pathOf(sha256);
  }

  /**
   * A part whose declared size (`maxSize`) is small is read into memory while hashed; its `bytes` go into the
   * database with the record (server/records.ts, insertRecords). A larger one streams to the folder.
   */
  async write(source: Readable, maxSize: number): Promise<PendingBlob> {
    if (maxSize > this.smallMaxBytes) return this.folder.write(source, maxSize);
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of source as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > maxSize) {
        return { sha256: '', size: maxSize + 1, overflow: true, commit: refuse, discard: async () => {} };
      }
      hash.update(chunk);
      chunks.push(chunk);
    }
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    return {
      sha256: hash.digest('hex'),
      size,
      overflow: false,
      bytes,
      commit: async () => true,
      discard: async () => {},
    };
  }

  async has(sha256: string): Promise<boolean> {
    const { rows } = await this.db.query('SELECT 1 FROM small_blobs WHERE sha256 = $1', [sha256]);
    return rows.length > 0 || this.folder.has(sha256);
  }

  /** The bytes stored under `sha256`; fails with ENOENT, as a missing file does, when neither store has them. */
  open(sha256: string): Readable {
    const { db, folder } = this;
    return Readable.from(
      (async function* () {
        const { rows } = await db.query<{ bytes: Uint8Array }>('SELECT bytes FROM small_blobs WHERE sha256 = $1', [
          sha256,
        ]);
        if (rows[0]) yield Buffer.from(rows[0].bytes.buffer, rows[0].bytes.byteOffset, rows[0].bytes.byteLength);
        else yield* folder.open(sha256) as AsyncIterable<Buffer>;
      })(),
      { objectMode: false },
    );
  }

  adopt(file: string, sha256: string): Promise<boolean> {
    return this.folder.adopt(file, sha256);
  }
}

const refuse = () => Promise.reject(new Error('This blob was over its size limit and was not kept.'));

/** RK_SMALL_BLOB_MAX_BYTES: a whole number of bytes; undefined when unset (the engine's default applies). */
export function smallBlobMaxOf(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0 || value > 16 * 1024 * 1024) {
    throw new Error(
      `RK_SMALL_BLOB_MAX_BYTES must be a number of bytes from 0 to 16 MiB; it was "${text.slice(0, 40)}".`,
    );
  }
  return value;
}
