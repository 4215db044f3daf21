import { type DeclaredRecord, parseIsoDateTime, type Receipt } from '../utils/records/record.ts';
import type { Db, Queryable } from './db.ts';

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

/** The server owns who declared: always the user of the token that sent the record (server/receive.ts). */
const fromRow = (row: Row): StoredRecord => ({
  record: { ...row.record, declaredBy: row.owner_user },
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

/**
 * Writes the record, its content index and its first audit events in one statement: data-modifying CTEs run as
 * one atomic statement (foreign keys are checked at its end), and one round trip instead of five is most of the
 * difference on an embedded database.
 */
export async function insertRecord(
  db: Queryable,
  stored: StoredRecord,
  declaredDetail: string | null = null,
): Promise<void> {
  const { record, owner, fingerprint, receivedAt } = stored;
  const content = record.content.map((entry, n) => ({
    n,
    name: entry.name,
    mime_type: entry.mimeType,
    size: entry.size,
    sha256: entry.sha256,
  }));
  await db.query(
    `WITH inserted AS (
       INSERT INTO records (id, owner_user, source_id, record, fingerprint, received_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING id
     ), parts AS (
       INSERT INTO record_content (record_id, n, name, mime_type, size, sha256)
       SELECT inserted.id, x.n, x.name, x.mime_type, x.size, x.sha256
       FROM inserted, jsonb_to_recordset($7::jsonb) AS x(n int, name text, mime_type text, size bigint, sha256 text)
     )
     INSERT INTO record_events (record_id, kind, actor, at, detail)
     SELECT inserted.id, e.kind, $2, e.at, e.detail
     FROM inserted, (VALUES ('declared', $8::timestamptz, $9::text), ('received', $6::timestamptz, NULL))
       AS e(kind, at, detail)`,
    [
      record.id,
      owner,
      record.source.sourceId,
      record,
      fingerprint,
      receivedAt,
      JSON.stringify(content),
      record.declaredAt,
      declaredDetail,
    ],
  );
}

/** Where a listing page ends: the last item's position in (receivedAt, id) order. */
export interface Cursor {
  receivedAt: Date;
  id: string;
}

/** Filters of GET /records; every one given must match. */
export interface RecordQuery {
  owner?: string | undefined;
  sourceId?: string | undefined;
  category?: string | undefined;
  tag?: string | undefined;
  /** The user who declared: the token's user, as the server records it. */
  declaredBy?: string | undefined;
  /** declaredAt within [from, to], both inclusive. */
  from?: Date | undefined;
  to?: Date | undefined;
  /** Words the title contains, case-insensitively. */
  q?: string | undefined;
  after?: Cursor | undefined;
  limit: number;
}

export async function listRecords(db: Db, query: RecordQuery): Promise<StoredRecord[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  const add = (condition: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(condition(`$${params.length}`));
  };
  if (query.owner !== undefined) add((p) => `owner_user = ${p}`, query.owner);
  if (query.sourceId !== undefined) add((p) => `source_id = ${p}`, query.sourceId);
  if (query.category !== undefined) add((p) => `record->'classification'->>'categoryId' = ${p}`, query.category);
  if (query.tag !== undefined) add((p) => `record->'tags' @> jsonb_build_array(${p}::text)`, query.tag);
  if (query.declaredBy !== undefined) add((p) => `owner_user = ${p}`, query.declaredBy);
  if (query.from !== undefined) add((p) => `(record->>'declaredAt')::timestamptz >= ${p}`, query.from);
  if (query.to !== undefined) add((p) => `(record->>'declaredAt')::timestamptz <= ${p}`, query.to);
  for (const word of query.q?.split(/\s+/).filter(Boolean) ?? []) {
    add((p) => `record->>'title' ILIKE ${p}`, `%${word.replace(/[\\%_]/g, '\\$&')}%`);
  }
  if (query.after) {
    params.push(query.after.receivedAt, query.after.id);
    where.push(`(received_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(query.limit);
  const { rows } = await db.query<Row>(
    `SELECT record, owner_user, fingerprint, received_at FROM records
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY received_at DESC, id DESC
     LIMIT $${params.length}`,
    params,
  );
  return rows.map(fromRow);
}

export type EventKind = 'declared' | 'received' | 'fixity-verified' | 'fixity-failed' | 'accessed';

export interface RecordEvent {
  kind: EventKind;
  actor: string;
  at: Date;
  detail: string | null;
}

export async function addEvent(db: Db, recordId: string, event: Omit<RecordEvent, 'at'> & { at?: Date }) {
  await db.query('INSERT INTO record_events (record_id, kind, actor, at, detail) VALUES ($1, $2, $3, $4, $5)', [
    recordId,
    event.kind,
    event.actor,
    event.at ?? new Date(),
    event.detail,
  ]);
}

/** The audit trail, oldest first. */
export async function listEvents(db: Db, recordId: string): Promise<RecordEvent[]> {
  const { rows } = await db.query<RecordEvent>(
    'SELECT kind, actor, at, detail FROM record_events WHERE record_id = $1 ORDER BY at, id',
    [recordId],
  );
  return rows;
}

/** Cursors are opaque to clients: base64url of the last item's receivedAt and id. */
export const encodeCursor = (stored: StoredRecord) =>
  Buffer.from(JSON.stringify([stored.receivedAt.toISOString(), stored.record.id])).toString('base64url');

export function decodeCursor(text: string): Cursor | undefined {
  try {
    const [at, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    // Only instants this server can have written: a receivedAt in years 1 to 9999, as toISOString writes it.
    const receivedAt = typeof at === 'string' ? parseIsoDateTime(at) : undefined;
    if (!receivedAt || typeof id !== 'string' || !UUID.test(id)) return undefined;
    return { receivedAt, id };
  } catch {
    return undefined;
  }
}
