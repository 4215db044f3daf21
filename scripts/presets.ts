/**
 * `npm run presets -- <command>`: the admin's tool for presets documents (JSON, or JSONC with comments).
 *
 *   validate <file>                                   exit 0 and "valid", else each problem as `path: message`
 *   push <file> --server <url> [--token <token>]      PUT it to the repository (token also from RECORDKEEPER_TOKEN)
 *   policy <file> --browser chrome|edge|firefox [--format json|reg|admx] [--repository-url <url>]
 *          [--update-url <url>] [--extension-id <id>] [--out <dir>]
 *                                                    print the ready-to-deploy policy for that browser
 *   schema [--check]                                  regenerate public/presets.schema.json (or check it is current)
 *
 * Exit codes: 0 done, 1 the document or the server said no, 2 wrong usage.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { apiBase } from '../utils/connectors/records-api/connector.ts';
import { JSON_SCHEMA_PATH, presetsJsonSchemaText } from '../utils/presets/json-schema.ts';
import { parseJsonc } from '../utils/presets/jsonc.ts';
import {
  chromiumAdmx,
  chromiumPolicyJson,
  chromiumRegistry,
  firefoxPolicyJson,
  managedValues,
  POLICY_BROWSERS,
  type PolicyBrowser,
} from '../utils/presets/policy.ts';
import { validatePresets } from '../utils/presets/validate.ts';

const USAGE = `Usage:
  npm run presets -- validate <file>
  npm run presets -- push <file> --server <url> [--token <admin token>]   (or RECORDKEEPER_TOKEN=…)
  npm run presets -- policy <file> --browser chrome|edge|firefox [--format json|reg|admx]
                     [--repository-url <url>] [--update-url <url>] [--extension-id <store id>] [--out <dir>]
  npm run presets -- schema [--check]`;

class Exit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const usage = (message: string) => new Exit(2, `${message}\n\n${USAGE}`);

/** Reads and validates a presets file; any problem ends the command with exit 1 and the list on stderr. */
function load(file: string | undefined): Record<string, unknown> {
  if (!file) throw usage('Name the presets file.');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Exit(1, `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let document: unknown;
  try {
    document = parseJsonc(text);
  } catch (error) {
    throw new Exit(1, `${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const result = validatePresets(document);
  if (!result.ok) {
    const lines = result.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw new Exit(1, `${file} is not valid presets (${result.problems.length} problems):\n${lines.join('\n')}`);
  }
  return document as Record<string, unknown>;
}

async function push(file: string | undefined, server: string | undefined, token: string | undefined) {
  if (!server) throw usage('Give the repository with --server <url>.');
  if (!token) throw usage('Give an admin token with --token <token> or RECORDKEEPER_TOKEN.');
  const document = load(file);
  let url: string;
  try {
    url = `${apiBase(server)}presets`;
  } catch {
    throw usage(`--server ${server} is not a URL.`);
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(document),
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new Exit(1, `Cannot reach ${url}: ${cause ?? (error instanceof Error ? error.message : String(error))}`);
  }
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // A proxy's HTML error page, say; the status line below still says what happened.
  }
  if (response.ok) {
    const version = body.version ?? document.version;
    process.stdout.write(`Stored presets version ${String(version)} at ${url}\n`);
    return;
  }
  const detail = typeof body.detail === 'string' ? body.detail : text.slice(0, 500);
  // The reference server lists them in "errors" (an RFC 9457 extension member); accept "problems" too.
  const listed = Array.isArray(body.errors) ? body.errors : Array.isArray(body.problems) ? body.problems : [];
  const problems = listed as { path?: string; message?: string }[];
  const lines = problems.map((problem) => `${problem.path ?? '$'}: ${problem.message ?? ''}`);
  throw new Exit(
    1,
    [`The repository refused the presets: ${response.status} ${response.statusText}`, detail, ...lines]
      .filter(Boolean)
      .join('\n'),
  );
}

function policy(file: string | undefined, options: Record<string, string | boolean | undefined>) {
  const browser = options.browser as PolicyBrowser | undefined;
  if (!browser || !POLICY_BROWSERS.includes(browser)) throw usage('Give --browser chrome, edge or firefox.');
  const format = (options.format as string | undefined) ?? 'json';
  if (!['json', 'reg', 'admx'].includes(format)) throw usage('--format is json, reg or admx.');
  if (browser === 'firefox' && format !== 'json') {
    throw usage('Firefox takes policies.json on every platform: use --format json.');
  }
  const values = managedValues(load(file), options['repository-url'] as string | undefined);
  const updateUrl = options['update-url'] as string | undefined;
  const id = options['extension-id'] as string | undefined;
  if (id !== undefined && !/^[a-p]{32}$/.test(id)) throw usage('--extension-id is 32 letters a–p.');
  if (browser === 'firefox') {
    process.stdout.write(`${JSON.stringify(firefoxPolicyJson(values, updateUrl), null, 2)}\n`);
  } else if (format === 'json') {
    process.stdout.write(`${JSON.stringify(chromiumPolicyJson(values, updateUrl, id), null, 2)}\n`);
  } else if (format === 'reg') {
    process.stdout.write(chromiumRegistry(browser, values, updateUrl, id));
  } else {
    const out = options.out as string | undefined;
    if (!out) throw usage('--format admx writes two files: give the folder with --out <dir>.');
    const { admx, adml } = chromiumAdmx(browser, id);
    mkdirSync(join(out, 'en-US'), { recursive: true });
    const admxPath = join(out, `recordkeeper-${browser}.admx`);
    const admlPath = join(out, 'en-US', `recordkeeper-${browser}.adml`);
    writeFileSync(admxPath, admx);
    writeFileSync(admlPath, adml);
    process.stderr.write(`Wrote ${admxPath} and ${admlPath}. The "Presets" policy value is the line below.\n`);
    process.stdout.write(`${JSON.stringify(values.presets)}\n`);
  }
}

function schema(check: boolean) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const path = join(root, JSON_SCHEMA_PATH);
  const text = presetsJsonSchemaText();
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const same = current !== '' && JSON.stringify(JSON.parse(current)) === JSON.stringify(JSON.parse(text));
  if (check) {
    if (!same) throw new Exit(1, `${JSON_SCHEMA_PATH} is out of date: run npm run presets -- schema`);
    process.stdout.write(`${JSON_SCHEMA_PATH} is current\n`);
    return;
  }
  writeFileSync(path, text);
  // Keep the checked-in file as the formatter wants it, so `biome check` stays clean.
  spawnSync(join(root, 'node_modules/.bin/biome'), ['format', '--write', path], { stdio: 'ignore' });
  process.stdout.write(`Wrote ${JSON_SCHEMA_PATH}\n`);
}

async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        browser: { type: 'string' },
        format: { type: 'string' },
        'repository-url': { type: 'string' },
        'update-url': { type: 'string' },
        'extension-id': { type: 'string' },
        out: { type: 'string' },
        check: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw usage(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const [command, file, ...extra] = positionals;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (extra.length > 0) throw usage(`Unexpected argument: ${extra[0]}`);
  switch (command) {
    case 'validate':
      load(file);
      process.stdout.write(`${file}: valid\n`);
      return;
    case 'push':
      return push(
        file,
        values.server as string | undefined,
        (values.token as string) ?? process.env.RECORDKEEPER_TOKEN,
      );
    case 'policy':
      return policy(file, values as Record<string, string | boolean | undefined>);
    case 'schema':
      if (file) throw usage(`Unexpected argument: ${file}`);
      return schema(values.check === true);
    default:
      throw usage(command ? `Unknown command: ${command}` : 'Name a command.');
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof Exit) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = error.code;
  } else {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
});
