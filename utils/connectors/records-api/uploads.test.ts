// @vitest-environment node
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fakeRecordsApi as fakeTus } from '../../../tests/fakes/records-api';
import { fileRecord } from '../../../tests/support/records';
import { referenceRepository } from '../../../tests/support/server';
import type { DeclaredRecord, Receipt } from '../../records/record';
import { ConnectorError, type PartSource } from '../connector';
import { deliver } from '../deliver';
import { type MemoryProgress, memoryCredentials, memoryProgress } from '../memory';
import { recordsApiConnector } from './connector';

interface Connection {
  repositoryUrl: string;
  token: string;
  fetch?: typeof fetch;
}

/** One drain attempt: the record through the seam, resuming from `store`, parts over `threshold` uploaded. */
function sendRecord(
  { repositoryUrl, token, fetch: fetchImpl }: Connection,
  record: DeclaredRecord,
  parts: PartSource[],
  store: MemoryProgress,
  { threshold }: { threshold: number },
): Promise<Receipt> {
  const connector = recordsApiConnector(
    { url: repositoryUrl },
    { fetch: fetchImpl ?? fetch, now: Date.now, credentials: memoryCredentials({ token }) },
    { threshold },
  );
  return deliver(connector, record, parts, store);
}

/** The checkpoint (`{ url, offset }`) or reference (`{ kind: 'upload', url }`) saved for part 0. */
const savedPart = (store: MemoryProgress) => store.peek()?.parts[0];

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
  return fileRecord(bytes.byteLength, hex(bytes), `big-${Math.random()}`);
}

describe('resumable upload client', () => {
  it('resumes from the offset HEAD reports after the connection dropped mid-part', async () => {
    const bytes = new Uint8Array(randomBytes(1000));
    const record = recordFor(bytes);
    const tus = fakeTus({ failAfterPatches: 2, keepOnFailure: 37 });
    const connection = { repositoryUrl: 'http://repo.test', token: 't', fetch: tus.fetchImpl };
    const store = memoryProgress();
    const reads: number[] = [];
    const first = await sendRecord(connection, record, [partOf(bytes, 100, reads)], store, { threshold: 10 }).catch(
      (e: unknown) => e,
    );
    expect(first).toBeInstanceOf(ConnectorError);
    expect((first as ConnectorError).kind).toBe('retryable');
    expect(savedPart(store)?.checkpoint).toEqual({ url: expect.stringContaining('/api/v1/uploads/'), offset: 200 });

    const receipt = await sendRecord(connection, record, [partOf(bytes, 100, reads)], store, { threshold: 10 });
    expect(receipt.content[0]!.sha256).toBe(record.content[0]!.sha256);
    const id = new URL((savedPart(store)!.ref as { url: string }).url).pathname.split('/').pop()!;
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
    const store = memoryProgress({
      connector: 'records-api',
      parts: {
        0: { checkpoint: { url: 'http://repo.test/api/v1/uploads/00000000-0000-4000-8000-999999999999', offset: 100 } },
      },
    });
    const connection = { repositoryUrl: 'http://repo.test', token: 't', fetch: tus.fetchImpl };
    await sendRecord(connection, recordFor(bytes), [partOf(bytes, 128)], store, { threshold: 10 });
    expect(tus.log.slice(0, 3)).toEqual([
      'HEAD /api/v1/uploads/00000000-0000-4000-8000-999999999999',
      'POST /api/v1/uploads',
      'PATCH /api/v1/uploads/00000000-0000-4000-8000-000000000000 @0',
    ]);
  });
});

describe('the token goes only where it was issued (issue 10 item 8)', () => {
  it('does not resume a saved upload on another origin: it starts anew on the repository, sending nothing there', async () => {
    const bytes = new Uint8Array(randomBytes(300));
    const tus = fakeTus();
    const store = memoryProgress({
      connector: 'records-api',
      parts: { 0: { checkpoint: { url: 'https://collector.evil.example/api/v1/uploads/1', offset: 100 } } },
    });
    const connection = { repositoryUrl: 'http://repo.test', token: 'rk_secret', fetch: tus.fetchImpl };
    await sendRecord(connection, recordFor(bytes), [partOf(bytes, 128)], store, { threshold: 10 });
    expect(tus.tokens.every(({ line }) => line.includes('http://repo.test/'))).toBe(true);
    expect(tus.log[0]).toBe('POST /api/v1/uploads');
  });

  it('refuses an upload Location on another origin, and never sends the token or a byte there', async () => {
    const bytes = new Uint8Array(randomBytes(300));
    const tus = fakeTus({ location: (id) => `https://collector.evil.example/api/v1/uploads/${id}` });
    const connection = { repositoryUrl: 'http://repo.test', token: 'rk_secret', fetch: tus.fetchImpl };
    const error = await sendRecord(connection, recordFor(bytes), [partOf(bytes, 128)], memoryProgress(), {
      threshold: 10,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'permanent', message: expect.stringContaining('collector.evil.example') });
    expect(tus.tokens.map(({ line }) => line)).toEqual(['POST http://repo.test/api/v1/uploads']);
  });
});

describe('resumable upload against the reference server', { timeout: 180_000 }, () => {
  const repository = referenceRepository('rk-upload-client-');

  it('uploads a large part in chunks, refers to it, and gets the same receipt on a retry', async () => {
    const bytes = new Uint8Array(randomBytes(3 * 1024 * 1024 + 17));
    const record = recordFor(bytes);
    const connection = { repositoryUrl: repository.server.url, token: repository.token };
    const store = memoryProgress();
    const receipt = await sendRecord(connection, record, [partOf(bytes, 1024 * 1024)], store, {
      threshold: 1024 * 1024,
    });
    // Saved after the upload was created, after each of the four confirmed PATCHes, and once it was complete.
    expect(store.saves()).toBe(6);
    expect(receipt.content).toEqual([{ name: 'big.bin', sha256: hex(bytes), size: bytes.byteLength }]);
    const again = await sendRecord(connection, record, [partOf(bytes, 1024 * 1024)], store, { threshold: 1024 * 1024 });
    expect(again).toEqual(receipt);
  });

  it('asks for attention when the stored bytes do not match the record', async () => {
    const bytes = new Uint8Array(randomBytes(2 * 1024 * 1024));
    const record = recordFor(bytes);
    bytes[0] = bytes[0]! ^ 1;
    const error = await sendRecord(
      { repositoryUrl: repository.server.url, token: repository.token },
      record,
      [partOf(bytes, 1024 * 1024)],
      memoryProgress(),
      { threshold: 1024 },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'permanent', status: 422 });
    expect((error as Error).message).toMatch(/nothing was kept/);
  });
});
