import type { IDBPObjectStore } from 'idb';
import type { AuditLine } from '../ui/views';
import { type OutboxDb, type OutboxRow, type OutboxSchema, type OutboxState, readTotal } from './db';
import { type HistoryRow, type OutboxPage, type PageRequest, toView } from './view';

/**
 * Paged reads of the outbox for the options page (`outbox.page`): one screen of rows at a time, newest first,
 * so that a page over years of history reads a few dozen rows instead of all of them. Only a search reads every
 * row, once per request, because it must look inside each row and its audit lines.
 */

/** The states of a row that has not reached the repository yet. */
export const PENDING_STATES: readonly OutboxState[] = ['queued', 'sending', 'retrying', 'needs-attention'];

/** The most rows one request returns. */
export const MAX_PAGE_ROWS = 200;

type AuditStore = IDBPObjectStore<OutboxSchema, ('records' | 'audit' | 'meta')[], 'audit', 'readonly'>;

export async function readPage(db: OutboxDb, request: PageRequest): Promise<OutboxPage> {
  const offset = Math.max(0, Math.floor(request.offset));
  const limit = Math.min(MAX_PAGE_ROWS, Math.max(1, Math.floor(request.limit)));
  const query = request.query?.trim().toLowerCase();
  if (query) return searchPage(db, query, Boolean(request.pending), offset, limit);
  return request.pending ? pendingPage(db, offset, limit) : allPage(db, offset, limit);
}

/**
 * Every row, newest first (UUIDv7 ids sort by time). A key cursor skips to the page's newest and oldest ids, then
 * one request reads the rows between them and one their audit lines: a page costs the same few requests at any
 * depth, instead of one request per row. The total is the one kept in meta (utils/outbox/db.ts `addToTotal`):
 * counting the store would walk all of its rows.
 */
async function allPage(db: OutboxDb, offset: number, limit: number): Promise<OutboxPage> {
  const tx = db.transaction(['records', 'audit', 'meta']);
  const records = tx.objectStore('records');
  const [kept, range] = await Promise.all([readTotal(tx.objectStore('meta')), pageRange(records, offset, limit)]);
  const total = kept ?? (await records.count());
  const rows = range ? (await records.getAll(range)).reverse() : [];
  const lines = range ? await tx.objectStore('audit').index('byRecord').getAll(range) : [];
  await tx.done;
  const byRecord = groupByRecord(lines);
  return { total, offset, rows: rows.map((row) => ({ ...toView(row), events: byRecord.get(row.id) ?? [] })) };
}

/** The ids from the `offset`-th newest row to `limit` rows older, as a key range; undefined past the end. */
async function pageRange(
  records: IDBPObjectStore<OutboxSchema, ('records' | 'audit' | 'meta')[], 'records', 'readonly'>,
  offset: number,
  limit: number,
): Promise<IDBKeyRange | undefined> {
  let cursor = await records.openKeyCursor(null, 'prev');
  if (cursor && offset > 0) cursor = await cursor.advance(offset);
  if (!cursor) return undefined;
  const newest = cursor.key;
  if (limit > 1) cursor = await cursor.advance(limit - 1);
  return cursor ? IDBKeyRange.bound(cursor.key, newest) : IDBKeyRange.upperBound(newest);
}

/**
 * Rows still waiting: their ids come from the state index (keys only), then only the page's rows are read.
 * Measured in Chromium with 10,000 rows (9,400 synced): the 'queued' key of `byState` takes 200–450 ms to list 50
 * ids, because Chromium leaves an index entry behind when a row's state changes and skips those entries on every
 * read in a read-only transaction, so every row ever declared is walked. The options page therefore asks for this
 * list only after the history's first page (entrypoints/options/App.tsx).
 */
async function pendingPage(db: OutboxDb, offset: number, limit: number): Promise<OutboxPage> {
  const tx = db.transaction(['records', 'audit']);
  const records = tx.objectStore('records');
  const ids = (await Promise.all(PENDING_STATES.map((state) => records.index('byState').getAllKeys(state))))
    .flat()
    .sort()
    .reverse();
  const found = await Promise.all(ids.slice(offset, offset + limit).map((id) => records.get(id)));
  const page = await withEvents(
    tx.objectStore('audit'),
    found.filter((row): row is OutboxRow => row !== undefined),
  );
  await tx.done;
  return { total: ids.length, offset, rows: page };
}

/** The rows whose text or audit lines contain `query` (lower case), newest first. */
async function searchPage(
  db: OutboxDb,
  query: string,
  pending: boolean,
  offset: number,
  limit: number,
): Promise<OutboxPage> {
  const tx = db.transaction(['records', 'audit']);
  const [rows, lines] = await Promise.all([tx.objectStore('records').getAll(), tx.objectStore('audit').getAll()]);
  await tx.done;
  const byRecord = groupByRecord(lines);
  const matches: HistoryRow[] = [];
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i]!;
    if (pending && !PENDING_STATES.includes(row.state)) continue;
    const events = byRecord.get(row.id) ?? [];
    if (searchText(row, events).includes(query)) matches.push({ ...toView(row), events });
  }
  return { total: matches.length, offset, rows: matches.slice(offset, offset + limit) };
}

/** What a search looks in: the title, both ids, the state, the last error and every audit line. */
export function searchText(row: OutboxRow, events: readonly AuditLine[]): string {
  return [
    row.record.title,
    row.record.source.sourceId,
    row.id,
    row.state,
    row.lastError,
    ...events.map((event) => `${event.action} ${event.detail ?? ''}`),
  ]
    .join('\n')
    .toLowerCase();
}

function groupByRecord(lines: readonly AuditLine[]): Map<string, AuditLine[]> {
  const byRecord = new Map<string, AuditLine[]>();
  for (const line of lines) {
    const list = byRecord.get(line.recordId);
    if (list) list.push(line);
    else byRecord.set(line.recordId, [line]);
  }
  for (const list of byRecord.values()) list.sort((a, b) => a.at - b.at);
  return byRecord;
}

async function withEvents(audit: AuditStore, rows: OutboxRow[]): Promise<HistoryRow[]> {
  const index = audit.index('byRecord');
  const events = await Promise.all(rows.map((row) => index.getAll(row.id)));
  return rows.map((row, i) => ({ ...toView(row), events: events[i]!.sort((a, b) => a.at - b.at) }));
}
