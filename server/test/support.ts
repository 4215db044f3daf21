import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import type { DeclaredRecord } from '../../utils/records/record.ts';
import { uuidv7 } from '../../utils/records/uuidv7.ts';
import { type RunningServer, type ServerOptions, startServer } from '../main.ts';
import { freshSchema } from './child-server.ts';
import { checkResponse } from './openapi-check.ts';

export type Engine = 'pglite' | 'postgres';

/**
 * Server tests start real databases and servers: on a busy 2-core machine a fresh PGlite database alone can take
 * 20 s to create. A test is slow, not failing, until several minutes have passed; every wait inside a test is
 * on a readiness signal, never a fixed time.
 */
export const SERVER_TEST_TIMEOUT_MS = 5 * 60_000;
vi.setConfig({ testTimeout: SERVER_TEST_TIMEOUT_MS, hookTimeout: SERVER_TEST_TIMEOUT_MS });

/**
 * The database engines the server's suites run against: PGlite always, PostgreSQL when TEST_DATABASE_URL is set
 * (`TEST_DATABASE_URL=$(sh scripts/ci-postgres.sh) npx vitest run server`).
 */
export const ENGINES: Engine[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

/**
 * A fresh, empty database for one test server: nothing for PGlite (it lives in the data directory), a uniquely
 * named schema for PostgreSQL, selected through the URL's search_path and dropped afterwards.
 */
export async function freshDatabase(engine: Engine): Promise<{ databaseUrl?: string; drop(): Promise<void> }> {
  if (engine === 'pglite') return { drop: async () => {} };
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  return freshSchema(base);
}

/** Shared by the server's tests: a real server on a free port over a fresh data directory and database. */
export async function startTestServer(
  options: Partial<ServerOptions> = {},
  engine: Engine = 'pglite',
): Promise<{
  server: RunningServer;
  api: string;
  dataDir: string;
  databaseUrl: string | undefined;
  stop(): Promise<void>;
}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rk-server-'));
  const database = await freshDatabase(engine);
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    databaseUrl: database.databaseUrl,
    ...options,
  });
  return {
    server,
    api: `${server.url}/api/v1`,
    dataDir,
    databaseUrl: database.databaseUrl,
    async stop() {
      await server.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

/** A test server with the users most suites need: ann and bob, and an admin (root), with a token each. */
export async function startTestServerForUsers(engine: Engine) {
  const t = await startTestServer({}, engine);
  const [ann, bob, admin] = [
    await t.server.createToken('ann@x.org', false),
    await t.server.createToken('bob@x.org', false),
    await t.server.createToken('root', true),
  ];
  return { t, ann, bob, admin };
}

/** A test server and one user's token. */
export async function startTestServerWithToken(engine: Engine, user: string) {
  const t = await startTestServer({}, engine);
  return { t, token: await t.server.createToken(user) };
}

/** Temporary folders named `<prefix>…`, each removed by `removeAll` (call it after each test or all of them). */
export function tempFolders(prefix: string) {
  const dirs: string[] = [];
  return {
    make() {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    removeAll() {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export interface ContentFile {
  name: string;
  mimeType: string;
  bytes: Uint8Array<ArrayBuffer>;
}

export const textFile = (name: string, text: string, mimeType = 'text/plain'): ContentFile => ({
  name,
  mimeType,
  bytes: new TextEncoder().encode(text),
});

/**
 * Changes the first byte of stored content wherever the server keeps it: its row in the database when the part was
 * small (server/small-blobs.ts), its file in the blob folder otherwise.
 */
export async function damageBlob(server: RunningServer, sha256: string): Promise<void> {
  const { rows } = await server.db.query(
    'UPDATE small_blobs SET bytes = set_byte(bytes, 0, get_byte(bytes, 0) # 1) WHERE sha256 = $1 RETURNING 1',
    [sha256],
  );
  if (rows.length) return;
  const path = server.blobs.pathOf(sha256);
  const bytes = readFileSync(path);
  bytes[0] = bytes[0]! ^ 1;
  writeFileSync(path, bytes);
}

/** The same file with one bit changed: same size, different digest. */
export function flipFirstByte(file: ContentFile): ContentFile {
  const bytes = file.bytes.slice();
  bytes[0] = bytes[0]! ^ 1;
  return { ...file, bytes };
}

/** A valid record whose content entries describe `files` exactly. */
export function makeRecord(files: ContentFile[], overrides: Partial<DeclaredRecord> = {}): DeclaredRecord {
  return {
    id: uuidv7(),
    source: {
      app: 'gmail',
      kind: 'email',
      url: 'https://mail.google.com/mail/u/0/#inbox/FMfcgzQXJWDsKmlHfTbNnPqV',
      sourceId: '<CAF1234abcd@mail.gmail.com>',
    },
    title: 'Grievance HR-2291: shift allocation',
    metadata: { originator: 'Ann <ann@x.org>', dateSent: '2026-11-20T09:14:00Z', mimeType: 'message/rfc822' },
    classification: { profileId: 'hr-case', categoryId: 'HR/2.3', recordType: 'email' },
    tags: ['grievance'],
    fields: { caseNumber: 'HR-2291' },
    content: files.map((file) => ({
      role: 'primary' as const,
      name: file.name,
      mimeType: file.mimeType,
      size: file.bytes.byteLength,
      sha256: sha256Hex(file.bytes),
    })),
    declaredAt: new Date().toISOString(),
    ...overrides,
  };
}

export function recordForm(record: unknown, files: ContentFile[]): FormData {
  const form = new FormData();
  form.append('record', JSON.stringify(record));
  for (const file of files) form.append('content', new Blob([file.bytes], { type: file.mimeType }), file.name);
  return form;
}

export function postRecord(
  api: string,
  token: string,
  record: DeclaredRecord,
  files: ContentFile[],
  key: string | null = record.id,
): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (key !== null) headers['idempotency-key'] = key;
  return fetch(`${api}/records`, { method: 'POST', headers, body: recordForm(record, files) });
}

export const getJson = (url: string, token: string) => fetch(url, { headers: { authorization: `Bearer ${token}` } });

/** A multipart body built by hand, for tests that need to send it piece by piece. */
export function multipartPieces(boundary: string, record: unknown, files: ContentFile[]): Uint8Array<ArrayBuffer>[] {
  const encode = (text: string) => new TextEncoder().encode(text);
  const pieces = [
    encode(`--${boundary}\r\nContent-Disposition: form-data; name="record"\r\n\r\n${JSON.stringify(record)}\r\n`),
  ];
  for (const file of files) {
    pieces.push(
      encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="${file.name}"\r\n` +
          `Content-Type: ${file.mimeType}\r\n\r\n`,
      ),
      file.bytes,
      encode('\r\n'),
    );
  }
  pieces.push(encode(`--${boundary}--\r\n`));
  return pieces;
}

/** The headers of a POST /records with a multipart body of `boundary`. */
export const recordHeaders = (token: string, id: string, boundary: string) => ({
  authorization: `Bearer ${token}`,
  'idempotency-key': id,
  'content-type': `multipart/form-data; boundary=${boundary}`,
});

/**
 * Starts POST /records with everything but the end of the content part, so the request stays in flight until
 * `finish` sends the rest.
 */
export function heldPost(api: string, token: string, record: DeclaredRecord, files: ContentFile[], boundary: string) {
  const pieces = multipartPieces(boundary, record, files);
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  for (const piece of pieces.slice(0, 2)) controller.enqueue(piece);
  const response = fetch(`${api}/records`, {
    method: 'POST',
    headers: recordHeaders(token, record.id, boundary),
    body,
    duplex: 'half',
  } as RequestInit);
  return {
    response,
    finish() {
      for (const piece of pieces.slice(2)) controller.enqueue(piece);
      controller.close();
    },
  };
}

/** Waits for a condition that another party makes true; fails after `ms` instead of hanging the suite. */
export async function until(condition: () => boolean, ms = 3 * 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Like `until`, for a condition that needs a query to tell. */
export async function untilAsync(condition: () => Promise<boolean>, ms = 3 * 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Every server test calls the API through this fetch: each response is checked against the OpenAPI document
 * (route, method, status and JSON body), so the document cannot drift from what the server really does.
 */
export async function fetch(input: string | URL, init?: RequestInit): Promise<Response> {
  const response = await globalThis.fetch(input, init);
  await checkResponse(init?.method ?? 'GET', String(input), response);
  return response;
}
