import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
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

/** Where a resumable upload of one part stands: the server's upload URL and the offset it confirmed. */
export interface UploadProgress {
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

/** Set when the repository refused the token: the drain stops and the UI asks the user to reconnect. */
export interface AuthState {
  needed: boolean;
  error?: string | undefined;
  at: number;
}

export type MetaValue = Lease | AuthState;

export interface OutboxSchema extends DBSchema {
  records: { key: string; value: OutboxRow; indexes: { byState: OutboxState } };
  content: { key: [string, number]; value: ContentPart };
  chunks: { key: [string, number, number]; value: ContentChunk };
  uploads: { key: [string, number]; value: UploadProgress };
  audit: { key: number; value: AuditLine; indexes: { byRecord: string } };
  meta: { key: string; value: MetaValue };
}

export type OutboxDb = IDBPDatabase<OutboxSchema>;

export const OUTBOX_DB = 'recordkeeper-outbox';
export const OUTBOX_VERSION = 2;

/**
 * Opens the outbox. Each version adds its steps below; never edit a step that has shipped.
 * - 1: records (by state), content (bytes per part), meta (the drain lease).
 * - 2: chunks (large parts, 4 MB per record), uploads (resumable upload URL and offset per part), audit (what
 *   happened to each record: declared, retried, discarded, synced). Version 1 rows and content stay as they are.
 */
export function openOutbox(name: string = OUTBOX_DB): Promise<OutboxDb> {
  return openDB<OutboxSchema>(name, OUTBOX_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        const records = db.createObjectStore('records', { keyPath: 'id' });
        records.createIndex('byState', 'state');
        db.createObjectStore('content', { keyPath: ['recordId', 'index'] });
        db.createObjectStore('meta');
      }
      if (oldVersion < 2) {
        db.createObjectStore('chunks', { keyPath: ['recordId', 'part', 'chunk'] });
        db.createObjectStore('uploads', { keyPath: ['recordId', 'part'] });
        const audit = db.createObjectStore('audit', { autoIncrement: true });
        audit.createIndex('byRecord', 'recordId');
      }
    },
  });
}
