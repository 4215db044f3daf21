import { beforeEach, describe, expect, it } from 'vitest';
import type { DeclaredRecord } from '../records/record';
import { uuidv7 } from '../records/uuidv7';
import { type OutboxDb, openOutbox } from './db';
import { dueRows, enqueue, markSynced, readContent, SENDING_STALE_MS, updateRow } from './outbox';

let db: OutboxDb;
const t0 = Date.parse('2026-11-23T10:00:00Z');

function record(parts: number): DeclaredRecord {
  return {
    id: uuidv7(t0),
    source: { app: 'generic', kind: 'page', url: 'https://example.org/', sourceId: 'https://example.org/' },
    title: 'Example',
    metadata: {},
    classification: {},
    tags: [],
    fields: {},
    content: Array.from({ length: parts }, (_, i) => ({
      role: 'primary' as const,
      name: `part-${i}.bin`,
      mimeType: 'application/octet-stream',
      size: 1,
      sha256: 'b'.repeat(64),
    })),
    declaredAt: new Date(t0).toISOString(),
  };
}

beforeEach(async () => {
  db = await openOutbox(`outbox-${Math.random()}`);
});

describe('outbox', () => {
  it('stores nothing when the content does not match the record', async () => {
    await expect(enqueue(db, record(2), [new ArrayBuffer(1)], t0)).rejects.toThrow('2 content parts but 1');
    expect(await db.count('records')).toBe(0);
    expect(await db.count('content')).toBe(0);
  });

  it('never stores the same record twice', async () => {
    const r = record(1);
    await enqueue(db, r, [new ArrayBuffer(1)], t0);
    await expect(enqueue(db, r, [new ArrayBuffer(1)], t0)).rejects.toThrow();
    expect(await db.count('records')).toBe(1);
  });

  it('keeps content parts in order', async () => {
    const r = record(3);
    await enqueue(
      db,
      r,
      [0, 1, 2].map((n) => new Uint8Array([n]).buffer),
      t0,
    );
    const row = (await db.get('records', r.id))!;
    expect((await readContent(db, row)).map((b) => new Uint8Array(b)[0])).toEqual([0, 1, 2]);
  });

  it('hands a record stuck in sending to the next drain once its sender is presumed stopped', async () => {
    const r = record(1);
    await enqueue(db, r, [new ArrayBuffer(1)], t0);
    await updateRow(db, r.id, { state: 'sending' }, t0);
    expect(await dueRows(db, t0 + 1000)).toEqual([]);
    expect((await dueRows(db, t0 + SENDING_STALE_MS)).map((row) => row.id)).toEqual([r.id]);
  });

  it('releases only the synced record’s content', async () => {
    const a = record(1);
    const b = { ...record(1), id: uuidv7(t0 + 1) };
    await enqueue(db, a, [new ArrayBuffer(1)], t0);
    await enqueue(db, b, [new ArrayBuffer(1)], t0);
    await markSynced(
      db,
      a.id,
      { id: a.id, url: 'http://x/records/a', receivedAt: new Date(t0).toISOString(), content: [] },
      t0,
    );
    expect(await db.count('content')).toBe(1);
    expect((await db.get('records', a.id))?.state).toBe('synced');
    expect(await dueRows(db, t0)).toHaveLength(1);
  });
});
