import { type FileHandle, open as openFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative } from 'node:path';

/**
 * fsync for files and directories: what makes a write survive power loss rather than only a crash of this
 * process. A file's bytes are durable once the file is synced; its name (a create or a rename) once the directory
 * that holds it is synced. Callers go through this object, so tests can watch the order of calls.
 */
export const disk = {
  /** Syncs the file at `path`, through `open` when the caller has it open already. */
  async syncFile(path: string, open?: FileHandle): Promise<void> {
    if (open) return open.sync();
    const handle = await openFile(path, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },

  async syncDir(path: string): Promise<void> {
    let handle: FileHandle;
    try {
      handle = await openFile(path, 'r');
    } catch (error) {
      // Windows cannot open a directory; NTFS journals its metadata, so there is nothing to sync there.
      if (process.platform === 'win32' && (error as NodeJS.ErrnoException).code === 'EISDIR') return;
      throw error;
    }
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

/** Syncs `dir` and every directory above it up to and including `root`: after new directories were created. */
export async function syncDirsUpTo(dir: string, root: string): Promise<void> {
  for (let current = dir; isInside(root, current); current = dirname(current)) await disk.syncDir(current);
  await disk.syncDir(root);
}

const isInside = (root: string, path: string) => {
  const rest = relative(root, path);
  return rest !== '' && !rest.startsWith('..') && !isAbsolute(rest);
};
