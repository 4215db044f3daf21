import { openDB } from 'idb';
import { beforeEach, describe, expect, it } from 'vitest';
import { declare } from '../declaring/declare';
import { EMPTY_PRESETS } from '../presets/schema';
import type { DeclaredRecord } from '../records/record';
import { uuidv7 } from '../records/uuidv7';
import { notifyAttention, outboxBadge, outboxCounts } from './attention';
import { type OutboxDb, openOutbox } from './db';
import { discardRow, listAudit, retryRow } from './manage';
import {
  asBuffer,
  attentionPending,
  contentOf,
  deliveryProgress,
  dueRows,
  enqueue,
  markOffline,
  markSynced,
  markSyncedMany,
  nextDueAt,
  offlineProbe,
  QUOTA_MESSAGE,
  readContent,
  SENDING_STALE_MS,
  saveDeliveryProgress,
  stageChunk,
  startSendingMany,
  updateRow,
  wakeOffline,
} from './outbox';

let db: OutboxDb;
const t0 = Date.parse('2026-11-23T10:00:00Z');

function record(parts: number, at = t0): DeclaredRecord {
  return {
    id: uuidv7(at),
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
    declaredAt: new Date(at).toISOString(),
  };
}

const receipt = (id: string) => ({
  id,
  url: `http://x/records/${id}`,
  receivedAt: new Date(t0).toISOString(),
  content: [],
});

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

  it('stores a large part as chunks and reads it back one chunk at a time', async () => {
    const r = record(2);
    const big = Uint8Array.from({ length: 10 }, (_, i) => i).buffer;
    await enqueue(db, r, [new Uint8Array([9]).buffer, big], t0, 4);
    expect(await db.count('chunks')).toBe(3);
    const row = (await db.get('records', r.id))!;
    const [small, large] = await contentOf(db, row);
    expect(small).toMatchObject({ size: 1, chunks: 1 });
    expect(large).toMatchObject({ size: 10, chunks: 3, chunkSize: 4 });
    expect([...new Uint8Array(await asBuffer(await large!.chunk(2)))]).toEqual([8, 9]);
    expect([...new Uint8Array((await readContent(db, row))[1]!)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('takes a part captured chunk by chunk before its record existed', async () => {
    const r = record(1);
    await stageChunk(db, 'capture-1', 0, 0, new Uint8Array([1, 2]).buffer);
    await stageChunk(db, 'capture-1', 0, 1, new Uint8Array([3]).buffer);
    await enqueue(db, r, [{ staged: 'capture-1', size: 3, chunks: 2, chunkSize: 2 }], t0);
    const row = (await db.get('records', r.id))!;
    expect([...new Uint8Array((await readContent(db, row))[0]!)]).toEqual([1, 2, 3]);
    await markSynced(db, r.id, receipt(r.id), t0);
    expect(await db.count('chunks')).toBe(0);
  });

  it('releases staged chunks from the keys its send started with, without reading the content back', async () => {
    const [staged, inline] = [record(1), record(1, t0 + 1)];
    await stageChunk(db, 'capture-1', 0, 0, new Uint8Array([1, 2]).buffer);
    await enqueue(db, staged, [{ staged: 'capture-1', size: 2, chunks: 1, chunkSize: 2 }], t0);
    await enqueue(db, inline, [new ArrayBuffer(1)], t0);
    const started = await startSendingMany(db, [staged.id, inline.id], t0 + 1);
    const keys = started.map((s) => (s instanceof Error ? s : s.staged));
    expect(keys).toEqual([['capture-1'], []]);
    const marked = await markSyncedMany(
      db,
      [
        { id: staged.id, receipt: receipt(staged.id), staged: ['capture-1'] },
        { id: inline.id, receipt: receipt(inline.id), staged: [] },
      ],
      t0 + 2,
    );
    expect(marked).toEqual([true, true]);
    expect([await db.count('chunks'), await db.count('content')]).toEqual([0, 0]);
    expect((await db.getAll('records')).map((row) => row.state)).toEqual(['synced', 'synced']);
  });

  it('hands a record stuck in sending to the next drain once its sender is presumed stopped', async () => {
    const r = record(1);
    await enqueue(db, r, [new ArrayBuffer(1)], t0);
    await updateRow(db, r.id, { state: 'sending' }, t0);
    expect(await dueRows(db, t0 + 1000)).toEqual([]);
    expect((await dueRows(db, t0 + SENDING_STALE_MS)).map((row) => row.id)).toEqual([r.id]);
  });

  it('releases only the synced record’s content, chunks and upload state, and keeps the receipt', async () => {
    const a = record(1);
    const b = record(1, t0 + 1);
    await enqueue(db, a, [new ArrayBuffer(10)], t0, 4);
    await enqueue(db, b, [new ArrayBuffer(10)], t0, 4);
    const upload = { connector: 'records-api', parts: { 0: { checkpoint: { url: 'http://x/u/1', offset: 4 } } } };
    await saveDeliveryProgress(db, a.id, upload, t0);
    await saveDeliveryProgress(db, b.id, upload, t0);
    await markSynced(db, a.id, receipt(a.id), t0);
    expect(await db.count('content')).toBe(1);
    expect(await db.count('chunks')).toBe(3);
    expect(await deliveryProgress(db, a.id)).toBeUndefined();
    expect(await deliveryProgress(db, b.id)).toEqual(upload);
    expect(await db.get('records', a.id)).toMatchObject({ state: 'synced', receipt: { id: a.id } });
    expect(await dueRows(db, t0)).toHaveLength(1);
  });

  it('marks several records synced in one transaction, and a row that is gone spoils none of the others', async () => {
    const [a, b, c] = [record(1), record(1, t0 + 1), record(1, t0 + 2)];
    for (const r of [a, b, c]) await enqueue(db, r, [new ArrayBuffer(10)], t0, 4);
    await db.delete('records', b.id);
    const marked = await markSyncedMany(
      db,
      [a, b, c].map((r) => ({ id: r.id, receipt: receipt(r.id) })),
      t0 + 5,
    );
    expect(marked).toEqual([true, false, true]);
    for (const r of [a, c]) expect(await db.get('records', r.id)).toMatchObject({ state: 'synced', updatedAt: t0 + 5 });
    expect((await db.getAll('content')).map((part) => part.recordId)).toEqual([b.id]);
    expect((await listAudit(db)).filter((line) => line.action === 'synced')).toHaveLength(2);
    await expect(markSynced(db, b.id, receipt(b.id), t0)).rejects.toThrow(/is gone/);
  });

  it('starts several sends in one transaction, each with its own answer', async () => {
    const [a, b] = [record(1), record(1, t0 + 1)];
    for (const r of [a, b]) await enqueue(db, r, [new ArrayBuffer(3)], t0);
    const [startedA, gone, startedB] = await startSendingMany(db, [a.id, 'nobody', b.id], t0 + 9);
    expect(startedA).toMatchObject({ row: { id: a.id, state: 'sending', attempts: 1, updatedAt: t0 + 9 } });
    expect(startedB).toMatchObject({ row: { id: b.id, state: 'sending', attempts: 1 } });
    expect(gone).toBeInstanceOf(Error);
    expect(await db.get('records', b.id)).toMatchObject({ state: 'sending', attempts: 1 });
  });
});

describe('storage pressure', () => {
  /** The outbox with a disk that is full: every write fails as Chrome fails it. */
  function fullDisk(real: OutboxDb): OutboxDb {
    const quota = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    return new Proxy(real, {
      get(target, key) {
        if (key !== 'transaction') return Reflect.get(target, key);
        return (...args: Parameters<OutboxDb['transaction']>) => {
          const tx = target.transaction(...args);
          tx.done.catch(() => undefined);
          tx.abort();
          const failing = Promise.reject(quota());
          failing.catch(() => undefined);
          return new Proxy(tx, {
            get(t, k) {
              if (k === 'done') return failing;
              if (k === 'error') return quota();
              if (k === 'objectStore')
                return () => ({ add: () => Promise.reject(quota()), put: () => Promise.reject(quota()) });
              return Reflect.get(t, k);
            },
          });
        };
      },
    });
  }

  it('reports a full disk as what to do, and stores nothing', async () => {
    await expect(enqueue(fullDisk(db), record(1), [new ArrayBuffer(1)], t0)).rejects.toThrow(QUOTA_MESSAGE);
    expect(QUOTA_MESSAGE).toMatch(
      /^Not enough storage to keep this declaration: free some space.*Nothing was declared\.$/,
    );
    expect(await db.count('records')).toBe(0);
    expect(await db.count('content')).toBe(0);
  });

  it('tells the user before "Declared" is ever shown', async () => {
    const result = await declare(
      {
        detection: {
          source: { app: 'generic', kind: 'page', url: 'https://example.org/', sourceId: 'https://example.org/' },
          title: 'Example',
          metadata: {},
          capture: { parts: [{ source: 'snapshot', name: 'page.html', role: 'primary' }] },
          via: 'test',
        },
        title: 'Example',
        tags: [],
        fields: {},
        metadataOnly: false,
      },
      {
        db: fullDisk(db),
        presets: EMPTY_PRESETS,
        now: () => new Date(t0),
        captureInTab: async () => ({ ok: true, base64: btoa('<p>hi</p>'), mimeType: 'text/html' }),
        streamInTab: async () => ({ ok: false, error: 'no downloads here' }),
      },
    );
    expect(result).toEqual({ ok: false, error: QUOTA_MESSAGE, canDeclareMetadataOnly: false });
  });
});

describe('migration', () => {
  it('keeps version 1 rows and content, and they can be sent', async () => {
    const name = `outbox-v1-${Math.random()}`;
    const r = record(1);
    const v1 = await openDB(name, 1, {
      upgrade(old) {
        old.createObjectStore('records', { keyPath: 'id' }).createIndex('byState', 'state');
        old.createObjectStore('content', { keyPath: ['recordId', 'index'] });
        old.createObjectStore('meta');
      },
    });
    await v1.put('records', {
      id: r.id,
      record: r,
      state: 'retrying',
      attempts: 2,
      nextAttemptAt: t0,
      createdAt: t0,
      updatedAt: t0,
    });
    await v1.put('content', { recordId: r.id, index: 0, bytes: new Uint8Array([7]).buffer });
    v1.close();

    const v2 = await openOutbox(name);
    expect(v2.version).toBe(5);
    expect([...v2.objectStoreNames].sort()).toEqual(['audit', 'chunks', 'content', 'delivery', 'meta', 'records']);
    const row = (await v2.get('records', r.id))!;
    expect(row).toMatchObject({ state: 'retrying', attempts: 2 });
    expect([...new Uint8Array((await readContent(v2, row))[0]!)]).toEqual([7]);
    expect((await dueRows(v2, t0)).map((due) => due.id)).toEqual([r.id]);
    // Version 4: the indexes cover rows of every earlier version, and a row of theirs may wait offline.
    expect(await nextDueAt(v2)).toBe(t0);
    expect(await v2.get('meta', 'offline')).toEqual({ at: 0 });
  });
});

describe('retry, discard and the audit trail', () => {
  it('retries a record that needs attention, and writes an audit line', async () => {
    const r = record(1);
    await enqueue(db, r, [new ArrayBuffer(1)], t0);
    await updateRow(db, r.id, { state: 'needs-attention', attempts: 3, lastError: 'field missing' }, t0);
    const row = await retryRow(db, r.id, t0 + 5);
    expect(row).toMatchObject({ state: 'queued', attempts: 0, nextAttemptAt: t0 + 5 });
    expect((await dueRows(db, t0 + 5)).map((due) => due.id)).toEqual([r.id]);
    expect((await listAudit(db)).map((line) => [line.action, line.detail])).toEqual([
      ['retried', 'field missing'],
      ['declared', 'Example'],
    ]);
  });

  it('leaves a synced record alone', async () => {
    const r = record(1);
    await enqueue(db, r, [new ArrayBuffer(1)], t0);
    await markSynced(db, r.id, receipt(r.id), t0);
    expect(await retryRow(db, r.id, t0)).toMatchObject({ state: 'synced' });
    expect(await discardRow(db, r.id, t0)).toBe(false);
    expect(await db.get('records', r.id)).toBeDefined();
  });

  it('discards a record with its content and keeps an audit line saying what it was', async () => {
    const r = record(1);
    await enqueue(db, r, [new ArrayBuffer(10)], t0, 4);
    await updateRow(db, r.id, { state: 'needs-attention', lastError: 'rejected (422)' }, t0);
    expect(await discardRow(db, r.id, t0 + 1)).toBe(true);
    expect(await db.count('records')).toBe(0);
    expect(await db.count('content')).toBe(0);
    expect(await db.count('chunks')).toBe(0);
    const [line] = await listAudit(db);
    expect(line).toMatchObject({ at: t0 + 1, recordId: r.id, action: 'discarded' });
    expect(line!.detail).toContain('"Example"');
    expect(line!.detail).toContain('rejected (422)');
    expect(await discardRow(db, 'nothing', t0)).toBe(false);
  });
});

describe('what the user sees', () => {
  it('counts waiting and needing-attention records for the badge', async () => {
    const [a, b, c] = [record(1, t0), record(1, t0 + 1), record(1, t0 + 2)];
    for (const r of [a, b, c]) await enqueue(db, r, [new ArrayBuffer(1)], t0);
    await updateRow(db, b.id, { state: 'needs-attention' }, t0);
    await markSynced(db, c.id, receipt(c.id), t0);
    const counts = await outboxCounts(db);
    expect(counts).toEqual({ waiting: 1, needsAttention: 1 });
    expect(outboxBadge(counts)).toMatchObject({ text: '!1' });
    expect(outboxBadge({ waiting: 3, needsAttention: 0 })).toMatchObject({ text: '3' });
    expect(outboxBadge({ waiting: 0, needsAttention: 0 }).text).toBe('');
  });

  it('notifies once per record that needs attention', async () => {
    const [a, b] = [record(1, t0), record(1, t0 + 1)];
    for (const r of [a, b]) await enqueue(db, r, [new ArrayBuffer(1)], t0);
    await updateRow(db, a.id, { state: 'needs-attention', lastError: 'field caseNumber must look like HR-1234' }, t0);
    const notices: string[] = [];
    const notify = (notice: { message: string }) => void notices.push(notice.message);
    await notifyAttention(db, notify, t0);
    await notifyAttention(db, notify, t0);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('HR-1234');
    await updateRow(db, b.id, { state: 'needs-attention', lastError: 'bad' }, t0);
    await notifyAttention(db, notify, t0);
    expect(notices).toHaveLength(2);
    // Retried and refused again: the user hears about it again.
    await retryRow(db, a.id, t0);
    await updateRow(db, a.id, { state: 'needs-attention', lastError: 'still bad' }, t0);
    await notifyAttention(db, notify, t0);
    expect(notices[2]).toContain('still bad');
  });
});

describe('what the drain reads, whatever the history (issue 15 item 4)', () => {
  it('reads only the due rows, finds the next retry from the index, and wakes offline rows only when marked', async () => {
    const later = record(1, t0 + 1);
    const soon = record(1, t0 + 2);
    const fresh = record(1, t0 + 3);
    for (const r of [later, soon, fresh]) await enqueue(db, r, [new ArrayBuffer(1)], t0);
    await updateRow(db, later.id, { state: 'retrying', nextAttemptAt: t0 + 60_000, offline: true }, t0);
    await updateRow(db, soon.id, { state: 'retrying', nextAttemptAt: t0 + 5_000, offline: true }, t0);
    expect((await dueRows(db, t0)).map((row) => row.id)).toEqual([fresh.id]);
    expect((await dueRows(db, t0 + 5_000)).map((row) => row.id)).toEqual([soon.id, fresh.id]);
    expect(await nextDueAt(db)).toBe(t0 + 5_000);
    // No mark, no scan: nothing is woken and no probe is offered.
    expect(await wakeOffline(db, t0)).toBe(0);
    expect(await offlineProbe(db)).toBeUndefined();
    await markOffline(db, t0);
    expect((await offlineProbe(db))?.id).toBe(later.id);
    expect(await wakeOffline(db, t0)).toBe(2);
    expect((await dueRows(db, t0)).map((row) => row.id)).toEqual([later.id, soon.id, fresh.id]);
    // The mark is spent with the wake.
    expect(await db.get('meta', 'offline')).toBeUndefined();
  });

  it('offers the oldest offline row as the probe, past older rows the server told to wait', async () => {
    const rows = [record(1, t0 + 1), record(1, t0 + 2), record(1, t0 + 3), record(1, t0 + 4)];
    // Enqueued newest first: the probe follows the ids' time, not the order the rows were written.
    for (const r of [...rows].reverse()) await enqueue(db, r, [new ArrayBuffer(1)], t0);
    const [throttled, failed, oldestOffline, offline] = rows;
    await updateRow(db, throttled!.id, { state: 'retrying', nextAttemptAt: t0 + 60_000 }, t0);
    await updateRow(db, failed!.id, { state: 'retrying', nextAttemptAt: t0 + 60_000, offline: false }, t0);
    await updateRow(db, offline!.id, { state: 'retrying', nextAttemptAt: t0 + 60_000, offline: true }, t0);
    await updateRow(db, oldestOffline!.id, { state: 'retrying', nextAttemptAt: t0 + 60_000, offline: true }, t0);
    await markOffline(db, t0);
    expect((await offlineProbe(db))?.id).toBe(oldestOffline!.id);
    await updateRow(db, oldestOffline!.id, { state: 'synced' }, t0);
    expect((await offlineProbe(db))?.id).toBe(offline!.id);
    await updateRow(db, offline!.id, { offline: false }, t0);
    expect(await offlineProbe(db)).toBeUndefined();
  });

  it('tells whether a row needing attention is not yet notified from counts alone', async () => {
    const r = record(1);
    await enqueue(db, r, [new ArrayBuffer(1)], t0);
    expect(await attentionPending(db)).toBe(false);
    await updateRow(db, r.id, { state: 'needs-attention', lastError: 'refused' }, t0);
    expect(await attentionPending(db)).toBe(true);
    await notifyAttention(db, () => undefined, t0);
    expect(await attentionPending(db)).toBe(false);
    await retryRow(db, r.id, t0);
    await updateRow(db, r.id, { state: 'needs-attention', lastError: 'refused again' }, t0);
    expect(await attentionPending(db)).toBe(true);
  });
});
