import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ContentEntry } from '../utils/records/record.ts';
import { type BlobStore, closed, type PendingBlob } from './blobs.ts';
import type { Db } from './db.ts';
import { disk } from './durable.ts';
import type { Lease, Leases } from './leases.ts';
import { Problem } from './problem.ts';
import type { TokenUser } from './tokens.ts';

/**
 * The upload store behind resumable uploads (Records API v1 `/uploads`): the bytes and the state — persistence in
 * the db, ownership, leases, expiry and the sweep. The tus 1.0 protocol itself — headers, versions, answers — is
 * server/tus.ts, wired to this store by server/routes/uploads.ts.
 *
 * Design notes
 * - An append must start at the offset the server holds (409 with that offset otherwise, checked under the
 *   upload's lease); a PATCH while another is still writing is 409 with Retry-After. Bytes that arrived before a
 *   connection dropped are kept: that is what makes the upload resumable.
 * - State: the row in `uploads` (owner, length, sha256, record/part, expiry, completion); the bytes in
 *   `<blobs>/uploads/<id>`, appended in place. The offset is the file's size, never a counter that could disagree
 *   with it after a crash. node:crypto cannot persist a running hash across restarts, so when the last byte
 *   arrives the file is hashed again from disk (one sequential read); on a mismatch the file and row are deleted
 *   and the PATCH answers 422 — nothing is kept. The same check runs on a HEAD or a claim that finds a full file
 *   not yet marked complete (the server died between the last byte and the check).
 * - An upload expires `ttlMs` after its creation or last PATCH (`Upload-Expires`); afterwards every route answers
 *   404 and its bytes are deleted.
 * - `POST /records` refers to a completed upload with a `content` part of type
 *   `application/vnd.recordkeeper.upload-ref` whose body is `upload:<id>`. The upload must belong to the same
 *   user, be complete, and have the entry's sha256 and size; the bytes then move into the blob store (a rename)
 *   with the record. An unknown or expired upload is a 422 of type `…:upload-unknown`, which tells the client to
 *   upload again; a retry of a record already stored gets its receipt whether or not the upload is still there.
 * - No receipt without the bytes: a claim pushes the upload's expiry back as a PATCH does, so no sweep removes it
 *   while the record is received, and the record is stored only after its bytes were moved into the blob store
 *   (which never deletes). If the file is gone by then — removed by anything — the record is refused with the same
 *   422 and nothing is kept. The upload's row is deleted in the record's own insert.
 * - Durable before acknowledged: a PATCH answers only once its bytes are synced to disk.
 */

/** The lease (server/leases.ts) a PATCH or a claim of upload `id` holds. */
export const uploadLease = (id: string) => `upload:${id}`;

export const UPLOAD_REF_TYPE = 'application/vnd.recordkeeper.upload-ref';
export const DEFAULT_UPLOAD_TTL_MS = 24 * 60 * 60_000;

interface UploadRow {
  id: string;
  owner_user: string;
  length: number;
  sha256: string;
  record_id: string | null;
  part: number | null;
  expires_at: Date;
  completed_at: Date | null;
}

export interface UploadInfo {
  id: string;
  length: number;
  offset: number;
  expiresAt: Date;
}

/** What an upload is created with; the protocol layer has checked each value's form. */
export interface NewUpload {
  length: number;
  sha256: string;
  recordId?: string | undefined;
  part?: number | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const unknown = (id: string) =>
  new Problem(
    'upload-not-found',
    `Upload ${id.slice(0, 64)} does not exist, has expired, or belongs to another token. Create a new upload.`,
  );

class Overflow extends Error {}

/**
 * Every server process sharing the database and the blob folder serves every upload: a PATCH, and a record that
 * claims the upload, hold the lease `upload:<id>` (server/leases.ts) while they work, so no other process writes,
 * moves or sweeps it meanwhile.
 */
export class UploadStore {
  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly leases: Leases,
    private readonly options: { maxBytes: number; ttlMs: number; now: () => Date },
  ) {}

  /**
   * Removes an expired upload unless a PATCH or a claim of it is under way in any process: the sweeper takes the
   * upload's lease itself, so nothing can start on it between the check and the removal. True when removed.
   */
  private async removeIfIdle(id: string): Promise<boolean> {
    const lease = await this.leases.acquire(uploadLease(id));
    if (!lease) return false;
    try {
      await this.remove(id);
      return true;
    } finally {
      await lease.release();
    }
  }

  private async lock(id: string): Promise<Lease> {
    const lease = await this.leases.acquire(uploadLease(id));
    if (!lease) {
      throw new Problem(
        'upload-busy',
        `Upload ${id} is being written or used by another request. Wait, then HEAD for the offset and continue.`,
        { headers: { 'retry-after': '1' } },
      );
    }
    return lease;
  }

  get dir(): string {
    return this.blobs.uploadsDir;
  }

  private fileOf(id: string): string {
    if (!UUID.test(id)) throw unknown(id);
    return join(this.dir, id);
  }

  async create(user: TokenUser, upload: NewUpload): Promise<UploadInfo> {
    const { length, sha256, recordId, part } = upload;
    if (length > this.options.maxBytes) {
      throw new Problem(
        'too-large',
        `The upload is ${length} bytes; this repository accepts at most ${this.options.maxBytes} bytes of content per record.`,
      );
    }
    await this.sweep();
    const id = randomUUID();
    const now = this.options.now();
    const expiresAt = new Date(now.getTime() + this.options.ttlMs);
    await mkdir(this.dir, { recursive: true });
    await writeFile(this.fileOf(id), new Uint8Array(), { flag: 'wx' });
    await this.db.query(
      `INSERT INTO uploads (id, owner_user, length, sha256, record_id, part, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [id, user.user, length, sha256, recordId ?? null, part ?? null, now, expiresAt],
    );
    return { id, length, offset: 0, expiresAt };
  }

  private async row(user: TokenUser, id: string): Promise<UploadRow> {
    if (!UUID.test(id)) throw unknown(id);
    const { rows } = await this.db.query<UploadRow>(
      `SELECT id, owner_user, length, sha256, record_id, part, expires_at, completed_at FROM uploads
       WHERE id = $1 AND owner_user = $2`,
      [id, user.user],
    );
    const row = rows[0];
    if (!row) throw unknown(id);
    if (row.expires_at.getTime() <= this.options.now().getTime() && (await this.removeIfIdle(id))) {
      throw unknown(id);
    }
    return row;
  }

  private async offsetOf(id: string): Promise<number> {
    try {
      return (await stat(this.fileOf(id))).size;
    } catch {
      return -1;
    }
  }

  /** HEAD: how many bytes the server holds. */
  async info(user: TokenUser, id: string): Promise<UploadInfo> {
    const row = await this.row(user, id);
    let offset = await this.offsetOf(id);
    if (offset < 0 && !row.completed_at) {
      await this.remove(id);
      throw unknown(id);
    }
    if (offset < 0) offset = row.length; // completed, and already moved into the blob store by a record
    if (offset === row.length && !row.completed_at) {
      const lease = await this.leases.acquire(uploadLease(id));
      if (lease) {
        try {
          await this.complete(row);
        } finally {
          await lease.release();
        }
      }
    }
    return { id, length: row.length, offset, expiresAt: row.expires_at };
  }

  /** PATCH: appends `body` at `offset`; answers once the bytes are on disk; checks the whole file at the end. */
  async append(user: TokenUser, id: string, offset: number | undefined, body: Readable): Promise<UploadInfo> {
    const row = await this.row(user, id);
    const lease = await this.lock(id);
    try {
      const current = await this.offsetOf(id);
      if (current < 0) throw unknown(id);
      if (offset !== current) {
        throw new Problem(
          'upload-offset-mismatch',
          `The server holds ${current} bytes of upload ${id}, but Upload-Offset was ${offset ?? 'missing'}. HEAD the upload and continue from its Upload-Offset.`,
          { headers: { 'upload-offset': String(current) } },
        );
      }
      let written = current;
      const file = createWriteStream(this.fileOf(id), { flags: 'a' });
      try {
        await pipeline(
          // Read through an iterator that leaves the request alone when it stops early: past the end, the rest of
          // the body is read and thrown away before the answer (server/app.ts, answerAfterBody), instead of the
          // request, and with it the connection, being destroyed under a client that is still sending.
          body.iterator({ destroyOnReturn: false }),
          async function* (chunks: AsyncIterable<Buffer>) {
            for await (const chunk of chunks) {
              if (written + chunk.byteLength > row.length) throw new Overflow();
              written += chunk.byteLength;
              yield chunk;
            }
          },
          file,
        );
      } catch (error) {
        await closed(file);
        if (error instanceof Overflow) {
          await truncate(this.fileOf(id), current);
          throw new Problem(
            'upload-overflow',
            `Upload ${id} is ${row.length} bytes long; this PATCH went past the end. Nothing of it was kept.`,
          );
        }
        // The client went away mid-body: what reached the disk stays, and the next HEAD says how much.
        await disk.syncFile(this.fileOf(id));
        throw new Problem(
          'upload-interrupted',
          `The PATCH of upload ${id} ended early (${(error as Error).message}); ${(await this.offsetOf(id)) - current} bytes of it were kept. HEAD the upload and continue from its Upload-Offset.`,
        );
      }
      // Upload-Offset promises the bytes are kept: they must be on disk before the answer.
      await disk.syncFile(this.fileOf(id));
      const expiresAt = new Date(this.options.now().getTime() + this.options.ttlMs);
      await this.db.query('UPDATE uploads SET expires_at = $2 WHERE id = $1', [id, expiresAt]);
      const held = await this.offsetOf(id);
      if (held === row.length) await this.complete(row);
      return { id, length: row.length, offset: held, expiresAt };
    } finally {
      await lease.release();
    }
  }

  /** Hashes the full file again; keeps it only when it is what Upload-Metadata said. */
  private async complete(row: UploadRow): Promise<void> {
    const hash = createHash('sha256');
    await pipeline(createReadStream(this.fileOf(row.id)), async (chunks: AsyncIterable<Buffer>) => {
      for await (const chunk of chunks) hash.update(chunk);
    });
    const sha256 = hash.digest('hex');
    if (sha256 !== row.sha256) {
      await this.remove(row.id);
      throw new Problem(
        'upload-digest-mismatch',
        `The ${row.length} bytes of upload ${row.id} have sha256 ${sha256}, but Upload-Metadata said ${row.sha256}; nothing was kept.`,
      );
    }
    await this.db.query('UPDATE uploads SET completed_at = $2 WHERE id = $1', [row.id, this.options.now()]);
  }

  /**
   * A `content` part of POST /records that names an upload: checks it against the record's entry and hands it
   * over as a pending blob, moved into the store only when the whole record is accepted. `stored` says the record
   * is already stored with the same body (a retry): then a consumed upload is fine, the blob is in the store.
   * The claim pushes the upload's expiry back, so no sweep removes it while the rest of the record streams in.
   */
  async claim(
    user: TokenUser,
    reference: string,
    entry: ContentEntry,
    label: string,
    stored: boolean,
  ): Promise<PendingBlob & { uploadId: string }> {
    const match = /^upload:([0-9a-f-]{36})$/.exec(reference.trim());
    if (!match) {
      throw new Problem(
        'upload-ref-malformed',
        `${label} has Content-Type ${UPLOAD_REF_TYPE} but its body is not "upload:<id>".`,
      );
    }
    const id = match[1]!;
    const gone = (why: string) =>
      new Problem(
        'upload-unknown',
        `${label} refers to upload ${id}, which ${why}. Upload the part again; nothing was stored.`,
      );
    const done = (size: number, sha256: string, commit: () => Promise<boolean>) => ({
      uploadId: id,
      sha256,
      size,
      overflow: false,
      commit,
      discard: async () => {},
    });
    if (stored && (await this.blobs.has(entry.sha256))) return done(entry.size, entry.sha256, async () => false);
    let row: UploadRow;
    try {
      row = await this.row(user, id);
      if (!row.completed_at) await this.info(user, id);
      row = await this.row(user, id);
    } catch (error) {
      if (error instanceof Problem && error.kind === 'upload-not-found') {
        throw gone('does not exist, has expired or belongs to another token');
      }
      throw error;
    }
    if (!row.completed_at) {
      throw new Problem(
        'upload-incomplete',
        `${label} refers to upload ${id}, which is not complete. Finish it (HEAD, then PATCH from Upload-Offset); nothing was stored.`,
      );
    }
    if (row.sha256 !== entry.sha256 || row.length !== entry.size) {
      throw new Problem(
        'content-mismatch',
        `${label} refers to upload ${id} of ${row.length} bytes with sha256 ${row.sha256}, but the record says ${entry.size} bytes with sha256 ${entry.sha256}; nothing was stored.`,
      );
    }
    // Held, for every process sharing the database, until the record is stored or refused; its expiry moves back
    // as a PATCH would move it.
    const lease = await this.lock(id);
    try {
      const held = new Date(this.options.now().getTime() + this.options.ttlMs);
      const { rows: kept } = await this.db.query(
        'UPDATE uploads SET expires_at = greatest(expires_at, $2) WHERE id = $1 RETURNING id',
        [id, held],
      );
      if (!kept.length) throw gone('expired while the record was being received');
    } catch (error) {
      await lease.release();
      throw error;
    }
    const file = this.fileOf(id);
    return {
      ...done(row.length, row.sha256, async () => {
        try {
          return await this.blobs.adopt(file, row.sha256);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          // Moved by an earlier request that died before storing its record: the bytes are in place.
          if (await this.blobs.has(row.sha256)) return false;
          throw gone('has lost its bytes');
        } finally {
          await lease.release();
        }
      }),
      discard: () => lease.release(),
    };
  }

  private async remove(id: string): Promise<void> {
    await this.db.query('DELETE FROM uploads WHERE id = $1', [id]);
    await rm(this.fileOf(id), { force: true });
  }

  /** Deletes a few expired uploads; called on creation, so abandoned uploads never pile up. */
  private async sweep(): Promise<void> {
    const { rows } = await this.db.query<{ id: string }>(
      'SELECT id FROM uploads WHERE expires_at <= $1 ORDER BY expires_at LIMIT 20',
      [this.options.now()],
    );
    for (const { id } of rows) await this.removeIfIdle(id);
  }
}
