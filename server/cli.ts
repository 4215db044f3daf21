import { parseArgs } from 'node:util';
import { type AdminRequest, type AdminResult, runAdmin } from './admin.ts';
import { blobDirOf, FolderBlobStore } from './blobs.ts';
import { parseOrigins } from './cors.ts';
import { openDb } from './db.ts';
import { acquireDataFolder, askServer, currentHolder, DataFolderBusy } from './instance.ts';
import { DEFAULTS, startServer } from './main.ts';
import { TieredBlobStore } from './small-blobs.ts';

const USAGE = `Usage:
  npm run server -- [--port 8787] [--host 127.0.0.1] [--data ./.data] [--max-bytes N] [--public-url URL]
                    [--cors-origin ORIGIN]... [--trust-proxy]
  npm run server -- token create --user <name> [--admin] [--data ./.data]
  npm run server -- token list [--data ./.data]
  npm run server -- token revoke <id> [--data ./.data]
  npm run server -- verify [--data ./.data]
Set DATABASE_URL=postgres://… to keep the database in PostgreSQL, and RK_BLOB_DIR to keep blobs in a folder other
than <data>/blobs (one shared by several server processes: docs/deployment.md).
The token and verify commands run in the repository that is running on --data, if one is; else on the folder.
--cors-origin (or RK_CORS_ORIGINS, comma-separated) lets a browser page of that exact origin call the API;
--trust-proxy (or RK_TRUST_PROXY=1) believes X-Forwarded-Proto/-Host from a TLS-terminating proxy.`;

const COMMANDS = ['', 'token create', 'token list', 'token revoke', 'verify'] as const;
type Command = (typeof COMMANDS)[number];

class UsageError extends Error {}

const TEXT = { type: 'string' } as const;
const FLAG = { type: 'boolean' } as const;
const OPTIONS = {
  port: TEXT,
  host: TEXT,
  data: TEXT,
  'max-bytes': TEXT,
  'public-url': TEXT,
  'cors-origin': { type: 'string', multiple: true },
  'trust-proxy': FLAG,
  user: TEXT,
  admin: FLAG,
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(argv: string[]) {
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  const config = { args: argv, allowPositionals: true, strict: true, options: OPTIONS } as const;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  // `token revoke <id>`: the id is the one positional that is not part of the command name.
  const revokeId = positionals[0] === 'token' && positionals[1] === 'revoke' ? positionals[2] : undefined;
  const command = positionals.slice(0, revokeId === undefined ? undefined : 2).join(' ') as Command;
  if (!COMMANDS.includes(command)) {
    throw new UsageError(
      `Unknown command "${command}"; the commands are "token create", "token list", "token revoke" and "verify".`,
    );
  }
  const only = (name: keyof typeof values, where: string) => {
    if (values[name] !== undefined) throw new UsageError(`--${name} is only for ${where}.`);
  };
  if (command !== 'token create') {
    only('user', '"token create"');
    only('admin', '"token create"');
  } else if (!values.user?.trim()) throw new UsageError('"token create" needs --user <name>.');
  if (command !== '') {
    for (const name of ['port', 'host', 'max-bytes', 'public-url', 'cors-origin', 'trust-proxy'] as const) {
      only(name, 'starting the server');
    }
  }
  if (command === 'token revoke' && !revokeId) throw new UsageError('"token revoke" needs the id `token list` shows.');
  return { command, values, revokeId, dataDir: values.data ?? DEFAULTS.dataDir };
}

function wholeNumber(text: string | undefined, name: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${text}".`);
  }
  return value;
}

function httpUrl(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!URL.canParse(text) || !/^https?:$/.test(new URL(text).protocol)) {
    throw new UsageError(`--public-url must be an http(s) URL such as https://records.example.org, not "${text}".`);
  }
  return text;
}

function origins(values: string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  try {
    return parseOrigins(values.join(','));
  } catch (error) {
    throw new UsageError(`--cors-origin: ${(error as Error).message}`);
  }
}

/**
 * Runs one administrative command; resolves to the exit code. When a repository is running on the data folder,
 * the command runs in it (through its admin socket), so it acts on the database the server uses; otherwise this
 * process holds the folder's lock while it opens the database itself.
 */
async function admin(request: AdminRequest, dataDir: string): Promise<number> {
  const print = (result: AdminResult) => {
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    return result.code;
  };
  const running = await currentHolder(dataDir);
  if (running?.role === 'server') return print(await askServer(running, request));
  if (running) throw new DataFolderBusy(running, dataDir);
  const lease = await acquireDataFolder(dataDir, 'cli');
  try {
    const db = await openDb({ dataDir, databaseUrl: DEFAULTS.databaseUrl });
    try {
      // The audit reads content wherever it is (server/small-blobs.ts): the size limit only steers writes.
      const blobs = async () =>
        new TieredBlobStore(db, await FolderBlobStore.open(blobDirOf(dataDir), { keepTemp: true }), 0);
      return print(await runAdmin(db, blobs, request));
    } finally {
      await db.close();
    }
  } finally {
    await lease.release();
  }
}

function requestOf(command: Command, values: ReturnType<typeof parse>['values'], revokeId?: string): AdminRequest {
  if (command === 'token create') return { command, user: values.user!, admin: values.admin ?? false };
  if (command === 'token revoke') return { command, id: revokeId! };
  return { command: command as 'token list' | 'verify' };
}

async function main(argv: string[]): Promise<void> {
  const { command, values, revokeId, dataDir } = parse(argv);
  if (values.help) {
    console.info(USAGE);
    return;
  }
  if (command !== '') {
    process.exitCode = await admin(requestOf(command, values, revokeId), dataDir);
    return;
  }
  const options = {
    port: wholeNumber(values.port, 'port', 0, 65535),
    host: values.host,
    maxBytes: wholeNumber(values['max-bytes'], 'max-bytes', 1, Number.MAX_SAFE_INTEGER),
    publicUrl: httpUrl(values['public-url']),
    corsOrigins: origins(values['cors-origin']),
    trustProxy: values['trust-proxy'],
  };
  const server = await startServer({
    dataDir,
    ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)),
  });
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Only now: whoever waits for this line may stop the server at once, and must find it ready to stop cleanly.
  console.info(`Recordkeeper repository listening on ${server.url}`);
}

main(process.argv.slice(2)).catch((error) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  // One line: a busy data folder names who holds it; anything else says what failed.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
