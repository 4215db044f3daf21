// @vitest-environment node
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../server/main';
import type { DeclaredRecord } from '../records/record';
import { uuidv7 } from '../records/uuidv7';
import { RepositoryError, sendRecord } from './records-api';
import { memoryUploadStore, type PartSource } from './uploads';

const hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function partOf(bytes: Uint8Array, chunkSize: number, reads: number[] = []): PartSource {
  return {
    index: 0,
    size: bytes.byteLength,
    chunkSize,
    chunks: Math.ceil(bytes.byteLength / chunkSize),
    chunk: async (n) => {
      reads.push(n);
      return bytes.slice(n * chunkSize, (n + 1) * chunkSize).buffer;
    },
  };
}

function recordFor(bytes: Uint8Array): DeclaredRecord {
  return {
    id: uuidv7(),
    source: { app: 'generic', kind: 'file', url: 'https://example.org/big.bin', sourceId: `big-${Math.random()}` },
    title: 'Big file',
    metadata: {},
    classification: {},
    tags: [],
    fields: {},
    content: [
      {
        role: 'primary',
        name: 'big.bin',
        mimeType: 'application/octet-stream',
        size: bytes.byteLength,
        sha256: hex(bytes),
      },
    ],
    declaredAt: new Date().toISOString(),
  };
}

/** A tus server in memory that can drop the connection after a number of PATCHes. */
function fakeTus(options: { failAfterPatches?: number; keepOnFailure?: number } = {}) {
  const uploads = new Map<string, { length: number; bytes: Uint8Array[]; received: number }>();
  const log: string[] = [];
  let patches = 0;
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    log.push(
      `${request.method} ${url.pathname}${request.headers.get('upload-offset') ? ` @${request.headers.get('upload-offset')}` : ''}`,
    );
    if (request.method === 'POST' && url.pathname.endsWith('/uploads')) {
      const id = `00000000-0000-4000-8000-${String(uploads.size).padStart(12, '0')}`;
      uploads.set(id, { length: Number(request.headers.get('upload-length')), bytes: [], received: 0 });
      return new Response(null, { status: 201, headers: { Location: `/api/v1/uploads/${id}` } });
    }
    const upload = uploads.get(url.pathname.split('/').pop()!);
    if (request.method === 'HEAD') {
      return upload
        ? new Response(null, { status: 200, headers: { 'Upload-Offset': String(upload.received) } })
        : new Response(null, { status: 404 });
    }
    if (request.method === 'PATCH' && upload) {
      if (Number(request.headers.get('upload-offset')) !== upload.received) return new Response(null, { status: 409 });
      const body = new Uint8Array(await request.arrayBuffer());
      patches += 1;
      if (options.failAfterPatches !== undefined && patches > options.failAfterPatches) {
        // The connection drops: the server kept part of the body.
        const kept = body.subarray(0, options.keepOnFailure ?? 0);
        upload.bytes.push(kept);
        upload.received += kept.byteLength;
        options.failAfterPatches = undefined;
        throw new TypeError('network connection lost');
      }
      upload.bytes.push(body);
      upload.received += body.byteLength;
      return new Response(null, { status: 204, headers: { 'Upload-Offset': String(upload.received) } });
    }
    if (request.method === 'POST' && url.pathname.endsWith('/records')) {
      const form = await request.formData();
      const record = JSON.parse(String(form.get('record'))) as DeclaredRecord;
      return Response.json(
        {
          id: record.id,
          url: `http://x/records/${record.id}`,
          receivedAt: new Date().toISOString(),
          content: record.content.map(({ name, sha256, size }) => ({ name, sha256, size })),
        },
        { status: 201 },
      );
    }
    return new Response(null, { status: 404 });
  }) as typeof fetch;
  const assembled = (id: string) => Buffer.concat(uploads.get(id)!.bytes);
  return { fetchImpl, log, assembled };
}

describe('resumable upload client', () => {
  it('resumes from the offset HEAD reports after the connection dropped mid-part', async () => {
    const bytes = new Uint8Array(randomBytes(1000));
    const record = recordFor(bytes);
    const tus = fakeTus({ failAfterPatches: 2, keepOnFailure: 37 });
    const connection = { repositoryUrl: 'http://repo.test', token: 't', fetch: tus.fetchImpl };
    const store = memoryUploadStore();
    const reads: number[] = [];
    const first = await sendRecord(connection, record, [partOf(bytes, 100, reads)], store, { threshold: 10 }).catch(
      (e: unknown) => e,
    );
    expect(first).toBeInstanceOf(RepositoryError);
    expect((first as RepositoryError).kind).toBe('retry');
    expect(await store.get(0)).toEqual({ url: expect.stringContaining('/api/v1/uploads/'), offset: 200 });

    const receipt = await sendRecord(connection, record, [partOf(bytes, 100, reads)], store, { threshold: 10 });
    expect(receipt.content[0]!.sha256).toBe(record.content[0]!.sha256);
    const id = new URL((await store.get(0))!.url).pathname.split('/').pop()!;
    expect(hex(tus.assembled(id))).toBe(record.content[0]!.sha256);
    // The second attempt asked where the server stood and sent only the rest: from 237, not from 0 or 200.
    const resumed = tus.log.slice(tus.log.indexOf('POST /api/v1/uploads') + 4);
    expect(resumed[0]).toBe(`HEAD /api/v1/uploads/${id}`);
    expect(resumed[1]).toBe(`PATCH /api/v1/uploads/${id} @237`);
    expect(tus.log.filter((line) => line.startsWith('POST /api/v1/uploads'))).toHaveLength(1);
    // One chunk in memory at a time: chunk 2 read twice (the dropped PATCH and its resumption), no others again.
    expect(reads).toEqual([0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('starts a new upload when the server no longer knows the saved one', async () => {
    const bytes = new Uint8Array(randomBytes(300));
    const tus = fakeTus();
    const store = memoryUploadStore();
    await store.save(0, { url: 'http://repo.test/api/v1/uploads/00000000-0000-4000-8000-999999999999', offset: 100 });
    const connection = { repositoryUrl: 'http://repo.test', token: 't', fetch: tus.fetchImpl };
    await sendRecord(connection, recordFor(bytes), [partOf(bytes, 128)], store, { threshold: 10 });
    expect(tus.log.slice(0, 3)).toEqual([
      'HEAD /api/v1/uploads/00000000-0000-4000-8000-999999999999',
      'POST /api/v1/uploads',
      'PATCH /api/v1/uploads/00000000-0000-4000-8000-000000000000 @0',
    ]);
  });
});

describe('resumable upload against the reference server', () => {
  let server: RunningServer;
  let dataDir: string;
  let token: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'rk-upload-client-'));
    server = await startServer({ port: 0, dataDir });
    token = await server.createToken('ann');
  });
  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('uploads a large part in chunks, refers to it, and gets the same receipt on a retry', async () => {
    const bytes = new Uint8Array(randomBytes(3 * 1024 * 1024 + 17));
    const record = recordFor(bytes);
    const connection = { repositoryUrl: server.url, token };
    const store = memoryUploadStore();
    let progress = 0;
    const receipt = await sendRecord(connection, record, [partOf(bytes, 1024 * 1024)], store, {
      threshold: 1024 * 1024,
      onProgress: async () => {
        progress += 1;
      },
    });
    expect(progress).toBe(4);
    expect(receipt.content).toEqual([{ name: 'big.bin', sha256: hex(bytes), size: bytes.byteLength }]);
    const again = await sendRecord(connection, record, [partOf(bytes, 1024 * 1024)], store, { threshold: 1024 * 1024 });
    expect(again).toEqual(receipt);
  });

  it('asks for attention when the stored bytes do not match the record', async () => {
    const bytes = new Uint8Array(randomBytes(2 * 1024 * 1024));
    const record = recordFor(bytes);
    bytes[0] = bytes[0]! ^ 1;
    const error = await sendRecord(
      { repositoryUrl: server.url, token },
      record,
      [partOf(bytes, 1024 * 1024)],
      memoryUploadStore(),
      { threshold: 1024 },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'attention', status: 422 });
    expect((error as Error).message).toMatch(/nothing was kept/);
  });
});
