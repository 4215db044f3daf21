import type { AuditLine } from '../ui/views';
import { addToTotal, type OutboxDb, type OutboxRow } from './db';

const WHOLE = (id: string) => IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER]);

/**
 * The user asks to send a record again now (`outbox.retry`): a row that waits (retrying or needing attention)
 * becomes due at once with a fresh attempt count. Synced and in-flight rows are left alone. Returns the row as
 * it now is, or undefined when there is no such row.
 */
export async function retryRow(db: OutboxDb, id: string, now: number): Promise<OutboxRow | undefined> {
  const tx = db.transaction(['records', 'audit'], 'readwrite');
  const row = await tx.objectStore('records').get(id);
  if (!row || (row.state !== 'retrying' && row.state !== 'needs-attention' && row.state !== 'queued')) {
    await tx.done;
    return row;
  }
  const next: OutboxRow = {
    ...row,
    state: 'queued',
    attempts: 0,
    serverErrors: undefined,
    nextAttemptAt: now,
    notifiedAt: undefined,
    updatedAt: now,
  };
  await Promise.all([
    tx.objectStore('records').put(next),
    tx.objectStore('audit').add({ at: now, recordId: id, action: 'retried', detail: row.lastError }),
    tx.done,
  ]);
  return next;
}

/**
 * The user gives up on a declaration (`outbox.discard`, after confirming): the row, its content and its delivery
 * progress leave the outbox, and an audit line keeps what was discarded and why it had not been sent. A synced row
 * is never discarded (its receipt is the proof it reached the repository); neither is one being sent.
 */
export async function discardRow(db: OutboxDb, id: string, now: number): Promise<boolean> {
  const tx = db.transaction(['records', 'content', 'chunks', 'delivery', 'audit', 'meta'], 'readwrite');
  const row = await tx.objectStore('records').get(id);
  if (!row || row.state === 'synced' || row.state === 'sending') {
    await tx.done;
    return false;
  }
  const parts = await tx.objectStore('content').getAll(WHOLE(id));
  const keys = new Set([id, ...parts.flatMap((part) => (part.chunkKey ? [part.chunkKey] : []))]);
  const detail = [
    `"${row.record.title}" (${row.record.source.sourceId})`,
    `declared ${row.record.declaredAt}`,
    `${row.state} after ${row.attempts} attempt(s)`,
    row.lastError ? `last error: ${row.lastError}` : undefined,
  ]
    .filter(Boolean)
    .join('; ');
  await Promise.all([
    tx.objectStore('records').delete(id),
    addToTotal(tx, -1),
    tx.objectStore('content').delete(WHOLE(id)),
    ...[...keys].map((key) =>
      tx
        .objectStore('chunks')
        .delete(IDBKeyRange.bound([key, 0, 0], [key, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER])),
    ),
    tx.objectStore('delivery').delete(id),
    tx.objectStore('audit').add({ at: now, recordId: id, action: 'discarded', detail }),
    tx.done,
  ]);
  return true;
}

/** The local audit trail, newest first (`audit.list`); `limit` keeps the answer small. */
export async function listAudit(db: OutboxDb, limit = 500): Promise<AuditLine[]> {
  const lines: AuditLine[] = [];
  let cursor = await db.transaction('audit').store.openCursor(null, 'prev');
  while (cursor && lines.length < limit) {
    lines.push(cursor.value);
    cursor = await cursor.continue();
  }
  return lines;
}
