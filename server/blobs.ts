import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, type ReadStream, type WriteStream } from 'node:fs';
import { access, type FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { disk, syncDirsUpTo } from './durable.ts';

/** A blob written to a temp file and hashed, not yet in the store: the caller checks it, then commits or discards. */
export interface PendingBlob {
  sha256: string;
  /** Bytes read; when `overflow`, the first byte count past the limit. */
  size: number;
  overflow: boolean;
  /**
   * The bytes, when the blob is small enough to be stored in the database with its record, in the same statement
   * (server/small-blobs.ts): `commit` then has nothing to do, and the record's insert is what makes it durable.
   */
  bytes?: Buffer | undefined;
  /** Moves the blob into place; false when identical content was already stored. */
  commit(): Promise<boolean>;
  discard(): Promise<void>;
}

class Overflow extends Error {}

/**
 * Where the repository keeps content, addressed by sha256. Small on purpose, so that stores other than a folder can
 * follow (docs/deployment.md, "More than one server", says how an S3-compatible one would plug in):
 * - `write` streams a part in while hashing it and holds it aside; the caller checks the digest and size against
 *   the record, then `commit`s (the blob becomes visible under its digest, durably) or `discard`s.
 * - `has` and `open` read by digest. Blobs are immutable and never deleted by the server, so any number of
 *   processes may write the same digest at once: every writer leaves the same bytes.
 * - `adopt` takes in a file assembled elsewhere (a completed resumable upload, staged under `uploadsDir`) whose
 *   digest was already verified.
 * The server's store is a TieredBlobStore (server/small-blobs.ts): small parts in the database, the rest here.
 */
export interface BlobStore {
  write(source: Readable, maxSize: number): Promise<PendingBlob>;
  has(sha256: string): Promise<boolean>;
  open(sha256: string): Readable;
  adopt(file: string, sha256: string): Promise<boolean>;
  /** A POSIX folder every server process can reach, where resumable uploads are assembled (server/uploads.ts). */
  readonly uploadsDir: string;
}

/** The blob folder of a data folder, unless RK_BLOB_DIR names a shared one (docs/deployment.md). */
export const blobDirOf = (dataDir: string) => process.env.RK_BLOB_DIR || join(dataDir, 'blobs');

/** A temp file this old belongs to a request that died with its process: no live request leaves one idle so long. */
export const STALE_TEMP_MS = 24 * 60 * 60_000;

/**
 * Content-addressed files under `<root>/ab/cd/<sha256>`, in a local folder or one shared by several server processes
 * (NFS, EFS, CephFS). Paths are built only from digests we computed, never from anything a client sent, and
 * identical content is stored once. Safe under concurrent writers: each writes its own temp file (a random name
 * under `<root>/tmp`) and publishes it with one atomic rename onto its digest's name.
 */
export class FolderBlobStore implements BlobStore {
  /** Fan-out folders known to exist (server folders are never removed). */
  private readonly folders = new Set<string>();

  private constructor(readonly root: string) {}

  /** `keepTemp` for tools that run beside a live server (the fixity audit) and must not touch its uploads. */
  static async open(root: string, options: { keepTemp?: boolean } = {}): Promise<FolderBlobStore> {
    await mkdir(join(root, 'tmp'), { recursive: true });
    // Temp files left by a crash belong to requests that never completed. Other processes may share the folder and
    // be writing theirs right now: only files untouched for STALE_TEMP_MS go.
    if (!options.keepTemp) await removeStale(join(root, 'tmp'), Date.now() - STALE_TEMP_MS);
    return new FolderBlobStore(root);
  }

  get uploadsDir(): string {
    return join(this.root, 'uploads');
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`Not a sha256 digest: ${sha256.slice(0, 80)}`);
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  /**
   * Streams `source` to a temp file while hashing it, chunk by chunk with no copy; stops reading once more than
   * `maxSize` bytes arrived. The file stays open until `commit` syncs it through the same handle or `discard`: one
   * open, the writes, one fsync, one close.
   */
  async write(source: Readable, maxSize: number): Promise<PendingBlob> {
    const temp = join(this.root, 'tmp', randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const file = await open(temp, 'wx');
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        size += chunk.byteLength;
        if (size > maxSize) {
          size = maxSize + 1;
          throw new Overflow();
        }
        hash.update(chunk);
        await file.write(chunk);
      }
    } catch (error) {
      await file.close();
      await rm(temp, { force: true });
      if (!(error instanceof Overflow)) throw error;
      return this.overflowed(size);
    }
    const sha256 = hash.digest('hex');
    return {
      sha256,
      size,
      overflow: false,
      commit: () => this.commit(temp, sha256, file),
      discard: async () => {
        await file.close();
        await rm(temp, { force: true });
      },
    };
  }

  /** Whether content with this digest is stored. */
  has(sha256: string): Promise<boolean> {
    return exists(this.pathOf(sha256));
  }

  /**
   * Moves a file already verified to hash to `sha256` (a completed upload) into the store; false when identical content was already there (the file is then removed). Rejects with ENOENT when the
   * file is not there.
   */
  adopt(file: string, sha256: string): Promise<boolean> {
    return this.commit(file, sha256);
  }

  open(sha256: string): ReadStream {
    return createReadStream(this.pathOf(sha256));
  }

  /**
   * Moves a verified temp file into place. Resolves only once the bytes and the new name are on disk (fsync of the
   * file before the rename, of its directory after), so a record acknowledged afterwards never lacks its blob, even
   * after a power failure. `file` is the temp file still open from write(), synced and closed here.
   */
  private async commit(temp: string, sha256: string, file?: FileHandle): Promise<boolean> {
    const path = this.pathOf(sha256);
    try {
      if (await exists(path)) {
        await rm(temp, { force: true });
        return false;
      }
      await disk.syncFile(temp, file);
    } finally {
      await file?.close();
    }
    const dir = dirname(path);
    // Folders are never removed: once this process has seen one, it skips the mkdir (one per folder, not per blob).
    const created = this.folders.has(dir) ? undefined : await mkdir(dir, { recursive: true });
    // rename is atomic, so a reader never sees half a blob; two writers of the same content leave the same bytes.
    await rename(temp, path);
    // mkdir answers the first folder it created: that folder and those below it hold new names, and so does the
    // folder above it (its parent, `ab/` once the first blobs made it, or the root).
    if (created) await syncDirsUpTo(dir, dirname(created));
    else await disk.syncDir(dir);
    this.folders.add(dir);
    return true;
  }

  private overflowed(size: number): PendingBlob {
    const refuse = () => Promise.reject(new Error('This blob was over its size limit and was not kept.'));
    return { sha256: '', size, overflow: true, commit: refuse, discard: () => Promise.resolve() };
  }
}

/** Resolves once a destroyed or finished file stream has released its file. */
export const closed = (stream: WriteStream): Promise<void> =>
  stream.closed ? Promise.resolve() : new Promise((resolve) => stream.once('close', () => resolve()));

async function removeStale(dir: string, before: number): Promise<void> {
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info && info.mtimeMs < before) await rm(path, { recursive: true, force: true });
  }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
