import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { DeclaredRecord, Receipt } from '../records/record';

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
  createdAt: number;
  updatedAt: number;
}

export interface ContentPart {
  recordId: string;
  index: number;
  bytes: ArrayBuffer;
}

export interface Lease {
  owner: string;
  expiresAt: number;
}

export interface OutboxSchema extends DBSchema {
  records: { key: string; value: OutboxRow; indexes: { byState: OutboxState } };
  content: { key: [string, number]; value: ContentPart };
  meta: { key: string; value: Lease };
}

export type OutboxDb = IDBPDatabase<OutboxSchema>;

export const OUTBOX_DB = 'recordkeeper-outbox';

/** Opens the outbox. Version 1 is the first schema; later versions add their steps below, never edit old ones. */
export function openOutbox(name: string = OUTBOX_DB): Promise<OutboxDb> {
  return openDB<OutboxSchema>(name, 1, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        const records = db.createObjectStore('records', { keyPath: 'id' });
        records.createIndex('byState', 'state');
        db.createObjectStore('content', { keyPath: ['recordId', 'index'] });
        db.createObjectStore('meta');
      }
    },
  });
}
