import type { DeclaredRecord, Receipt } from '../utils/records/record.ts';
import type { Db, Tx } from './db.ts';

/** A stored record as the routes need it. */
export interface StoredRecord {
  record: DeclaredRecord;
  owner: string;
  fingerprint: string;
  receivedAt: Date;
}

interface Row {
  record: DeclaredRecord;
  owner_user: string;
  fingerprint: string;
  received_at: Date;
}

const fromRow = (row: Row): StoredRecord => ({
  record: row.record,
  owner: row.owner_user,
  fingerprint: row.fingerprint,
  receivedAt: row.received_at,
});

/** The receipt is derived, not stored: the content list is the record's, which the server verified on receipt. */
export function receiptOf(stored: StoredRecord, publicUrl: string): Receipt {
  return {
    id: stored.record.id,
    url: `${publicUrl}/records/${stored.record.id}`,
    receivedAt: stored.receivedAt.toISOString(),
    content: stored.record.content.map(({ name, sha256, size }) => ({ name, sha256, size })),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function findRecord(db: Db, id: string): Promise<StoredRecord | undefined> {
  // Anything but a UUID cannot be a record, and would only make PostgreSQL's uuid cast fail.
  if (!UUID.test(id)) return undefined;
  const { rows } = await db.query<Row>(
    'SELECT record, owner_user, fingerprint, received_at FROM records WHERE id = $1',
    [id],
  );
  return rows[0] && fromRow(rows[0]);
}

/** Writes the record, its content index and its first audit events in one transaction. */
export async function insertRecord(db: Db, stored: StoredRecord): Promise<void> {
  const { record, owner, fingerprint, receivedAt } = stored;
  await db.transaction(async (tx: Tx) => {
    await tx.query(
      `INSERT INTO records (id, owner_user, source_id, record, fingerprint, received_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [record.id, owner, record.source.sourceId, record, fingerprint, receivedAt],
    );
    for (const [n, entry] of record.content.entries()) {
      await tx.query(
        'INSERT INTO record_content (record_id, n, name, mime_type, size, sha256) VALUES ($1, $2, $3, $4, $5, $6)',
        [record.id, n, entry.name, entry.mimeType, entry.size, entry.sha256],
      );
    }
    await tx.query(
      `INSERT INTO record_events (record_id, kind, actor, at) VALUES ($1, 'declared', $2, $3), ($1, 'received', $2, $4)`,
      [record.id, owner, record.declaredAt, receivedAt],
    );
  });
}

/** Where a listing page ends: the last item's position in (receivedAt, id) order. */
export interface Cursor {
  receivedAt: Date;
  id: string;
}

export async function listRecords(
  db: Db,
  query: { owner?: string; sourceId?: string; after?: Cursor; limit: number },
): Promise<StoredRecord[]> {
  const { rows } = await db.query<Row>(
    `SELECT record, owner_user, fingerprint, received_at FROM records
     WHERE ($1::text IS NULL OR owner_user = $1)
       AND ($2::text IS NULL OR source_id = $2)
       AND ($3::timestamptz IS NULL OR (received_at, id) < ($3::timestamptz, $4::uuid))
     ORDER BY received_at DESC, id DESC
     LIMIT $5`,
    [
      query.owner ?? null,
      query.sourceId ?? null,
      query.after?.receivedAt ?? null,
      query.after?.id ?? null,
      query.limit,
    ],
  );
  return rows.map(fromRow);
}

/** Cursors are opaque to clients: base64url of the last item's receivedAt and id. */
export const encodeCursor = (stored: StoredRecord) =>
  Buffer.from(JSON.stringify([stored.receivedAt.toISOString(), stored.record.id])).toString('base64url');

export function decodeCursor(text: string): Cursor | undefined {
  try {
    const [at, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    const receivedAt = new Date(at);
    if (typeof at !== 'string' || Number.isNaN(receivedAt.getTime()) || !UUID.test(id)) return undefined;
    return { receivedAt, id };
  } catch {
    return undefined;
  }
}
