// @vitest-environment node
import fs from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FolderBlobStore } from './blobs.ts';
import { openDb } from './db.ts';
import { disk } from './durable.ts';
import { openDurablePglite } from './pglite-engine.ts';
import { ENGINES, freshDatabase, sha256Hex, tempFolders } from './test/support.ts';

/** A 201 means the bytes and the row survive power loss: every write is synced before it is acknowledged. */
const folders = tempFolders('rk-durable-');
const folder = folders.make;
afterEach(() => {
  vi.restoreAllMocks();
  folders.removeAll();
});

describe('durable before acknowledged', () => {
  it('syncs a blob before its rename and its directory after, before the commit resolves', async () => {
    const root = folder();
    const store = await FolderBlobStore.open(root);
    const calls: string[] = [];
    vi.spyOn(disk, 'syncFile').mockImplementation(async (path) => {
      calls.push(`file ${path}`);
    });
    vi.spyOn(disk, 'syncDir').mockImplementation(async (path) => {
      calls.push(`dir ${path}`);
    });
    const bytes = new TextEncoder().encode(`durable ${Math.random()}`);
    const digest = sha256Hex(bytes);
    const pending = await store.write(Readable.from([bytes]), 1000);
    expect(calls).toEqual([]);
    await pending.commit();
    const path = store.pathOf(digest);
    const dir = join(root, digest.slice(0, 2), digest.slice(2, 4));
    expect(calls[0]).toMatch(new RegExp(`^file ${join(root, 'tmp')}/`));
    // A new blob directory: it, its parent and the store's root all hold a new name.
    expect(calls.slice(1)).toEqual([`dir ${dir}`, `dir ${join(root, digest.slice(0, 2))}`, `dir ${root}`]);
    expect(fs.existsSync(path)).toBe(true);
  });

  it('syncs only the folders that hold a new name: a new second-level folder under an existing first-level one', async () => {
    const root = folder();
    const store = await FolderBlobStore.open(root);
    const first = new TextEncoder().encode(`first ${Math.random()}`);
    await (await store.write(Readable.from([first]), 1000)).commit();
    const digest = sha256Hex(first);
    // Content whose digest shares the first folder (ab/) but not the second (ab/cd/).
    let second: Uint8Array;
    for (let n = 0; ; n++) {
      second = new TextEncoder().encode(`second ${n}`);
      const other = sha256Hex(second);
      if (other.slice(0, 2) === digest.slice(0, 2) && other.slice(2, 4) !== digest.slice(2, 4)) break;
    }
    const dirs: string[] = [];
    vi.spyOn(disk, 'syncDir').mockImplementation(async (path) => {
      dirs.push(path);
    });
    await (await store.write(Readable.from([second]), 1000)).commit();
    const other = sha256Hex(second);
    expect(dirs).toEqual([join(root, other.slice(0, 2), other.slice(2, 4)), join(root, other.slice(0, 2))]);
    expect(fs.existsSync(store.pathOf(other))).toBe(true);
  });

  it('runs PGlite with a real fsync: a commit reaches fsync on its write-ahead log', async () => {
    // The engine as its worker opens it (server/pglite-worker.ts), here in this thread so that the spy sees its calls.
    const dir = folder();
    const db = await openDurablePglite(dir);
    try {
      const synced: string[] = [];
      const spy = vi.spyOn(fs, 'fsyncSync').mockImplementation((fd) => {
        synced.push(fs.readlinkSync(`/proc/self/fd/${fd}`));
      });
      await db.query('CREATE TABLE t (n integer)');
      await db.query('INSERT INTO t VALUES (1)');
      spy.mockRestore();
      expect(synced.some((path) => path.includes(`${dir}/pg_wal/`))).toBe(true);
    } finally {
      await db.close();
    }
  });
});

describe.each(ENGINES.filter((engine) => engine === 'postgres'))('durable commits on %s', (engine) => {
  it('keeps synchronous_commit on, even when the URL turns it off', async () => {
    const database = await freshDatabase(engine);
    const url = new URL(database.databaseUrl!);
    url.searchParams.set('options', `${url.searchParams.get('options')} -c synchronous_commit=off`);
    const db = await openDb({ dataDir: folder(), databaseUrl: url.toString() });
    try {
      const { rows } = await db.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
      expect(rows[0]!.synchronous_commit).toBe('on');
    } finally {
      await db.close();
      await database.drop();
    }
  });
});
