import { openDB } from 'idb';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DeclaredRecord } from '../records/record';
import { uuidv7 } from '../records/uuidv7';
import { type OutboxDb, openOutbox, readTotal } from './db';
import { discardRow, retryRow } from './manage';
import { enqueue, getRow, markSynced, queuedRow, updateRow } from './outbox';
import { MAX_PAGE_ROWS, readPage } from './pages';

let db: OutboxDb;
const t0 = Date.parse('2026-11-23T10:00:00Z');

function record(n: number): DeclaredRecord {
  const at = t0 + n * 60_000;
  return {
    id: uuidv7(at),
    source: { app: 'gmail', kind: 'email', url: `https://mail.google.com/#inbox/${n}`, sourceId: `<m${n}@x.org>` },
    title: `Message ${n}`,
    metadata: {},
    classification: {},
    tags: [],
    fields: {},
    content: [],
    declaredAt: new Date(at).toISOString(),
  };
}

/** `count` rows declared a minute apart through the outbox's own functions; every fifth still waits. */
async function seed(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < count; n++) {
    const r = record(n);
    const at = t0 + n * 60_000;
    await enqueue(db, r, [], at);
    if (n % 5 === 0) await updateRow(db, r.id, { state: 'retrying', attempts: 2, lastError: 'HTTP 503' }, at + 1);
    else await markSynced(db, r.id, { id: r.id, url: `https://repo/r/${r.id}`, receivedAt: '', content: [] }, at + 1);
    ids.push(r.id);
  }
  return ids;
}

beforeEach(async () => {
  db = await openOutbox(`pages-${Math.random()}`);
});

describe('outbox pages', () => {
  it('reads one page at a time, newest first, with the total and each row’s audit lines', async () => {
    const ids = await seed(25);
    const first = await readPage(db, { offset: 0, limit: 10 });
    expect(first.total).toBe(25);
    expect(first.rows.map((r) => r.id)).toEqual(ids.slice(15).reverse());
    const last = await readPage(db, { offset: 20, limit: 10 });
    expect(last.rows.map((r) => r.title)).toEqual(['Message 4', 'Message 3', 'Message 2', 'Message 1', 'Message 0']);
    expect(last.rows[1]!.events.map((e) => e.action)).toEqual(['declared', 'synced']);
    expect(last.rows[1]!.receipt?.url).toMatch(/^https:\/\/repo\/r\//);
    expect((await readPage(db, { offset: 25, limit: 10 })).rows).toEqual([]);
  });

  it('pages over the rows still waiting only, newest first', async () => {
    const ids = await seed(25);
    const waiting = ids.filter((_, n) => n % 5 === 0).reverse();
    const page = await readPage(db, { offset: 1, limit: 3, pending: true });
    expect(page.total).toBe(5);
    expect(page.rows.map((r) => r.id)).toEqual(waiting.slice(1, 4));
    expect(page.rows.every((r) => r.state === 'retrying' && r.lastError === 'HTTP 503')).toBe(true);
  });

  it('searches titles, ids, states, errors and audit lines in any case, and pages the matches', async () => {
    const ids = await seed(25);
    await retryRow(db, ids[10]!, t0 + 3_600_000);
    expect((await readPage(db, { offset: 0, limit: 10, query: 'MESSAGE 1' })).rows.map((r) => r.title)).toEqual([
      'Message 19',
      'Message 18',
      'Message 17',
      'Message 16',
      'Message 15',
      'Message 14',
      'Message 13',
      'Message 12',
      'Message 11',
      'Message 10',
    ]);
    expect((await readPage(db, { offset: 10, limit: 10, query: 'message 1' })).rows.map((r) => r.title)).toEqual([
      'Message 1',
    ]);
    // "retried HTTP 503" is only in the audit line the retry wrote.
    const retried = await readPage(db, { offset: 0, limit: 10, query: 'retried http' });
    expect(retried.rows.map((r) => r.id)).toEqual([ids[10]]);
    expect(retried.rows[0]!.events.map((e) => e.action)).toEqual(['declared', 'retried']);
    expect((await readPage(db, { offset: 0, limit: 10, query: ids[3]!.toUpperCase() })).total).toBe(1);
    expect((await readPage(db, { offset: 0, limit: 10, query: '<m7@x.org>' })).rows[0]?.title).toBe('Message 7');
    expect((await readPage(db, { offset: 0, limit: 10, query: 'retrying', pending: true })).total).toBe(4);
    expect((await readPage(db, { offset: 0, limit: 10, query: '   ' })).total).toBe(25);
  });

  it('leaves discarded rows out and keeps the limit within bounds', async () => {
    const ids = await seed(5);
    expect(await discardRow(db, ids[0]!, t0)).toBe(true);
    expect((await readPage(db, { offset: 0, limit: 10 })).total).toBe(4);
    expect((await readPage(db, { offset: 0, limit: 10, pending: true })).total).toBe(0);
    expect((await readPage(db, { offset: -5, limit: 0 })).rows).toHaveLength(1);
    await seed(MAX_PAGE_ROWS + 10);
    expect((await readPage(db, { offset: 0, limit: 10_000 })).rows).toHaveLength(MAX_PAGE_ROWS);
  });

  it('keeps the total in the writes themselves: declared, synced, retried, refused, discarded', async () => {
    const kept = async () => readTotal(db.transaction('meta').store);
    expect(await kept()).toBe(0);
    const ids = await seed(12);
    expect(await kept()).toBe(12);
    await retryRow(db, ids[5]!, t0);
    await updateRow(db, ids[10]!, { state: 'needs-attention', lastError: 'rejected (422)' }, t0);
    expect(await discardRow(db, ids[10]!, t0)).toBe(true);
    // Refused: a synced row stays, and so does its place in the total; a row that is gone is not discarded twice.
    expect(await discardRow(db, ids[1]!, t0)).toBe(false);
    expect(await discardRow(db, ids[10]!, t0)).toBe(false);
    expect(await kept()).toBe(11);
    expect(await db.count('records')).toBe(11);
    const page = await readPage(db, { offset: 0, limit: 3 });
    expect(page.total).toBe(11);
    expect(page.rows.map((r) => r.id)).toEqual([ids[11], ids[9], ids[8]]);
    // A declaration that fails (the same id twice) changes nothing, the total included.
    await expect(enqueue(db, { ...record(11), id: ids[11]! }, [], t0)).rejects.toThrow();
    expect(await kept()).toBe(11);
  });

  it('counts the rows of an outbox made by version 4 once, when it opens at version 5, and keeps them', async () => {
    const name = `pages-v4-${Math.random()}`;
    // Version 4's stores and indexes (utils/outbox/db.ts), with rows in them and no total.
    const v4 = await openDB(name, 4, {
      upgrade(old) {
        const records = old.createObjectStore('records', { keyPath: 'id' });
        records.createIndex('byState', 'state');
        records.createIndex('byDue', ['state', 'nextAttemptAt']);
        records.createIndex('byNotified', ['state', 'notifiedAt']);
        old.createObjectStore('content', { keyPath: ['recordId', 'index'] });
        old.createObjectStore('chunks', { keyPath: ['recordId', 'part', 'chunk'] });
        old.createObjectStore('delivery', { keyPath: 'recordId' });
        old.createObjectStore('audit', { autoIncrement: true }).createIndex('byRecord', 'recordId');
        old.createObjectStore('meta');
      },
    });
    const rows = Array.from({ length: 7 }, (_, n) => ({
      ...queuedRow(record(n), t0),
      state: n % 2 ? 'synced' : 'queued',
    }));
    for (const row of rows) await v4.put('records', row);
    await v4.add('audit', { at: t0, recordId: rows[3]!.id, action: 'declared', detail: 'Message 3' });
    v4.close();

    db = await openOutbox(name);
    expect(db.version).toBe(5);
    expect(await readTotal(db.transaction('meta').store)).toBe(7);
    const page = await readPage(db, { offset: 3, limit: 2 });
    expect(page.total).toBe(7);
    expect(page.rows.map((r) => [r.title, r.state])).toEqual([
      ['Message 3', 'synced'],
      ['Message 2', 'queued'],
    ]);
    expect(page.rows[0]!.events.map((e) => e.action)).toEqual(['declared']);
    expect(await getRow(db, rows[6]!.id)).toEqual(rows[6]);
    await enqueue(db, record(7), [], t0);
    expect((await readPage(db, { offset: 0, limit: 1 })).total).toBe(8);
  });
});
