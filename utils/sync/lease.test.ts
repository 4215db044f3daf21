import { beforeEach, describe, expect, it } from 'vitest';
import { type OutboxDb, openOutbox } from '../outbox/db';
import { SENDING_STALE_MS } from '../outbox/outbox';
import { acquireLease, LEASE_MS, releaseLease } from './lease';

let db: OutboxDb;
const t0 = Date.parse('2026-11-23T10:00:00Z');

beforeEach(async () => {
  db = await openOutbox(`lease-${Math.random()}`);
});

describe('the drain lease', () => {
  it('lets one drain hold it, and its holder renew it', async () => {
    expect(await acquireLease(db, 'a', t0, LEASE_MS)).toBe(true);
    expect(await acquireLease(db, 'b', t0 + 1, LEASE_MS)).toBe(false);
    expect(await acquireLease(db, 'a', t0 + LEASE_MS - 1, LEASE_MS)).toBe(true);
    // Renewed: still held past the first term.
    expect(await acquireLease(db, 'b', t0 + LEASE_MS + 1, LEASE_MS)).toBe(false);
  });

  it('passes to the next drain once a stopped holder lets it run out', async () => {
    expect(await acquireLease(db, 'stopped', t0, LEASE_MS)).toBe(true);
    expect(await acquireLease(db, 'next', t0 + LEASE_MS - 1, LEASE_MS)).toBe(false);
    expect(await acquireLease(db, 'next', t0 + LEASE_MS, LEASE_MS)).toBe(true);
    expect(await acquireLease(db, 'stopped', t0 + LEASE_MS + 1, LEASE_MS)).toBe(false);
  });

  it('is released by its holder only', async () => {
    await acquireLease(db, 'a', t0, LEASE_MS);
    await releaseLease(db, 'b');
    expect(await acquireLease(db, 'b', t0 + 1, LEASE_MS)).toBe(false);
    await releaseLease(db, 'a');
    expect(await acquireLease(db, 'b', t0 + 2, LEASE_MS)).toBe(true);
  });

  it('lets only one of two drains racing for it win', async () => {
    const won = await Promise.all(['a', 'b', 'c'].map((owner) => acquireLease(db, owner, t0, LEASE_MS)));
    expect(won.filter(Boolean)).toHaveLength(1);
  });

  it('lasts as long as a row in sending is presumed alive', () => {
    expect(SENDING_STALE_MS).toBe(LEASE_MS);
  });
});
