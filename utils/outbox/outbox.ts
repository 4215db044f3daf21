import type { DeclaredRecord, Receipt } from '../records/record';
import type { OutboxDb, OutboxRow, OutboxState } from './db';

/** A row stuck in `sending` this long belongs to a service worker that was stopped; it is sent again. */
export const SENDING_STALE_MS = 2 * 60_000;

/**
 * Writes the record and all its content in one transaction: either both are stored or neither. Only after this
 * resolves may the user be told "Declared".
 */
export async function enqueue(db: OutboxDb, record: DeclaredRecord, parts: ArrayBuffer[], now: number): Promise<void> {
  if (parts.length !== record.content.length) {
    throw new Error(`The record lists ${record.content.length} content parts but ${parts.length} were captured.`);
  }
  const tx = db.transaction(['records', 'content'], 'readwrite');
  const row: OutboxRow = {
    id: record.id,
    record,
    state: 'queued',
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now,
    updatedAt: now,
  };
  await Promise.all([
    tx.objectStore('records').add(row),
    ...parts.map((bytes, index) => tx.objectStore('content').put({ recordId: record.id, index, bytes })),
    tx.done,
  ]);
}

export function getRow(db: OutboxDb, id: string): Promise<OutboxRow | undefined> {
  return db.get('records', id);
}

/** All rows, newest declaration first (UUIDv7 ids sort by time). */
export async function listRows(db: OutboxDb): Promise<OutboxRow[]> {
  return (await db.getAll('records')).reverse();
}

/** Rows the drain should send now, oldest first. */
export async function dueRows(db: OutboxDb, now: number): Promise<OutboxRow[]> {
  const states: OutboxState[] = ['queued', 'retrying', 'sending'];
  const rows = (await Promise.all(states.map((state) => db.getAllFromIndex('records', 'byState', state)))).flat();
  return rows
    .filter((row) => (row.state === 'sending' ? now - row.updatedAt >= SENDING_STALE_MS : row.nextAttemptAt <= now))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** The earliest time a waiting row becomes due, for scheduling the next drain. */
export async function nextDueAt(db: OutboxDb): Promise<number | undefined> {
  const rows = await db.getAllFromIndex('records', 'byState', 'retrying');
  return rows.length ? Math.min(...rows.map((row) => row.nextAttemptAt)) : undefined;
}

export async function updateRow(
  db: OutboxDb,
  id: string,
  patch: Partial<Pick<OutboxRow, 'state' | 'attempts' | 'nextAttemptAt' | 'lastError'>>,
  now: number,
): Promise<OutboxRow> {
  const tx = db.transaction('records', 'readwrite');
  const row = await tx.store.get(id);
  if (!row) throw new Error(`Outbox record ${id} is gone.`);
  const next = { ...row, ...patch, updatedAt: now };
  await Promise.all([tx.store.put(next), tx.done]);
  return next;
}

/** Stores the receipt and releases the content, in one transaction. */
export async function markSynced(db: OutboxDb, id: string, receipt: Receipt, now: number): Promise<void> {
  const tx = db.transaction(['records', 'content'], 'readwrite');
  const row = await tx.objectStore('records').get(id);
  if (!row) throw new Error(`Outbox record ${id} is gone.`);
  await Promise.all([
    tx.objectStore('records').put({ ...row, state: 'synced', receipt, lastError: undefined, updatedAt: now }),
    tx.objectStore('content').delete(IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER])),
    tx.done,
  ]);
}

export async function readContent(db: OutboxDb, row: OutboxRow): Promise<ArrayBuffer[]> {
  const parts = await db.getAll('content', IDBKeyRange.bound([row.id, 0], [row.id, Number.MAX_SAFE_INTEGER]));
  if (parts.length !== row.record.content.length) {
    throw new Error(
      `Content of record ${row.id} is incomplete in the outbox (${parts.length}/${row.record.content.length}).`,
    );
  }
  return parts.sort((a, b) => a.index - b.index).map((part) => part.bytes);
}

/**
 * A lease so that two drains never send at once, even across a service-worker restart: it is kept in
 * IndexedDB and expires on its own if its holder is stopped.
 */
export async function acquireLease(db: OutboxDb, owner: string, now: number, ttlMs: number): Promise<boolean> {
  const tx = db.transaction('meta', 'readwrite');
  const lease = await tx.store.get('drain');
  if (lease && lease.owner !== owner && lease.expiresAt > now) {
    await tx.done;
    return false;
  }
  await Promise.all([tx.store.put({ owner, expiresAt: now + ttlMs }, 'drain'), tx.done]);
  return true;
}

export async function releaseLease(db: OutboxDb, owner: string): Promise<void> {
  const tx = db.transaction('meta', 'readwrite');
  const lease = await tx.store.get('drain');
  await Promise.all([lease?.owner === owner ? tx.store.delete('drain') : undefined, tx.done]);
}
