// @vitest-environment node
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, openDb } from './db.ts';
import { Leases, TAKE_ONE_LEASE_SQL } from './leases.ts';
import { ENGINES, freshDatabase, untilAsync } from './test/support.ts';

/**
 * Leases stand in for every "only one at a time" of the server, across processes (server/leases.ts). Two Leases
 * objects on one database are two processes as far as the database can tell.
 */
describe.each(ENGINES)('Leases on %s', (engine) => {
  let dataDir: string;
  let db: Db;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'rk-leases-'));
    const database = await freshDatabase(engine);
    drop = database.drop;
    db = await openDb({ dataDir, databaseUrl: database.databaseUrl });
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lets exactly one of two racing holders in, and the other once it is released', async () => {
    const a = new Leases(db);
    const b = new Leases(db);
    try {
      const [first, second] = await Promise.all([a.acquire('record:x'), b.acquire('record:x')]);
      expect([first, second].filter(Boolean)).toHaveLength(1);
      const held = (first ?? second)!;
      expect(await b.isHeld('record:x')).toBe(true);
      expect(await (first ? b : a).acquire('record:x')).toBeUndefined();
      await held.release();
      expect(await a.isHeld('record:x')).toBe(false);
      const again = await b.acquire('record:x');
      expect(again).toBeDefined();
      expect(b.held()).toEqual(['record:x']);
      await again!.release();
      expect(b.held()).toEqual([]);
    } finally {
      a.close();
      b.close();
    }
  });

  it('takes a lease again for the holder that holds it, as a statement run a second time does', async () => {
    const mine = new Leases(db);
    const other = new Leases(db);
    try {
      const { holder, ttlMs, taken } = mine.ask();
      const take = () => db.query(TAKE_ONE_LEASE_SQL, ['record:again', holder, ttlMs]);
      expect((await take()).rows).toHaveLength(1);
      expect((await take()).rows).toHaveLength(1);
      expect(await other.acquire('record:again')).toBeUndefined();
      await taken('record:again').release();
      expect(await other.isHeld('record:again')).toBe(false);
    } finally {
      mine.close();
      other.close();
    }
  });

  it('keeps a lease its holder renews, and hands over one whose holder died', async () => {
    const ttlMs = 600;
    const alive = new Leases(db, ttlMs);
    const dead = new Leases(db, ttlMs);
    const other = new Leases(db, ttlMs);
    try {
      const kept = await alive.acquire('upload:kept');
      const lost = await dead.acquire('upload:lost');
      expect(kept && lost).toBeDefined();
      dead.close(); // no more renewals: as if its process had been killed
      await untilAsync(async () => (await other.acquire('upload:lost')) !== undefined);
      // Past the lease period, the renewed lease is still held.
      expect(await other.acquire('upload:kept')).toBeUndefined();
      // The dead holder's release no longer touches the lease another holder took over.
      await lost!.release();
      expect(await other.isHeld('upload:lost')).toBe(true);
      await kept!.release();
    } finally {
      alive.close();
      dead.close();
      other.close();
    }
  });
});
