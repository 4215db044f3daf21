import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../../server/main';
import { messageEntry } from '../../../tests/support/records';
import type { DeclaredRecord, Receipt } from '../../records/record';
import { uuidv7 } from '../../records/uuidv7';
import { ConnectorError, type PartSource } from '../connector';
import { deliver } from '../deliver';
import { memoryCredentials, memoryProgress } from '../memory';
import { recordsApiConnector } from './connector';

/** Starting a server (PGlite) can take long on a busy machine: its promise is the readiness signal. */
const SLOW = { timeout: 180_000 };

interface Connection {
  repositoryUrl: string;
  token: string;
  fetch?: typeof fetch;
}

const connect = ({ repositoryUrl, token, fetch: fetchImpl }: Connection) =>
  recordsApiConnector(
    { url: repositoryUrl },
    { fetch: fetchImpl ?? fetch, now: Date.now, credentials: memoryCredentials({ token }) },
  );

const whole = (bytes: ArrayBuffer, index: number): PartSource => ({
  index,
  size: bytes.byteLength,
  chunkSize: Math.max(1, bytes.byteLength),
  chunks: 1,
  chunk: async () => bytes,
});

/** One record through the seam, every part in memory, with fresh progress: what one drain attempt does. */
const postRecord = (connection: Connection, record: DeclaredRecord, parts: ArrayBuffer[]): Promise<Receipt> =>
  deliver(connect(connection), record, parts.map(whole), memoryProgress());

const findBySourceId = (connection: Connection, sourceId: string) => connect(connection).findBySource!(sourceId);

async function getPresets(connection: Connection): Promise<unknown> {
  const answer = await connect(connection).fetchPresets!(undefined);
  return answer.status === 'ok' ? answer.document : undefined;
}

let server: RunningServer;
let dataDir: string;
let token: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'rk-connector-'));
  server = await startServer({ port: 0, dataDir });
  token = await server.createToken('ann');
}, SLOW.timeout);

afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
}, SLOW.timeout);

async function sample(text = 'Subject: hello\r\n\r\nbody'): Promise<{ record: DeclaredRecord; parts: ArrayBuffer[] }> {
  const bytes = new TextEncoder().encode(text);
  const record: DeclaredRecord = {
    id: uuidv7(),
    source: {
      app: 'gmail',
      kind: 'email',
      url: 'https://mail.google.com/mail/u/0/#inbox/x',
      sourceId: `<${Math.random()}@x>`,
    },
    title: 'hello',
    metadata: { originator: 'Ann <ann@x.org>' },
    classification: {},
    tags: [],
    fields: {},
    content: [await messageEntry(bytes)],
    declaredAt: new Date().toISOString(),
  };
  return { record, parts: [bytes.buffer] };
}

async function failureOf(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

describe('Records API connector against the reference server', SLOW, () => {
  it('gets a receipt whose digests match, and the same receipt on a retry', async () => {
    const { record, parts } = await sample();
    const connection = { repositoryUrl: server.url, token };
    const receipt = await postRecord(connection, record, parts);
    expect(receipt).toMatchObject({
      id: record.id,
      content: [{ name: 'message.eml', sha256: record.content[0]!.sha256 }],
    });
    expect(await postRecord(connection, record, parts)).toEqual(receipt);
  });

  it('asks for attention when the content does not match what the record says', async () => {
    const { record } = await sample();
    const error = await failureOf(
      postRecord({ repositoryUrl: server.url, token }, record, [new TextEncoder().encode('tampered').buffer]),
    );
    expect(error.kind).toBe('permanent');
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/has 8 bytes, but the record says 22; nothing was stored/);
  });

  it('reports a refused token as an auth failure', async () => {
    const { record, parts } = await sample();
    const error = await failureOf(postRecord({ repositoryUrl: server.url, token: 'rk_wrong' }, record, parts));
    expect(error).toMatchObject({ kind: 'auth', status: 401 });
  });

  it('retries when the repository cannot be reached', async () => {
    const { record, parts } = await sample();
    const error = await failureOf(postRecord({ repositoryUrl: 'http://127.0.0.1:9', token }, record, parts));
    expect(error.kind).toBe('retryable');
    expect(error.status).toBeUndefined();
  });

  it('posts the record with one fetch of its form as bytes: no Request built and cloned, no Blob registered', async () => {
    const { record, parts } = await sample();
    const calls: [RequestInfo | URL, RequestInit | undefined][] = [];
    const watched = ((input: RequestInfo | URL, init?: RequestInit) => {
      calls.push([input, init]);
      return fetch(input, init);
    }) as typeof fetch;
    const receipt = await postRecord({ repositoryUrl: server.url, token, fetch: watched }, record, parts);
    expect(receipt.id).toBe(record.id);
    const posts = calls.filter(([, init]) => init?.method === 'POST');
    expect(posts).toHaveLength(1);
    const [input, init] = posts[0]!;
    expect(String(input)).toBe(`${server.url}/api/v1/records`);
    expect(init!.body).toBeInstanceOf(Uint8Array);
    expect(init!.headers).toMatchObject({
      'Idempotency-Key': record.id,
      Authorization: `Bearer ${token}`,
      'Content-Type': expect.stringMatching(/^multipart\/form-data; boundary=/),
    });
  });

  it('posts a part kept on disk in chunks as a FormData of Blobs, never read into memory', async () => {
    const { record, parts } = await sample();
    const bytes = new Uint8Array(parts[0]!);
    const half = Math.ceil(bytes.byteLength / 2);
    const chunked: PartSource = {
      index: 0,
      size: bytes.byteLength,
      chunkSize: half,
      chunks: 2,
      chunk: async (n) => new Blob([bytes.subarray(n * half, (n + 1) * half)]),
    };
    const bodies: unknown[] = [];
    const watched = ((input: RequestInfo | URL, init?: RequestInit) => {
      if (init?.method === 'POST') bodies.push(init.body);
      return fetch(input, init);
    }) as typeof fetch;
    const connector = connect({ repositoryUrl: server.url, token, fetch: watched });
    const receipt = await deliver(connector, record, [chunked], memoryProgress());
    expect(receipt.content[0]!.sha256).toBe(record.content[0]!.sha256);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toBeInstanceOf(FormData);
  });

  it('gives up on a post that gets no answer in time, as a failure to reach the repository', async () => {
    const { record, parts } = await sample();
    const silent = ((_input: RequestInfo | URL, init?: RequestInit) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason));
      })) as typeof fetch;
    const connector = recordsApiConnector(
      { url: server.url },
      { fetch: silent, now: Date.now, credentials: memoryCredentials({ token }) },
      { timeoutMs: 50 },
    );
    const error = await failureOf(deliver(connector, record, parts.map(whole), memoryProgress()));
    expect(error.kind).toBe('retryable');
    expect(error.status).toBeUndefined();
    expect(error.message).toMatch(/^Could not reach the repository: .*timeout/i);
  });

  it('retries on 503 and reads Retry-After', async () => {
    const { record, parts } = await sample();
    const fetch503 = (async () =>
      new Response('{"detail":"maintenance"}', { status: 503, headers: { 'Retry-After': '30' } })) as typeof fetch;
    const error = await failureOf(postRecord({ repositoryUrl: server.url, token, fetch: fetch503 }, record, parts));
    expect(error).toMatchObject({ kind: 'throttled', status: 503, retryAfterMs: 30_000 });
    expect(error.message).toContain('maintenance');
  });

  it('refuses a receipt for another record (a server that lies)', async () => {
    const { record, parts } = await sample();
    const liar = (async () =>
      Response.json(
        { id: uuidv7(), url: 'http://x/records/1', receivedAt: new Date().toISOString(), content: [] },
        { status: 201 },
      )) as typeof fetch;
    const error = await failureOf(postRecord({ repositoryUrl: server.url, token, fetch: liar }, record, parts));
    expect(error.kind).toBe('permanent');
    expect(error.message).toContain('receipt');
  });

  it('finds what was already declared for a source, newest first', async () => {
    const connection = { repositoryUrl: server.url, token };
    const first = await sample();
    expect(await findBySourceId(connection, first.record.source.sourceId)).toEqual([]);
    const receipt1 = await postRecord(connection, first.record, first.parts);
    const second = await sample();
    const again = {
      ...second.record,
      source: first.record.source,
      title: 'again',
      classification: { categoryId: 'HR/2.3' },
    };
    const receipt2 = await postRecord(connection, again, second.parts);
    const found = await findBySourceId(connection, first.record.source.sourceId);
    expect(found.map((p) => p.id)).toEqual([receipt2.id, receipt1.id]);
    expect(found[0]).toMatchObject({ url: receipt2.url, title: 'again', categoryId: 'HR/2.3', declaredBy: 'ann' });
  });

  it('keeps a link from the repository only when it is http(s) (issue 10 item 11)', async () => {
    const { record } = await sample();
    const receipt = (url: string) => ({
      record,
      receipt: { id: record.id, url, receivedAt: new Date().toISOString(), content: [] },
    });
    const liar = (async () =>
      Response.json({
        items: [receipt('javascript:alert(document.cookie)'), receipt('https://records.example.org/records/1')],
      })) as typeof fetch;
    const found = await findBySourceId({ repositoryUrl: server.url, token, fetch: liar }, 'x');
    expect(found.map((prior) => prior.url)).toEqual([undefined, 'https://records.example.org/records/1']);
    expect(found[0]).toMatchObject({ id: record.id, title: 'hello' });
  });

  it('reads the demo presets', async () => {
    expect(await getPresets({ repositoryUrl: server.url, token })).toMatchObject({
      version: expect.any(Number),
      profiles: expect.any(Array),
    });
  });
});
