import { createHash, randomBytes } from 'node:crypto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { fakeRecordsApi } from '../../tests/fakes/records-api';
import { fileRecord } from '../../tests/support/records';
import { memoryCredentials } from '../connectors/memory';
import { recordsApiConnector } from '../connectors/records-api/connector';
import { openOutbox } from '../outbox/db';
import { deliveryProgress, getRow } from '../outbox/outbox';
import type { DeclaredRecord } from '../records/record';
import { drain } from './drain';

const hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** An outbox as version 2 left it: a record of 1,000 bytes in 100-byte chunks, its upload 237 bytes in. */
async function outboxV2(name: string, record: DeclaredRecord, bytes: Uint8Array, uploadUrl: string) {
  const v2 = await openDB(name, 2, {
    upgrade(db) {
      db.createObjectStore('records', { keyPath: 'id' }).createIndex('byState', 'state');
      db.createObjectStore('content', { keyPath: ['recordId', 'index'] });
      db.createObjectStore('meta');
      db.createObjectStore('chunks', { keyPath: ['recordId', 'part', 'chunk'] });
      db.createObjectStore('uploads', { keyPath: ['recordId', 'part'] });
      db.createObjectStore('audit', { autoIncrement: true }).createIndex('byRecord', 'recordId');
    },
  });
  const t0 = Date.now();
  await v2.put('records', {
    id: record.id,
    record,
    state: 'retrying',
    attempts: 1,
    nextAttemptAt: t0,
    createdAt: t0,
    updatedAt: t0,
  });
  await v2.put('content', { recordId: record.id, index: 0, size: 1000, chunks: 10, chunkSize: 100 });
  for (let c = 0; c < 10; c++) {
    await v2.put('chunks', {
      recordId: record.id,
      part: 0,
      chunk: c,
      bytes: bytes.slice(c * 100, (c + 1) * 100).buffer,
    });
  }
  await v2.put('uploads', { recordId: record.id, part: 0, url: uploadUrl, offset: 200, updatedAt: t0 });
  v2.close();
}

describe('outbox version 3', () => {
  it('resumes an upload that version 2 left in flight, from where the repository stands', async () => {
    const bytes = new Uint8Array(randomBytes(1000));
    const record = fileRecord(1000, hex(bytes), 'big');
    const id = '00000000-0000-4000-8000-000000000777';
    const name = `outbox-v2-${Math.random()}`;
    await outboxV2(name, record, bytes, `http://repo.test/api/v1/uploads/${id}`);
    const repository = fakeRecordsApi();
    // The repository got 237 bytes before the worker stopped (more than the 200 it confirmed).
    repository.seed(id, 1000, bytes.slice(0, 237));

    const db = await openOutbox(name);
    expect(await deliveryProgress(db, record.id)).toEqual({
      connector: 'records-api',
      parts: { 0: { checkpoint: { url: `http://repo.test/api/v1/uploads/${id}`, offset: 200 } } },
    });
    const connector = recordsApiConnector(
      { url: 'http://repo.test' },
      { fetch: repository.fetchImpl, now: Date.now, credentials: memoryCredentials({ token: 't' }) },
      { threshold: 10 },
    );
    expect(await drain({ db, connector, now: Date.now, owner: 'a' })).toMatchObject({ synced: 1 });
    expect(repository.log.slice(0, 2)).toEqual([`HEAD /api/v1/uploads/${id}`, `PATCH /api/v1/uploads/${id} @237`]);
    expect(repository.log.some((line) => line === 'POST /api/v1/uploads')).toBe(false);
    expect(hex(repository.assembled(id))).toBe(record.content[0]!.sha256);
    expect((await getRow(db, record.id))?.state).toBe('synced');
    expect(await deliveryProgress(db, record.id)).toBeUndefined();
  });
});
