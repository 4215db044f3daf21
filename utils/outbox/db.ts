import { type DBSchema, type IDBPDatabase, type IDBPTransaction, openDB } from 'idb';
import type { DeliveryProgress } from '../connectors/deliver';
import type { DeclaredRecord, Receipt } from '../records/record';
import type { AuditLine } from '../ui/views';

/**
 * `queued → sending → synced`, or `→ retrying` (attempts, nextAttemptAt, lastError), or `→ needs-attention`
 * (the repository refused the record; the user fixes and retries, or discards). A discarded record leaves the
 * outbox entirely — row and content — and an `audit` line keeps what it was and who said so.
 */
export type OutboxState = 'queued' | 'sending' | 'retrying' | 'needs-attention' | 'synced';

export interface OutboxRow {
  id: string;
  record: DeclaredRecord;
  state: OutboxState;
  attempts: number;
  /** Epoch ms; the drain picks the row up when this has passed. */
  nextAttemptAt: number;
  lastError?: string | undefined;
  receipt?: Receipt | undefined;
  /** The last attempt could not reach the repository at all (no answer): woken as soon as another send works. */
  offline?: boolean | undefined;
  /** Server errors (5xx) met by this record since it was declared or the user last retried it. */
  serverErrors?: number | undefined;
  /** When the user was last notified that this row needs attention (epoch ms); unset until then. */
  notifiedAt?: number | undefined;
  createdAt: number;
  updatedAt: number;
}

/**
 * One content part of a record. Small parts keep their bytes here (`bytes`); a part larger than one chunk keeps
 * them in the `chunks` store as `chunks` records of `chunkSize` bytes, so neither storing nor sending it ever
 * needs the whole part in memory. Version 1 rows always have `bytes`.
 */
export interface ContentPart {
  recordId: string;
  index: number;
  bytes?: ArrayBuffer | undefined;
  size?: number | undefined;
  chunks?: number | undefined;
  chunkSize?: number | undefined;
  /** Whose chunks: the record id, or the staging id of a capture written chunk by chunk before its record. */
  chunkKey?: string | undefined;
}

export interface ContentChunk {
  recordId: string;
  part: number;
  chunk: number;
  /** A Blob in the browser: IndexedDB keeps it on disk, so sending it never brings the chunk into memory. */
  bytes: ArrayBuffer | Blob;
}

/**
 * Where the delivery of one record through its connector stands (utils/connectors/deliver.ts): the target, each
 * part's checkpoint or reference, the commit. Saved after every acknowledged piece, so a resend continues.
 */
export interface DeliveryRow {
  recordId: string;
  /** As `deliver` saved it; read back through `readProgress`, which validates it. */
  progress: DeliveryProgress;
  updatedAt: number;
}

/** Version 2's resumable upload of one part (Records API tus): the upload URL and the offset it confirmed. */
interface UploadProgressV2 {
  recordId: string;
  part: number;
  url: string;
  offset: number;
  updatedAt: number;
}

export interface Lease {
  owner: string;
  expiresAt: number;
}

/** Set when the repository refused the credentials: the drain stops and the UI asks the user to reconnect. */
export interface AuthState {
  needed: boolean;
  error?: string | undefined;
  /** Only the user can fix it (sign in, a new token); otherwise a silent renewal may. */
  interactive?: boolean | undefined;
  at: number;
}

/** Set when a row was left waiting because the repository could not be reached; cleared when they are woken. */
export interface OfflineMark {
  at: number;
}

/** How many rows `records` holds: changed in the same transaction as every row added or removed (`addToTotal`). */
export interface RowTotal {
  count: number;
}

export type MetaValue = Lease | AuthState | OfflineMark | RowTotal;

export interface OutboxSchema extends DBSchema {
  records: {
    key: string;
    value: OutboxRow;
    indexes: { byState: OutboxState; byDue: [OutboxState, number]; byNotified: [OutboxState, number] };
  };
  content: { key: [string, number]; value: ContentPart };
  chunks: { key: [string, number, number]; value: ContentChunk };
  delivery: { key: string; value: DeliveryRow };
  audit: { key: number; value: AuditLine; indexes: { byRecord: string } };
  meta: { key: string; value: MetaValue };
}

export type OutboxDb = IDBPDatabase<OutboxSchema>;

export const OUTBOX_DB = 'recordkeeper-outbox';
export const OUTBOX_VERSION = 5;

/** The Records API connector's id, under which version 2's uploads continue (utils/connectors/records-api). */
const V2_CONNECTOR = 'records-api';

/**
 * Opens the outbox. Each version adds its steps below; never edit a step that has shipped.
 * - 1: records (by state), content (bytes per part), meta (the drain lease).
 * - 2: chunks (large parts, 4 MB per record), uploads (resumable upload URL and offset per part), audit (what
 *   happened to each record: declared, retried, discarded, synced). Version 1 rows and content stay as they are.
 * - 3: delivery (each record's progress through its connector, whatever the connector) replaces uploads; an
 *   upload in flight becomes its part's checkpoint `{ url, offset }`, so it resumes instead of starting over.
 * - 4: records by [state, nextAttemptAt] (what is due, and when the next retry falls due, without reading every
 *   waiting row) and by [state, notifiedAt] (whether any row needing attention is not yet notified, from two
 *   counts); the `offline` mark in meta (utils/outbox/outbox.ts `wakeOffline`), set in case rows wait offline.
 * - 5: the `total` in meta (`RowTotal`), counted once here; from then on kept by `addToTotal`, so a page of the
 *   history knows how long the list is without counting every row (Chromium counts by walking them all).
 */
export function openOutbox(name: string = OUTBOX_DB): Promise<OutboxDb> {
  return openDB<OutboxSchema>(name, OUTBOX_VERSION, {
    async upgrade(db, oldVersion, _newVersion, transaction) {
      // The steps of past versions create stores this version's schema no longer names.
      const untyped = db as unknown as IDBPDatabase;
      if (oldVersion < 1) {
        const records = db.createObjectStore('records', { keyPath: 'id' });
        records.createIndex('byState', 'state');
        db.createObjectStore('content', { keyPath: ['recordId', 'index'] });
        db.createObjectStore('meta');
      }
      if (oldVersion < 2) {
        db.createObjectStore('chunks', { keyPath: ['recordId', 'part', 'chunk'] });
        untyped.createObjectStore('uploads', { keyPath: ['recordId', 'part'] });
        const audit = db.createObjectStore('audit', { autoIncrement: true });
        audit.createIndex('byRecord', 'recordId');
      }
      if (oldVersion < 3) {
        const delivery = db.createObjectStore('delivery', { keyPath: 'recordId' });
        const uploads = (transaction as unknown as ReturnType<IDBPDatabase['transaction']>).objectStore('uploads');
        const rows = (await uploads.getAll()) as UploadProgressV2[];
        const byRecord = new Map<string, DeliveryRow>();
        for (const { recordId, part, url, offset, updatedAt } of rows) {
          const row = byRecord.get(recordId) ?? {
            recordId,
            progress: { connector: V2_CONNECTOR, parts: {} },
            updatedAt,
          };
          row.progress.parts[part] = { checkpoint: { url, offset } };
          row.updatedAt = Math.max(row.updatedAt, updatedAt);
          byRecord.set(recordId, row);
        }
        await Promise.all([...byRecord.values()].map((row) => delivery.put(row)));
        untyped.deleteObjectStore('uploads');
      }
      if (oldVersion < 4) {
        const records = transaction.objectStore('records');
        records.createIndex('byDue', ['state', 'nextAttemptAt']);
        records.createIndex('byNotified', ['state', 'notifiedAt']);
        // Rows of earlier versions may wait offline: the first wake looks, then the mark is gone.
        if (oldVersion > 0) await transaction.objectStore('meta').put({ at: 0 }, 'offline');
      }
      if (oldVersion < 5) {
        const count = await transaction.objectStore('records').count();
        await transaction.objectStore('meta').put({ count } satisfies RowTotal, 'total');
      }
    },
  });
}

/** A readwrite transaction over at least `meta`. */
type MetaWriter = IDBPTransaction<
  OutboxSchema,
  ('meta' | 'records' | 'content' | 'chunks' | 'delivery' | 'audit')[],
  'readwrite'
>;

/**
 * Adds `delta` to the rows' total, in the transaction that adds (+1) or removes (-1) the row, so the total can
 * never disagree with the store. Every writer that adds or deletes a row of `records` calls it.
 */
export async function addToTotal(tx: MetaWriter, delta: number): Promise<void> {
  const meta = tx.objectStore('meta');
  const total = (await meta.get('total')) as RowTotal | undefined;
  if (typeof total?.count === 'number') await meta.put({ count: Math.max(0, total.count + delta) }, 'total');
}

/** The rows' total as kept in meta; undefined where it is not kept (then the store is counted). */
export async function readTotal(meta: {
  get(key: string): Promise<MetaValue | undefined>;
}): Promise<number | undefined> {
  const total = (await meta.get('total')) as RowTotal | undefined;
  return typeof total?.count === 'number' ? total.count : undefined;
}

/**
 * The rows store for reading by state (`byState`, `byDue`, `byNotified`), in a read-write transaction although the
 * reader writes nothing. Chromium leaves an index entry behind when a row's indexed value changes (every record
 * passes queued → sending → synced) and skips such entries on every later read, so a read-only read of the
 * "queued" rows walks every row ever declared; a read-write transaction removes the stale entries it passes.
 * Measured in Chromium with 10,000 rows moved from "queued" to "synced" (docs/sync.md, "Reading by state"): the empty
 * "queued" range took 40–90 ms to read, the first read-write read 210–390 ms, every read after it 6–10 ms. So the
 * drain's and the badge's reads each clear what went stale since the last one and stay as short as what they find.
 * Firefox keeps no stale entries; there the read-write mode costs only the store's write lock for the read.
 */
export function statesStore(db: OutboxDb) {
  return db.transaction('records', 'readwrite', { durability: 'relaxed' }).store;
}
