import { RepositoryError } from '../connectors/records-api';
import type { OutboxDb, OutboxRow } from '../outbox/db';
import { acquireLease, dueRows, markSynced, readContent, releaseLease, updateRow } from '../outbox/outbox';
import type { DeclaredRecord, Receipt } from '../records/record';
import { retryDelay } from './backoff';

export interface DrainDeps {
  db: OutboxDb;
  /** Sends one record; throws `RepositoryError` (or anything, read as a network failure). */
  send: (record: DeclaredRecord, parts: ArrayBuffer[]) => Promise<Receipt>;
  now: () => number;
  random?: () => number;
  /** Who holds the lease: unique per drain run. */
  owner: string;
  leaseMs?: number;
}

export interface DrainReport {
  ran: boolean;
  synced: number;
  retrying: number;
  needsAttention: number;
  /** Set when the repository refused the token: nothing more is sent until the user reconnects. */
  authError?: string;
}

/**
 * Sends every due outbox row once. Safe to call at any moment and any number of times: a lease keeps a second
 * drain out, and the record id as Idempotency-Key makes a resend after a crash harmless.
 */
export async function drain(deps: DrainDeps): Promise<DrainReport> {
  const { db, now, owner } = deps;
  const leaseMs = deps.leaseMs ?? 5 * 60_000;
  const report: DrainReport = { ran: false, synced: 0, retrying: 0, needsAttention: 0 };
  if (!(await acquireLease(db, owner, now(), leaseMs))) return report;
  report.ran = true;
  try {
    for (const row of await dueRows(db, now())) {
      const outcome = await sendOne(deps, row);
      if (outcome === 'auth') {
        report.authError = (await db.get('records', row.id))?.lastError;
        break;
      }
      report[outcome] += 1;
      await acquireLease(db, owner, now(), leaseMs);
    }
  } finally {
    await releaseLease(db, owner);
  }
  return report;
}

type Outcome = 'synced' | 'retrying' | 'needsAttention' | 'auth';

async function sendOne({ db, send, now, random }: DrainDeps, row: OutboxRow): Promise<Outcome> {
  const attempts = row.attempts + 1;
  await updateRow(db, row.id, { state: 'sending', attempts }, now());
  try {
    const receipt = await send(row.record, await readContent(db, row));
    await markSynced(db, row.id, receipt, now());
    return 'synced';
  } catch (error) {
    const failure = error instanceof RepositoryError ? error : new RepositoryError(String(error), 'retry');
    if (failure.kind === 'attention') {
      await updateRow(db, row.id, { state: 'needs-attention', lastError: failure.message }, now());
      return 'needsAttention';
    }
    if (failure.kind === 'auth') {
      // Not the record's fault: it waits, its attempt is not counted, and the user is asked to reconnect.
      await updateRow(db, row.id, { state: 'queued', attempts: row.attempts, lastError: failure.message }, now());
      return 'auth';
    }
    const delay = retryDelay(attempts, failure.retryAfterMs, random);
    await updateRow(db, row.id, { state: 'retrying', nextAttemptAt: now() + delay, lastError: failure.message }, now());
    return 'retrying';
  }
}
