import type { Receipt } from '../records/record';
import type { AuditLine } from '../ui/views';
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

/** A row of the options page's outbox and history lists: the view and what the audit trail says of it. */
export interface HistoryRow extends OutboxView {
  /** The row's audit lines, oldest first. */
  events: AuditLine[];
}

/** Which rows a page is cut from. */
export interface PageRequest {
  offset: number;
  limit: number;
  /** Only rows that still wait to reach the repository (queued, sending, retrying, needs attention). */
  pending?: boolean | undefined;
  /** Only rows whose title, ids, state, error or audit lines contain this text (any case). */
  query?: string | undefined;
}

/** One page of rows, newest first, and how many rows the whole list has. */
export interface OutboxPage {
  total: number;
  offset: number;
  rows: HistoryRow[];
}
