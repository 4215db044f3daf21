import { parseArgs } from 'node:util';
import { openDb } from './db.ts';
import { DEFAULTS, startServer } from './main.ts';
import { createToken } from './tokens.ts';

const USAGE = `Usage:
  npm run server -- [--port 8787] [--host 127.0.0.1] [--data ./.data] [--max-bytes N] [--public-url URL]
  npm run server -- token create --user <name> [--admin] [--data ./.data]`;

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
  const command = positionals.join(' ');
  if (command !== '' && command !== 'token create') {
    throw new UsageError(`Unknown command "${command}"; the only command is "token create".`);
  }
  const serving = command === '';
  const only = (name: keyof typeof values, where: string) => {
    if (values[name] !== undefined) throw new UsageError(`--${name} is only for ${where}.`);
  };
  if (serving) {
    only('user', '"token create"');
    only('admin', '"token create"');
  } else {
    for (const name of ['port', 'host', 'max-bytes', 'public-url'] as const) only(name, 'starting the server');
    if (!values.user?.trim()) throw new UsageError('"token create" needs --user <name>.');
  }
  return { serving, values, dataDir: values.data ?? DEFAULTS.dataDir };
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

async function main(argv: string[]): Promise<void> {
  const { serving, values, dataDir } = parse(argv);
  if (values.help) {
    console.info(USAGE);
    return;
  }
  if (!serving) {
    const db = await openDb(dataDir);
    try {
      // Only the token on stdout, so `TOKEN=$(npm run -s server -- token create --user ann)` works.
      process.stdout.write(`${await createToken(db, values.user!, values.admin ?? false)}\n`);
    } finally {
      await db.close();
    }
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
