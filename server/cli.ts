import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BlobStore } from './blobs.ts';
import { openDb } from './db.ts';
import { verifyStore } from './fixity.ts';
import { DEFAULTS, startServer } from './main.ts';
import { createToken, listTokens, revokeToken } from './tokens.ts';

const USAGE = `Usage:
  npm run server -- [--port 8787] [--host 127.0.0.1] [--data ./.data] [--max-bytes N] [--public-url URL]
  npm run server -- token create --user <name> [--admin] [--data ./.data]
  npm run server -- token list [--data ./.data]
  npm run server -- token revoke <id> [--data ./.data]
  npm run server -- verify [--data ./.data]
Set DATABASE_URL=postgres://… to keep the database in PostgreSQL; blobs stay under --data.`;

const COMMANDS = ['', 'token create', 'token list', 'token revoke', 'verify'] as const;
type Command = (typeof COMMANDS)[number];

class UsageError extends Error {}

function parse(argv: string[]) {
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  const config = {
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      'max-bytes': { type: 'string' },
      'public-url': { type: 'string' },
      user: { type: 'string' },
      admin: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  } as const;
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
    for (const name of ['port', 'host', 'max-bytes', 'public-url'] as const) only(name, 'starting the server');
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

const when = (date: Date | null) => (date ? date.toISOString() : 'never');

/** Runs one administrative command against the database; resolves to the exit code. */
async function admin(command: Command, values: ReturnType<typeof parse>['values'], dataDir: string, revokeId?: string) {
  const db = await openDb({ dataDir, databaseUrl: DEFAULTS.databaseUrl });
  try {
    if (command === 'token create') {
      // Only the token on stdout, so `TOKEN=$(npm run -s server -- token create --user ann)` works.
      process.stdout.write(`${await createToken(db, values.user!, values.admin ?? false)}\n`);
    } else if (command === 'token list') {
      const tokens = await listTokens(db);
      process.stdout.write(
        'id            user                 admin  created                   last used                 revoked\n',
      );
      for (const t of tokens) {
        const columns = [t.id, t.user.padEnd(20), (t.admin ? 'yes' : 'no').padEnd(6), when(t.createdAt).padEnd(25)];
        process.stdout.write(
          `${[...columns, when(t.lastUsedAt).padEnd(25), t.revokedAt ? when(t.revokedAt) : '-'].join(' ')}\n`,
        );
      }
    } else if (command === 'token revoke') {
      const result = await revokeToken(db, revokeId!);
      if (!result.ok) {
        console.error(result.reason);
        return 1;
      }
      console.info(`Revoked token ${revokeId}; it now gets 401.`);
    } else if (command === 'verify') {
      const report = await verifyStore(db, await BlobStore.open(join(dataDir, 'blobs'), { keepTemp: true }));
      console.info(
        `Fixity audit: ${report.records} record(s), ${report.blobs} blob(s) re-hashed, ${report.verified} record(s) verified, ${report.mismatches.length} mismatch(es).`,
      );
      for (const m of report.mismatches) {
        console.error(`MISMATCH record ${m.recordId} content ${m.n} (${m.name}, sha256 ${m.sha256}): ${m.problem}`);
      }
      return report.mismatches.length ? 1 : 0;
    }
    return 0;
  } finally {
    await db.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const { command, values, revokeId, dataDir } = parse(argv);
  if (values.help) {
    console.info(USAGE);
    return;
  }
  if (command !== '') {
    process.exitCode = await admin(command, values, dataDir, revokeId);
    return;
  }
  const options = {
    port: wholeNumber(values.port, 'port', 0, 65535),
    host: values.host,
    maxBytes: wholeNumber(values['max-bytes'], 'max-bytes', 1, Number.MAX_SAFE_INTEGER),
    publicUrl: httpUrl(values['public-url']),
  };
  const server = await startServer({
    dataDir,
    ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)),
  });
  console.info(`Recordkeeper repository listening on ${server.url}`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((error) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
