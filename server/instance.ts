import { createHash, randomUUID } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { link, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type AdminRequest, type AdminResult, parseAdminRequest } from './admin.ts';

/**
 * One process per data folder. PGlite serves one process at a time: a second process opening the same folder would
 * read and write its own copy of the database, and its writes (a new token, a revocation, audit events) would be
 * lost or silently ignored by the first. So whoever uses a data folder — the server, or a CLI command while no
 * server runs — holds its lock, `<data>/repository.lock`, and listens on a local admin socket named in it:
 * - a second server on the same folder refuses at once, naming the running one;
 * - the CLI's commands (token create/list/revoke, verify) go through the running server's socket, so they act on
 *   the database the server uses: a revocation that reports success is in force for the very next request.
 *
 * A lock whose holder died (a crash, SIGKILL) is taken over: the holder is alive exactly when its socket answers.
 * The socket is a Unix socket in the data folder (or, when that path is too long for one, in a private temporary
 * folder), readable only by the folder's owner; a named pipe on Windows.
 */

export interface Holder {
  role: 'server' | 'cli';
  pid: number;
  /** The server's URL, once it listens. */
  url?: string | undefined;
  socket: string;
  startedAt: string;
}

export class DataFolderBusy extends Error {
  constructor(
    readonly holder: Holder,
    dataDir: string,
  ) {
    super(
      holder.role === 'server'
        ? `The repository ${holder.url ? `at ${holder.url} ` : ''}(pid ${holder.pid}) is already running on ${dataDir}; stop it first, or use its URL.`
        : `Another command (pid ${holder.pid}) is using ${dataDir}; wait for it to finish.`,
    );
  }
}

export interface Lease {
  holder: Holder;
  /** Says the server's URL to whoever looks (the CLI's refusal, the next server's). */
  setUrl(url: string): Promise<void>;
  release(): Promise<void>;
}

/** What the admin socket runs; the CLI's own lease answers pings only. */
export type AdminHandler = (request: AdminRequest) => Promise<AdminResult>;

const LOCK = 'repository.lock';
/** sockaddr_un holds 108 bytes on Linux and 104 on macOS, the terminating NUL included. */
const MAX_SOCKET_PATH = 100;
const PING_TIMEOUT_MS = 2000;

/** Takes the data folder's lock, or throws DataFolderBusy naming the live holder. */
export async function acquireDataFolder(dataDir: string, role: Holder['role'], handler?: AdminHandler): Promise<Lease> {
  const dir = resolve(dataDir);
  const lockPath = join(dir, LOCK);
  await mkdir(dir, { recursive: true });
  const { server, socket, cleanup } = await listenAdmin(dir, handler);
  const holder: Holder = { role, pid: process.pid, socket, startedAt: new Date().toISOString() };
  const write = async (content: Holder) => {
    const temp = `${lockPath}.${randomUUID()}`;
    await writeFile(temp, JSON.stringify(content), { mode: 0o600 });
    return temp;
  };
  try {
    for (let attempt = 0; ; attempt++) {
      const temp = await write(holder);
      try {
        // link() creates the lock with its whole content at once, and fails if a lock is there.
        await link(temp, lockPath);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
      } finally {
        await rm(temp, { force: true });
      }
      const current = await readHolder(lockPath);
      if (current && (await answers(current.socket))) throw new DataFolderBusy(current, dataDir);
      // Its holder is gone: clear the lock and its socket, and try again.
      await rm(lockPath, { force: true });
      if (current && current.socket !== socket && !current.socket.startsWith('\\\\')) {
        await rm(current.socket, { force: true });
      }
    }
  } catch (error) {
    await closeServer(server);
    await cleanup();
    throw error;
  }
  let released = false;
  return {
    holder,
    async setUrl(url) {
      holder.url = url;
      const temp = await write(holder);
      await rename(temp, lockPath);
    },
    async release() {
      if (released) return;
      released = true;
      const current = await readHolder(lockPath);
      if (current?.pid === process.pid && current.socket === socket) await rm(lockPath, { force: true });
      await closeServer(server);
      await cleanup();
    },
  };
}

/** The live holder of the data folder's lock, if any. */
export async function currentHolder(dataDir: string): Promise<Holder | undefined> {
  const holder = await readHolder(join(resolve(dataDir), LOCK));
  return holder && (await answers(holder.socket)) ? holder : undefined;
}

/** Runs an admin command in the server that holds the data folder. */
export function askServer(holder: Holder, request: AdminRequest): Promise<AdminResult> {
  return exchange(holder.socket, request, 0) as Promise<AdminResult>;
}

async function readHolder(lockPath: string): Promise<Holder | undefined> {
  try {
    const holder = JSON.parse(await readFile(lockPath, 'utf8')) as Holder;
    return typeof holder.socket === 'string' && typeof holder.pid === 'number' ? holder : undefined;
  } catch {
    return undefined;
  }
}

async function answers(socket: string): Promise<boolean> {
  try {
    const reply = (await exchange(socket, { command: 'ping' }, PING_TIMEOUT_MS)) as { pong?: boolean };
    return reply.pong === true;
  } catch {
    return false;
  }
}

/** One request, one reply, each a line of JSON. `timeoutMs` 0 waits as long as the command takes. */
function exchange(socket: string, request: unknown, timeoutMs: number): Promise<unknown> {
  return new Promise((resolvePromise, reject) => {
    const connection = connect(socket);
    let reply = '';
    const timer = timeoutMs ? setTimeout(() => connection.destroy(new Error('no answer')), timeoutMs) : undefined;
    connection.setEncoding('utf8');
    connection.on('connect', () => connection.write(`${JSON.stringify(request)}\n`));
    connection.on('data', (chunk: string) => {
      reply += chunk;
    });
    connection.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    connection.on('end', () => {
      clearTimeout(timer);
      try {
        resolvePromise(JSON.parse(reply));
      } catch {
        reject(new Error('The admin socket gave no answer.'));
      }
    });
  });
}

async function listenAdmin(dir: string, handler: AdminHandler | undefined) {
  let socket: string;
  let cleanup = async () => {};
  if (process.platform === 'win32') {
    const tag = createHash('sha256').update(dir).digest('hex').slice(0, 16);
    socket = `\\\\.\\pipe\\recordkeeper-${tag}-${process.pid}-${randomUUID().slice(0, 8)}`;
  } else {
    socket = join(dir, `admin-${process.pid}-${randomUUID().slice(0, 8)}.sock`);
    if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
      const privateDir = await mkdtemp(join(tmpdir(), 'rk-admin-'));
      socket = join(privateDir, 'admin.sock');
      cleanup = () => rm(privateDir, { recursive: true, force: true });
    } else {
      const path = socket;
      cleanup = () => rm(path, { force: true });
    }
  }
  const server = createServer((connection) => {
    let input = '';
    connection.setEncoding('utf8');
    connection.on('error', () => connection.destroy());
    connection.on('data', async (chunk: string) => {
      input += chunk;
      if (input.length > 64 * 1024) return connection.destroy();
      const newline = input.indexOf('\n');
      if (newline < 0) return;
      connection.pause();
      connection.end(`${JSON.stringify(await serve(input.slice(0, newline)))}\n`);
    });
  });
  const serve = async (line: string): Promise<unknown> => {
    let input: unknown;
    try {
      input = JSON.parse(line);
    } catch {
      return { code: 2, stdout: '', stderr: 'Not a JSON request.\n' };
    }
    if ((input as { command?: unknown } | null)?.command === 'ping') return { pong: true };
    const request = parseAdminRequest(input);
    if (!request) return { code: 2, stdout: '', stderr: 'Unknown admin request.\n' };
    if (!handler) return { code: 1, stdout: '', stderr: 'Another command is using this data folder; try again.\n' };
    try {
      return await handler(request);
    } catch (error) {
      return { code: 1, stdout: '', stderr: `${error instanceof Error ? error.message : String(error)}\n` };
    }
  };
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolvePromise());
  });
  // Only the data folder's owner may run admin commands.
  if (process.platform !== 'win32') chmodSync(socket, 0o600);
  server.unref();
  return { server, socket, cleanup };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolvePromise) => server.close(() => resolvePromise()));
}
