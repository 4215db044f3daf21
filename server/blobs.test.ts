// @vitest-environment node
import fs, { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FolderBlobStore } from './blobs.ts';
import { sha256Hex } from './test/support.ts';

let root: string;
let store: FolderBlobStore;
beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'rk-blobs-'));
  store = await FolderBlobStore.open(root);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const bytes = new TextEncoder().encode('the frozen content of a record');
const digest = sha256Hex(bytes);

describe('BlobStore', () => {
  it('hashes while writing and files the blob under its digest', async () => {
    const pending = await store.write(Readable.from([bytes.subarray(0, 5), bytes.subarray(5)]), 1000);
    expect(pending).toMatchObject({ sha256: digest, size: bytes.byteLength, overflow: false });
    expect(await pending.commit()).toBe(true);
    const path = join(root, digest.slice(0, 2), digest.slice(2, 4), digest);
    expect(store.pathOf(digest)).toBe(path);
    expect(readFileSync(path)).toEqual(Buffer.from(bytes));
  });

  it('stores identical content once', async () => {
    expect(await (await store.write(Readable.from([bytes]), 1000)).commit()).toBe(true);
    expect(await (await store.write(Readable.from([bytes]), 1000)).commit()).toBe(false);
    expect(readdirSync(join(root, digest.slice(0, 2), digest.slice(2, 4)))).toEqual([digest]);
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
  });

  it('stops at the size limit and keeps nothing', async () => {
    const pending = await store.write(Readable.from([bytes]), 4);
    expect(pending.overflow).toBe(true);
    expect(pending.size).toBe(5);
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    await expect(pending.commit()).rejects.toThrow(/over/);
  });

  it('keeps no temp file when the write fails before the file is even open (a slow disk, a busy machine)', async () => {
    // Opening the temp file takes a while, as it may under load: the failure comes first.
    const open = fs.open;
    const opened: Promise<void>[] = [];
    vi.spyOn(fs, 'open').mockImplementation(((...args: unknown[]) => {
      const done = args.pop() as (...result: unknown[]) => void;
      opened.push(
        new Promise((resolve) =>
          setTimeout(
            () =>
              (open as (...a: unknown[]) => void)(...args, (...result: unknown[]) => {
                done(...result);
                // Whatever the stream does with the file once it is open happens in the next turns.
                setTimeout(resolve, 50);
              }),
            50,
          ),
        ),
      );
    }) as typeof fs.open);
    const settled = async () => {
      await Promise.all(opened);
      return readdirSync(join(root, 'tmp'));
    };
    try {
      const failing = new Readable({
        read() {
          this.destroy(new Error('client went away'));
        },
      });
      await expect(store.write(failing, 1000)).rejects.toThrow(/went away/);
      expect(await settled()).toEqual([]);
      // Past the limit on the very first chunk: the same race, through the overflow path.
      expect((await store.write(Readable.from([bytes]), 1)).overflow).toBe(true);
      expect(await settled()).toEqual([]);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('discards a written blob on request', async () => {
    const pending = await store.write(Readable.from([bytes]), 1000);
    await pending.discard();
    expect(existsSync(store.pathOf(digest))).toBe(false);
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
  });

  it('refuses anything but a sha256 as a path', () => {
    expect(() => store.pathOf('../../etc/passwd')).toThrow();
    expect(() => store.pathOf(digest.toUpperCase())).toThrow();
  });
});
