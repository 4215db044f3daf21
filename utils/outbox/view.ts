import type { Receipt } from '../records/record';
import type { OutboxRow, OutboxState } from './db';

/** What the popup and options see of an outbox row: no content, no credentials. */
export interface OutboxView {
  id: string;
  title: string;
  sourceId: string;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: number;
  lastError?: string | undefined;
  receipt?: Receipt | undefined;
  declaredAt: string;
}

export function toView(row: OutboxRow): OutboxView {
  return {
    id: row.id,
    title: row.record.title,
    sourceId: row.record.source.sourceId,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt,
    lastError: row.lastError,
    receipt: row.receipt,
    declaredAt: row.record.declaredAt,
  };
}
