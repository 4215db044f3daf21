import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream, type WriteStream } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { disk, syncDirsUpTo } from './durable.ts';

/** A blob written to a temp file and hashed, not yet in the store: the caller checks it, then commits or discards. */
export interface PendingBlob {
  sha256: string;
  /** Bytes read; when `overflow`, the first byte count past the limit. */
  size: number;
  overflow: boolean;
  /** Moves the blob into place; false when identical content was already stored. */
  commit(): Promise<boolean>;
  discard(): Promise<void>;
}

class Overflow extends Error {}

/**
 * Content-addressed files under `<root>/ab/cd/<sha256>`. Paths are built only from digests we computed, never from
 * anything a client sent, and identical content is stored once.
 */
export class BlobStore {
  private constructor(readonly root: string) {}

  /** `keepTemp` for tools that run beside a live server (the fixity audit) and must not touch its uploads. */
  static async open(root: string, options: { keepTemp?: boolean } = {}): Promise<BlobStore> {
    // Temp files left by a crash belong to requests that never completed.
    if (!options.keepTemp) await rm(join(root, 'tmp'), { recursive: true, force: true });
    await mkdir(join(root, 'tmp'), { recursive: true });
    return new BlobStore(root);
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`Not a sha256 digest: ${sha256.slice(0, 80)}`);
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  /** Streams `source` to a temp file while hashing it; stops reading once more than `maxSize` bytes arrived. */
  async write(source: Readable, maxSize: number): Promise<PendingBlob> {
    const temp = join(this.root, 'tmp', randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const file = createWriteStream(temp, { flags: 'wx' });
    try {
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            size += chunk.byteLength;
            if (size > maxSize) {
              size = maxSize + 1;
              throw new Overflow();
            }
            hash.update(chunk);
            yield chunk;
          }
        },
        file,
      );
    } catch (error) {
      // The file may still be opening when the pipeline fails: removing it before it is closed could leave it.
      await closed(file);
      await rm(temp, { force: true });
      if (!(error instanceof Overflow)) throw error;
      return this.overflowed(size);
    }
    const sha256 = hash.digest('hex');
    return {
      sha256,
      size,
      overflow: false,
      commit: () => this.commit(temp, sha256),
      discard: () => rm(temp, { force: true }),
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
   * after a power failure.
   */
  private async commit(temp: string, sha256: string): Promise<boolean> {
    const path = this.pathOf(sha256);
    if (await exists(path)) {
      await rm(temp, { force: true });
      return false;
    }
    await disk.syncFile(temp);
    const created = await mkdir(dirname(path), { recursive: true });
    // rename is atomic, so a reader never sees half a blob; two writers of the same content leave the same bytes.
    await rename(temp, path);
    if (created) await syncDirsUpTo(dirname(path), this.root);
    else await disk.syncDir(dirname(path));
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

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
