import { type DeclaredRecord, parseIsoDateTime, type Receipt } from '../utils/records/record.ts';
import { Batcher, parallelOn } from './batcher.ts';
import type { PendingBlob } from './blobs.ts';
import type { Db, Queryable } from './db.ts';

/** A stored record as the routes need it. */
export interface StoredRecord {
  record: DeclaredRecord;
  owner: string;
  fingerprint: string;
  receivedAt: Date;
}

export interface RecordRow {
  record: DeclaredRecord;
  owner_user: string;
  fingerprint: string;
  received_at: Date;
}

/** The server owns who declared: always the user of the token that sent the record (server/receive.ts). */
export const fromRow = (row: RecordRow): StoredRecord => ({
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
/** Whether `id` has the form of a record id; anything else would only make PostgreSQL's uuid cast fail. */
export const isRecordId = (id: string) => UUID.test(id);

export async function findRecord(db: Db, id: string): Promise<StoredRecord | undefined> {
  if (!isRecordId(id)) return undefined;
  const { rows } = await db.query<RecordRow>(
    'SELECT record, owner_user, fingerprint, received_at FROM records WHERE id = $1',
    [id],
  );
  return rows[0] && fromRow(rows[0]);
}

/**
 * The insert of POST /records, shared by the concurrent requests that store a verified record at the same moment
 * (server/batcher.ts). Their lookups, with their leases, ride on the statement that checks their tokens
 * (server/tokens.ts, RecordAsk).
 */
export class RecordStatements {
  /** Resolves true when the record was inserted, false when its id was already stored. */
  readonly insert: Batcher<NewRecord, boolean>;

  constructor(db: Db) {
    this.insert = new Batcher(
      async (records) => {
        const inserted = await insertRecords(db, records);
        return records.map((record) => inserted.has(record.stored.record.id.toLowerCase()));
      },
      { parallel: parallelOn(db), key: (record) => record.stored.record.id.toLowerCase() },
    );
  }
}

/** A part kept in the database rather than in the folder store (server/small-blobs.ts): a pending blob's digest and bytes. */
export type SmallBlob = Required<Pick<PendingBlob, 'sha256' | 'bytes'>>;

/** A verified record on its way into the database. */
export interface NewRecord {
  stored: StoredRecord;
  /** What the `declared` event says the client had sent, when it differs from what is stored. */
  declaredDetail: string | null;
  /** Uploads whose bytes the record took (server/uploads.ts): forgotten with the insert. */
  uploads: readonly string[];
  /** Content small enough to be kept in the database (server/small-blobs.ts), digest verified: stored with the insert. */
  small?: readonly SmallBlob[] | undefined;
  /** The lease the request held while receiving: released with the insert. */
  lease?: { name: string; holder: string } | undefined;
}

/** Up to how many small parts the insert's text gets a prepared statement of its own (db-engines.ts, QueryOptions). */
const SMALL_PARTS_NAMED = 64;

/**
 * Writes records, their content index and first audit events, stores their small parts, forgets the uploads they
 * used and releases their leases, all in one statement: data-modifying CTEs run as one atomic statement (foreign keys
 * are checked at its end), and one round trip and one commit for a whole batch instead of five per record is most of
 * the difference on an embedded database. A record whose id is already stored is skipped (ON CONFLICT DO NOTHING
 * waits for a concurrent inserter, in any process, to commit or abort); the answer holds the ids inserted. Ids must
 * be distinct.
 *
 * The small parts' bytes go as parameters of their own, one per part, which node-postgres and PGlite's worker
 * (server/pglite-worker.ts) send in binary: PostgreSQL takes them as they are, where base64 inside the JSON parameter
 * cost it a JSON parse and a decode of every byte and the server a third more bytes to build and send
 * (bench/server-ingest.ts).
 */
export async function insertRecords(db: Queryable, records: readonly NewRecord[]): Promise<Set<string>> {
  const small: { id: string; sha256: string; bytes: Buffer }[] = [];
  const items = records.map(({ stored, declaredDetail, uploads, small: parts = [], lease }) => {
    for (const { sha256, bytes } of parts) small.push({ id: stored.record.id, sha256, bytes });
    return {
      id: stored.record.id,
      owner_user: stored.owner,
      source_id: stored.record.source.sourceId,
      record: stored.record,
      fingerprint: stored.fingerprint,
      received_at: stored.receivedAt.toISOString(),
      declared_at: stored.record.declaredAt,
      detail: declaredDetail,
      content: stored.record.content.map((entry, n) => ({
        n,
        name: entry.name,
        mime_type: entry.mimeType,
        size: entry.size,
        sha256: entry.sha256,
      })),
      uploads,
      lease_name: lease?.name ?? null,
      lease_holder: lease?.holder ?? null,
    };
  });
  // $1 the batch, $2 and $3 each small part's record id and digest, $4 on its bytes, in the same order.
  const bytes = small.map((_, n) => `$${n + 4}::bytea`).join(', ');
  const { rows } = await db.query<{ id: string }>(
    `WITH items AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, owner_user text, source_id text, record jsonb,
         fingerprint text, received_at timestamptz, declared_at timestamptz, detail text, content jsonb,
         uploads jsonb, lease_name text, lease_holder text)
     ), inserted AS (
       INSERT INTO records (id, owner_user, source_id, record, fingerprint, received_at)
       SELECT id, owner_user, source_id, record, fingerprint, received_at FROM items
       ON CONFLICT (id) DO NOTHING
       RETURNING id
     ), mine AS (
       SELECT items.* FROM items JOIN inserted USING (id)
     ), parts AS (
       INSERT INTO record_content (record_id, n, name, mime_type, size, sha256)
       SELECT mine.id, c.n, c.name, c.mime_type, c.size, c.sha256
       FROM mine, jsonb_to_recordset(mine.content) AS c(n int, name text, mime_type text, size bigint, sha256 text)
     ), events AS (
       INSERT INTO record_events (record_id, kind, actor, at, detail)
       SELECT mine.id, e.kind, mine.owner_user, e.at, e.detail
       FROM mine, LATERAL (VALUES ('declared', mine.declared_at, mine.detail), ('received', mine.received_at, NULL))
         AS e(kind, at, detail)
     ), small AS (
       INSERT INTO small_blobs (sha256, bytes)
       SELECT DISTINCT ON (b.sha256) b.sha256, b.bytes
       FROM unnest($2::uuid[], $3::text[], ARRAY[${bytes}]::bytea[]) AS b(record_id, sha256, bytes)
         JOIN inserted ON inserted.id = b.record_id
       ON CONFLICT (sha256) DO NOTHING
     ), used AS (
       DELETE FROM uploads
       WHERE id = ANY (ARRAY(SELECT u::uuid FROM mine, jsonb_array_elements_text(mine.uploads) AS u))
     ), released AS (
       DELETE FROM leases
       WHERE name = ANY (ARRAY(SELECT lease_name FROM items))
         AND (name, holder) IN (SELECT lease_name, lease_holder FROM items)
     )
     SELECT id FROM inserted`,
    [
      JSON.stringify(items),
      small.map((part) => part.id),
      small.map((part) => part.sha256),
      ...small.map((part) => part.bytes),
    ],
    // One text per number of small parts; up to a batch of single-part records, prepared once per connection.
    small.length <= SMALL_PARTS_NAMED ? { name: `rk-insert-records-${small.length}` } : {},
  );
  return new Set(rows.map((row) => row.id.toLowerCase()));
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
  const { rows } = await db.query<RecordRow>(
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
