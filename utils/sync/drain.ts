import { RepositoryError } from '../connectors/records-api';
import type { UploadStore } from '../connectors/uploads';
import type { OutboxDb, OutboxRow } from '../outbox/db';
import {
  acquireLease,
  authState,
  clearUpload,
  contentOf,
  dueRows,
  getUpload,
  LEASE_MS,
  markSynced,
  offlineProbe,
  releaseLease,
  type StoredPart,
  saveUpload,
  setAuthState,
  updateRow,
  wakeOffline,
} from '../outbox/outbox';
import type { DeclaredRecord, Receipt } from '../records/record';
import { retryDelay } from './backoff';

/** What `send` gets besides the record: its stored parts, where their uploads stand, and a heartbeat. */
export interface SendContext {
  parts: StoredPart[];
  uploads: UploadStore;
  /** Call after each confirmed piece of a long upload: renews the lease and touches the row. */
  onProgress: () => Promise<void>;
}

export interface DrainDeps {
  db: OutboxDb;
  /** Sends one record; throws `RepositoryError` (or anything, read as a network failure). */
  send: (record: DeclaredRecord, context: SendContext) => Promise<Receipt>;
  now: () => number;
  random?: () => number;
  /** Who holds the lease: unique per drain run. */
  owner: string;
  leaseMs?: number;
  /** Records sent at once (default DRAIN_CONCURRENCY). */
  concurrency?: number;
}

export const DRAIN_CONCURRENCY = 4;

export interface DrainReport {
  ran: boolean;
  synced: number;
  retrying: number;
  needsAttention: number;
  /** Set when the repository refused the token: nothing more is sent until the user reconnects. */
  authError?: string;
}

/** Lost the lease to another drain (this one was paused past its expiry): stop sending at once. */
class LeaseLost extends Error {}

/**
 * Sends every due outbox row once. Safe to call at any moment and any number of times: a lease in IndexedDB keeps
 * a second drain out (renewed on a timer, after every record and every uploaded chunk, so a stopped service worker
 * holds it at most `leaseMs`), and the record id as Idempotency-Key makes a resend after a crash harmless.
 */
export async function drain(deps: DrainDeps): Promise<DrainReport> {
  const { db, now, owner } = deps;
  const leaseMs = deps.leaseMs ?? LEASE_MS;
  const report: DrainReport = { ran: false, synced: 0, retrying: 0, needsAttention: 0 };
  if (!(await acquireLease(db, owner, now(), leaseMs))) return report;
  report.ran = true;
  let lost = false;
  let renewedAt = now();
  const renew = async (force = false) => {
    if (lost) throw new LeaseLost('Another drain took over the outbox.');
    // Renewing is a write; a third of the lease between renewals is plenty.
    if (!force && now() - renewedAt < leaseMs / 3) return;
    renewedAt = now();
    if (!(await acquireLease(db, owner, renewedAt, leaseMs))) {
      lost = true;
      throw new LeaseLost('Another drain took over the outbox.');
    }
  };
  const heartbeat = setInterval(() => renew(true).catch(() => undefined), Math.max(1000, leaseMs / 3));
  try {
    // Rounds: a send that works after the network was down wakes the rows that waited only for the network, and
    // records declared while this drain ran (whose own drain found the lease taken) are due in the next round.
    // Bounded, since a row sent in a round is not due again in the same drain.
    for (let round = 0; round < 10; round++) {
      let rows = await dueRows(db, now());
      if (!rows.length && round === 0) {
        const probe = await offlineProbe(db);
        rows = probe ? [probe] : [];
      }
      if (!rows.length) break;
      let waking = false;
      let stop = false;
      let next = 0;
      // A few records in flight at once: each request waits mostly on the network and the server's disk.
      const lane = async () => {
        while (!stop && next < rows.length) {
          const row = rows[next++]!;
          await renew();
          const outcome = await sendOne(deps, row, renew);
          if (outcome === 'lost') stop = true;
          else if (outcome === 'auth') {
            stop = true;
            report.authError ??= (await db.get('records', row.id))?.lastError;
          } else {
            report[outcome] += 1;
            if (outcome === 'synced' && round === 0 && !waking) {
              waking = true;
              await wakeOffline(db, now());
            }
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(deps.concurrency ?? DRAIN_CONCURRENCY, rows.length) }, lane));
      if (stop) break;
    }
  } catch (error) {
    if (!(error instanceof LeaseLost)) throw error;
  } finally {
    clearInterval(heartbeat);
    if (!lost) await releaseLease(db, owner);
  }
  return report;
}

type Outcome = 'synced' | 'retrying' | 'needsAttention' | 'auth' | 'lost';

function uploadStore(db: OutboxDb, recordId: string, now: () => number): UploadStore {
  return {
    get: async (part) => getUpload(db, recordId, part),
    save: (part, { url, offset }) => saveUpload(db, { recordId, part, url, offset, updatedAt: now() }),
    clear: (part) => clearUpload(db, recordId, part),
  };
}

async function sendOne(deps: DrainDeps, row: OutboxRow, renew: (force?: boolean) => Promise<void>): Promise<Outcome> {
  const { db, send, now, random } = deps;
  const attempts = row.attempts + 1;
  await updateRow(db, row.id, { state: 'sending', attempts }, now());
  try {
    const receipt = await send(row.record, {
      parts: await contentOf(db, row),
      uploads: uploadStore(db, row.id, now),
      onProgress: async () => {
        await renew(true);
        await updateRow(db, row.id, {}, now());
      },
    });
    await markSynced(db, row.id, receipt, now());
    if ((await authState(db)).needed) await setAuthState(db, { needed: false, at: now() });
    return 'synced';
  } catch (error) {
    if (error instanceof LeaseLost) return 'lost';
    const failure = error instanceof RepositoryError ? error : new RepositoryError(String(error), 'retry');
    if (failure.kind === 'attention') {
      await updateRow(db, row.id, { state: 'needs-attention', lastError: failure.message }, now());
      return 'needsAttention';
    }
    if (failure.kind === 'auth') {
      // Not the record's fault: it waits, its attempt is not counted, and the user is asked to reconnect.
      await updateRow(db, row.id, { state: 'queued', attempts: row.attempts, lastError: failure.message }, now());
      await setAuthState(db, { needed: true, error: failure.message, at: now() });
      return 'auth';
    }
    const delay = retryDelay(attempts, failure.retryAfterMs, random);
    // No status: the repository was not reached at all (offline, server down, connection dropped).
    const offline = failure.status === undefined;
    await updateRow(
      db,
      row.id,
      { state: 'retrying', nextAttemptAt: now() + delay, lastError: failure.message, offline },
      now(),
    );
    return 'retrying';
  }
}
