import { randomUUID } from 'node:crypto';
import type { Db } from './db.ts';

/**
 * Named, expiring locks in the database, shared by every server process on it: "this record id is being received",
 * "this upload is being written". What one process may do alone it must hold a lease for, never a process-local
 * set, so any number of processes can serve the same database.
 *
 * - Insert-first: acquiring is one INSERT into `leases` (server/db.ts); the primary key lets exactly one of racing
 *   processes in. A lease whose holder died (a crash, a lost machine) lapses `ttlMs` after its last renewal and the
 *   next acquirer takes it over in the same statement.
 * - A holder renews its leases every `ttlMs / 3` while it works, so a long request (a 1 GB body) keeps its lease.
 * - Times are the database's clock (clock_timestamp()), the one clock every process shares.
 * - The table is UNLOGGED: a lease is worth nothing after a database crash (its holder's connection is gone too),
 *   so it costs no WAL flush. What must never happen twice — a record stored twice — is still the records table's
 *   primary key; the lease only lets the second request be told "in flight" instead of racing.
 */
export class Leases {
  /** Names held by this process, with their renewal timers: for renewal and for tests to observe, never to decide. */
  private readonly mine = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly ttlMs = DEFAULT_LEASE_TTL_MS,
  ) {
    this.timer = setInterval(() => void this.renew(), Math.max(1, Math.floor(ttlMs / 3)));
    this.timer.unref();
  }

  /** Takes the lease `name`; undefined when another request (of any process) holds it. */
  async acquire(name: string): Promise<Lease | undefined> {
    const { holder, ttlMs, taken } = this.ask();
    const { rows } = await this.db.query(TAKE_ONE_LEASE_SQL, [name, holder, ttlMs]);
    return rows.length ? taken(name) : undefined;
  }

  /**
   * One try at a lease, for a statement that takes it on its way (takeLeasesSql): the record lease of POST /records
   * is taken by the statement that checks the token, and named after the token's user (server/tokens.ts). `taken`
   * is called with the lease's name once the statement said it was taken.
   */
  ask(): { holder: string; ttlMs: number; taken(name: string): Lease } {
    const holder = randomUUID();
    return { holder, ttlMs: this.ttlMs, taken: (name) => this.hold(name, holder) };
  }

  private hold(name: string, holder: string): Lease {
    this.mine.set(name, holder);
    let released = false;
    const forget = () => {
      released = true;
      if (this.mine.get(name) === holder) this.mine.delete(name);
    };
    return {
      name,
      holder,
      release: async () => {
        if (released) return;
        forget();
        await this.db.query('DELETE FROM leases WHERE name = $1 AND holder = $2', [name, holder]);
      },
      releasedBy: () => {
        if (!released) forget();
      },
    };
  }

  /** Whether a live lease `name` exists, held by any process. */
  async isHeld(name: string): Promise<boolean> {
    const { rows } = await this.db.query('SELECT 1 FROM leases WHERE name = $1 AND until >= clock_timestamp()', [name]);
    return rows.length > 0;
  }

  /** The names this process holds right now. */
  held(): string[] {
    return [...this.mine.keys()];
  }

  private async renew(): Promise<void> {
    if (!this.mine.size) return;
    const names = [...this.mine.keys()];
    const holders = names.map((name) => this.mine.get(name)!);
    try {
      await this.db.query(
        `UPDATE leases SET until = clock_timestamp() + $3 * interval '1 millisecond'
         FROM unnest($1::text[], $2::text[]) AS mine (name, holder)
         WHERE leases.name = mine.name AND leases.holder = mine.holder`,
        [names, holders, this.ttlMs],
      );
    } catch (error) {
      // A missed renewal is retried at the next tick; a lease only lapses after ttlMs without any.
      console.error(`Could not renew ${names.length} lease(s): ${(error as Error).message}`);
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}

export interface Lease {
  name: string;
  /** Random per acquisition: a statement that deletes the lease matches it by name and holder. */
  holder: string;
  release(): Promise<void>;
  /** The lease was deleted by a statement of the holder's own (the record insert): forget it without a query. */
  releasedBy(): void;
}

/**
 * The statement that takes leases, alone or as a CTE of a larger one: `from` is a row source with the columns
 * `name`, `holder` (fresh per acquisition) and `ttl_ms` (Leases.ask gives them). It returns `name` and `holder`
 * of each lease taken, that is, free, lapsed, or already this holder's: a statement run again after it committed
 * (server/batcher.ts runs a failed batch's items again, one by one) takes its own lease again rather than find it
 * held. One statement must not name a lease twice.
 */
export const takeLeasesSql = (from: string) =>
  `INSERT INTO leases (name, holder, until)
   SELECT name, holder, clock_timestamp() + ttl_ms * interval '1 millisecond' FROM ${from}
   ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
     WHERE leases.until < clock_timestamp() OR leases.holder = excluded.holder
   RETURNING name, holder`;

/** takeLeasesSql for one lease, its name, holder and ttl_ms given as $1, $2 and $3. */
export const TAKE_ONE_LEASE_SQL = takeLeasesSql('(VALUES ($1, $2, $3::int)) AS wanted (name, holder, ttl_ms)');

/** Long enough for a busy database to answer a renewal; short enough that a crashed holder blocks only briefly. */
export const DEFAULT_LEASE_TTL_MS = 30_000;
