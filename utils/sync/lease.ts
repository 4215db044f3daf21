import type { Lease, OutboxDb } from '../outbox/db';

/**
 * How long a drain's lease lasts without renewal. The holder renews it at least every LEASE_MS / 3 (per chunk,
 * per record and on a timer), so a stopped service worker blocks the next drain for at most this long.
 * The outbox's SENDING_STALE_MS (utils/outbox/outbox.ts) is the same span: a row in `sending` is presumed
 * abandoned exactly when its drain's lease would have run out.
 */
export const LEASE_MS = 15_000;

/**
 * A lease so that two drains never send at once, even across a service-worker restart: it is kept in
 * IndexedDB and expires on its own if its holder is stopped. Read and write happen in one readwrite transaction,
 * which IndexedDB runs alone on the store, so two drains racing cannot both win.
 */
export async function acquireLease(db: OutboxDb, owner: string, now: number, ttlMs: number): Promise<boolean> {
  const tx = db.transaction('meta', 'readwrite');
  const lease = (await tx.store.get('drain')) as Lease | undefined;
  if (lease && lease.owner !== owner && lease.expiresAt > now) {
    await tx.done;
    return false;
  }
  await Promise.all([tx.store.put({ owner, expiresAt: now + ttlMs }, 'drain'), tx.done]);
  return true;
}

export async function releaseLease(db: OutboxDb, owner: string): Promise<void> {
  const tx = db.transaction('meta', 'readwrite');
  const lease = (await tx.store.get('drain')) as Lease | undefined;
  await Promise.all([lease?.owner === owner ? tx.store.delete('drain') : undefined, tx.done]);
}
