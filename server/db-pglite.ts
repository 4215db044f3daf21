import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';
import type { Db } from './db-engines.ts';

// The embedded engine in a module of its own: server/db.ts imports it only when no PostgreSQL is configured, so a
// server on PostgreSQL does not load PGlite's code at all (bench/server-ingest.ts ingestPeakRss).

/**
 * PGlite's Node file system with a working fsync. PGlite mounts its data folder through Emscripten's NODEFS, whose
 * stream operations have no `fsync` (so `fsync()` does nothing and reports success) and whose `fdatasync()` is a
 * no-op, and it starts PostgreSQL with `-F` (fsync off). A commit would then be acknowledged while it sits in the
 * page cache, lost on power failure. This file system gives NODEFS a real fsync; `openPglite` turns PostgreSQL's
 * fsync back on and makes it flush WAL with fsync(), which now reaches the disk before a commit returns.
 */
class DurableNodeFS extends NodeFS {
  override async init(pg: PGlite, opts: Parameters<NodeFS['init']>[1]) {
    const result = await super.init(pg, opts);
    const options = result.emscriptenOpts;
    options.preRun = [
      ...(options.preRun ?? []),
      (mod: { NODEFS: { stream_ops: Record<string, unknown> } }) => {
        // Through the fs module object, as NODEFS itself does, so a test can watch the calls.
        mod.NODEFS.stream_ops.fsync = (stream: { nfd?: number }) => {
          if (stream.nfd !== undefined) fs.fsyncSync(stream.nfd);
          return 0;
        };
      },
    ] as typeof options.preRun;
    return result;
  }
}

/** The embedded engine: PostgreSQL compiled to WebAssembly, one connection, files under `dir`, durable commits. */
export async function openPglite(dir: string): Promise<Db> {
  const startParams = [
    ...PGlite.defaultStartParams.filter((param) => param !== '-F'),
    '-c',
    'fsync=on',
    '-c',
    'wal_sync_method=fsync',
    // PGlite's default shared_buffers (160 MB) are allocated inside its WebAssembly memory and touched at start:
    // 16 MB cut the server's resident memory by about 130 MB, measured at open (bench ingestPeakRss). The
    // operating system's page cache still holds the data files, so reads past these buffers stay cheap.
    '-c',
    'shared_buffers=16MB',
  ];
  const db = await PGlite.create({ fs: new DurableNodeFS(dir), startParams });
  return {
    engine: 'pglite',
    query: (sql, params) => db.query(sql, params as unknown[]),
    transaction: (work) => db.transaction((tx) => work({ query: (sql, params) => tx.query(sql, params as unknown[]) })),
    exec: async (sql) => {
      await db.exec(sql);
    },
    close: () => db.close(),
  };
}
