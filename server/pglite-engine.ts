import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

/**
 * PGlite's Node file system with a working fsync. PGlite mounts its data folder through Emscripten's NODEFS, whose
 * stream operations have no `fsync` (so `fsync()` does nothing and reports success) and whose `fdatasync()` is a
 * no-op, and it starts PostgreSQL with `-F` (fsync off). A commit would then be acknowledged while it sits in the
 * page cache, lost on power failure. This file system gives NODEFS a real fsync; `openDurablePglite` turns
 * PostgreSQL's fsync back on and makes it flush WAL with fsync(), which now reaches the disk before a commit returns.
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

/**
 * PostgreSQL compiled to WebAssembly, one connection, files under `dir`, durable commits. It runs in the thread that
 * calls this: the server calls it inside PGlite's worker (server/pglite-worker.ts), never on its event loop.
 */
export async function openDurablePglite(dir: string): Promise<PGlite> {
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
  return PGlite.create({ fs: new DurableNodeFS(dir), startParams });
}
