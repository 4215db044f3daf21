import { type Connector, ConnectorError } from '../connectors/connector';
import { deliver, type ProgressStore } from '../connectors/deliver';
import type { OutboxDb, OutboxRow } from '../outbox/db';
import {
  authState,
  deliveryProgress,
  dueRows,
  markOffline,
  markSyncedMany,
  offlineProbe,
  type Started,
  type Synced,
  saveDeliveryProgress,
  setAuthState,
  startSendingMany,
  updateRow,
  wakeOffline,
} from '../outbox/outbox';
import { retryDelay } from './backoff';
import { batched } from './batch';
import { acquireLease, LEASE_MS, releaseLease } from './lease';
import type { Priority } from './priority';

export interface DrainDeps {
  db: OutboxDb;
  /** Where the records go: every record is delivered through it (utils/connectors/deliver.ts). */
  connector: Connector;
  now: () => number;
  random?: () => number;
  /** Who holds the lease: unique per drain run. */
  owner: string;
  leaseMs?: number;
  /** Records sent at once (default DRAIN_CONCURRENCY). */
  concurrency?: number;
  /** Server errors (5xx) one record may meet before it waits for the user (default MAX_SERVER_ERRORS). */
  maxServerErrors?: number;
  /**
   * Declarations in this worker, which go first (utils/sync/priority.ts): the drain reads what is due, takes a
   * record and marks one synced only once they let it. None by default.
   */
  priority?: Priority;
}

/**
 * Records in flight at once. The repository answers each one only after its durable commit, and those waits
 * overlap across requests: the reference server on PGlite stored 1.6–1.8 times as many 50 KB records per second
 * for 8 concurrent clients as for one (a loaded 2-core machine), where 4 gave 1.25 times. A server that commits
 * concurrent requests together gains more.
 */
export const DRAIN_CONCURRENCY = 8;

export interface DrainReport {
  ran: boolean;
  synced: number;
  retrying: number;
  needsAttention: number;
  /** Set when the repository refused the token: nothing more is sent until the user reconnects. */
  authError?: string;
  /**
   * The repository gave no answer at all (down, offline) and did not answer after that: the drain stopped
   * sending, and the caller probes again soon (utils/sync/recovery.ts).
   */
  unreachable: boolean;
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
  const report: DrainReport = { ran: false, synced: 0, retrying: 0, needsAttention: 0, unreachable: false };
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
  // The lanes' outbox writes that fall together share one transaction: IndexedDB commits are the drain's own
  // cost per record, beside the request.
  const outbox: Outbox = {
    start: batched((ids: string[]) => startSendingMany(db, ids, now())),
    synced: batched((done: Synced[]) => markSyncedMany(db, done, now())),
  };
  try {
    // Read once: a record that syncs clears the "sign in again" state, and only the first needs to write it.
    let authNeeded = (await authState(db)).needed;
    // Rows wait as `offline` only after a send found the repository unreachable: the first send that works wakes
    // them all (below), once per drain.
    let woken = false;
    // Rounds: a send that works after the network was down wakes the rows that waited only for the network, and
    // records declared while this drain ran (whose own drain found the lease taken) are due in the next round.
    // Bounded, since a row sent in a round is not due again in the same drain.
    for (let round = 0; round < 10; round++) {
      await deps.priority?.idle();
      // After a send found the repository unreachable, one record goes first, alone, as the probe: while the
      // outage lasts a drain then costs one request and one row read, however many records wait, and the lanes
      // take the rest only once the repository has answered.
      const probe = round === 0 ? await offlineProbe(db) : undefined;
      const rows = probe ? [probe] : await dueRows(db, now());
      if (!rows.length) break;
      let stop = false;
      let next = 0;
      // A few records in flight at once: each request waits mostly on the network and the server's disk.
      const lane = async () => {
        for (;;) {
          // A declaration in progress goes first: no new send starts until it is stored and answered.
          await deps.priority?.idle();
          if (stop || report.unreachable || next >= rows.length) break;
          const row = rows[next++]!;
          await renew();
          const outcome = await sendOne(deps, outbox, row, renew);
          if (outcome === 'lost') stop = true;
          else if (outcome === 'auth') {
            stop = true;
            report.authError ??= (await db.get('records', row.id))?.lastError;
          } else if (outcome === 'unreachable') {
            // No answer at all: the rest would fail the same way, one refused request each. The lanes take no
            // more rows; those left stay due, untouched, and the next probe sends them.
            report.retrying += 1;
            report.unreachable = true;
          } else {
            report[outcome] += 1;
            if (outcome === 'synced') {
              report.unreachable = false;
              if (authNeeded) {
                authNeeded = false;
                await setAuthState(db, { needed: false, at: now() });
              }
              if (!woken) {
                woken = true;
                await wakeOffline(db, now());
              }
            }
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(deps.concurrency ?? DRAIN_CONCURRENCY, rows.length) }, lane));
      // Still unreachable after the round: stop. A send that worked after a failed one means the repository is
      // back, and the next round takes what the lanes left.
      if (stop || report.unreachable) break;
    }
  } catch (error) {
    if (!(error instanceof LeaseLost)) throw error;
  } finally {
    clearInterval(heartbeat);
    if (!lost) await releaseLease(db, owner);
  }
  return report;
}

type Outcome = 'synced' | 'retrying' | 'needsAttention' | 'auth' | 'lost' | 'unreachable';

/** One drain's batched outbox writes (see `batched`): a row turning `sending`, and one turning `synced`. */
interface Outbox {
  start: (id: string) => Promise<Started | Error>;
  /** False when the row was gone. */
  synced: (done: Synced) => Promise<boolean>;
}

/**
 * The outbox's side of one record's delivery: its saved progress (`read` when the attempt started, read again
 * after that); each save also renews the drain's lease.
 */
function progressStore(
  db: OutboxDb,
  recordId: string,
  read: unknown,
  now: () => number,
  renew: () => Promise<void>,
): ProgressStore {
  let first = true;
  return {
    get: async () => {
      if (!first) return deliveryProgress(db, recordId);
      first = false;
      return read;
    },
    save: async (progress) => {
      await renew();
      await saveDeliveryProgress(db, recordId, progress, now());
    },
  };
}

/** Anything a connector throws that is not one of the seam's errors is a failure to reach the repository. */
function asConnectorError(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  return new ConnectorError(error instanceof Error ? error.message : String(error), 'retryable', { cause: error });
}

async function sendOne(
  deps: DrainDeps,
  outbox: Outbox,
  row: OutboxRow,
  renew: (force?: boolean) => Promise<void>,
): Promise<Outcome> {
  const { db, now, random } = deps;
  const attempts = row.attempts + 1;
  try {
    const started = await outbox.start(row.id);
    if (started instanceof Error) throw started;
    const progress = progressStore(db, row.id, started.progress, now, () => renew(true));
    const receipt = await deliver(deps.connector, started.row.record, started.parts, progress);
    // The receipt is verified; its outbox write waits for a declaration in progress (the row stays `sending`).
    await deps.priority?.idle();
    if (!(await outbox.synced({ id: row.id, receipt, staged: started.staged })))
      throw new Error(`Outbox record ${row.id} is gone.`);
    return 'synced';
  } catch (error) {
    if (error instanceof LeaseLost) return 'lost';
    const failure = asConnectorError(error);
    switch (failure.kind) {
      case 'auth':
        // Not the record's fault: it waits, its attempt is not counted, and the user is asked to reconnect.
        await updateRow(db, row.id, { state: 'queued', attempts: row.attempts, lastError: failure.message }, now());
        await setAuthState(db, {
          needed: true,
          error: failure.message,
          ...(failure.interactive ? { interactive: true } : {}),
          at: now(),
        });
        return 'auth';
      case 'retryable':
      case 'throttled': {
        const serverErrors = (row.serverErrors ?? 0) + (isServerError(failure) ? 1 : 0);
        if (serverErrors >= (deps.maxServerErrors ?? MAX_SERVER_ERRORS)) {
          await updateRow(
            db,
            row.id,
            { state: 'needs-attention', lastError: poisonMessage(serverErrors, failure), serverErrors },
            now(),
          );
          return 'needsAttention';
        }
        // Throttled: never before the server said. Retryable: exponential backoff with jitter.
        const delay = retryDelay(attempts, failure.retryAfterMs, random);
        // No status: the repository was not reached at all (offline, server down, connection dropped).
        const offline = failure.status === undefined;
        await updateRow(
          db,
          row.id,
          { state: 'retrying', nextAttemptAt: now() + delay, lastError: failure.message, offline, serverErrors },
          now(),
        );
        if (offline) await markOffline(db, now());
        return offline ? 'unreachable' : 'retrying';
      }
      default:
        // exists, conflict, permanent, unsupported: only a person can decide; the content stays.
        await updateRow(db, row.id, { state: 'needs-attention', lastError: failure.message }, now());
        return 'needsAttention';
    }
  }
}

/**
 * A record the repository failed on this many times (5xx, never a 429 or a Retry-After) is not sent again until
 * the user says so: a record that crashes the server must not be retried forever. With the backoff, the last of
 * them comes 10 to 20 minutes after the first, so an outage that short leaves everything to retry on its own.
 */
export const MAX_SERVER_ERRORS = 8;

const isServerError = (failure: ConnectorError) =>
  failure.status !== undefined && failure.status >= 500 && failure.kind === 'retryable';

function poisonMessage(count: number, failure: ConnectorError): string {
  return (
    `The repository failed ${count} times on this record; it is not sent again on its own, so that it cannot ` +
    `spin forever. Its last answer: ${failure.message} Retry it once the repository's administrator has looked, ` +
    'or discard it.'
  );
}
