import { beforeEach, describe, expect, it, vi } from 'vitest';
import { pageRecord, receiptFor as receiptOf, toyConnector } from '../../tests/support/records';
import {
  type Connector,
  ConnectorError,
  type Json,
  type PartSource,
  type SendPartRequest,
} from '../connectors/connector';
import { type OutboxDb, openOutbox } from '../outbox/db';
import { authState, enqueue, getRow, readContent, wholePart } from '../outbox/outbox';
import type { DeclaredRecord, Receipt } from '../records/record';
import { uuidv7 } from '../records/uuidv7';
import { type DrainDeps, drain as drainThrough } from './drain';
import { acquireLease, LEASE_MS } from './lease';
import type { Priority } from './priority';

type Send = (record: DeclaredRecord, parts: PartSource[]) => Promise<Receipt>;

/**
 * A repository whose whole delivery is `send` (the commit), with an optional `sendPart`: what the drain sees of
 * any connector through the seam.
 */
function connectorFor(send: Send, sendPart?: (request: SendPartRequest) => Promise<Json>): Connector {
  return toyConnector(
    'test',
    {},
    {
      commit: async ({ record, parts }) => (await send(record, parts)) as unknown as Json,
      ...(sendPart ? { sendPart } : {}),
    },
  );
}

/** The drain of these tests: `send` stands for the repository. */
function drain({ send, ...deps }: Omit<DrainDeps, 'connector'> & { send: Send }) {
  return drainThrough({ ...deps, connector: connectorFor(send) });
}

let db: OutboxDb;
let clock: number;
const now = () => clock;

function record(): DeclaredRecord {
  return pageRecord({
    id: uuidv7(clock),
    content: [{ role: 'primary', name: 'a.txt', mimeType: 'text/plain', size: 2, sha256: 'a'.repeat(64) }],
    declaredAt: new Date(clock).toISOString(),
  });
}

const receiptFor = (r: DeclaredRecord) => receiptOf(r, new Date(clock).toISOString());

/** A repository that answers every send with `error`. */
const failing =
  (error: ConnectorError): Send =>
  async () => {
    throw error;
  };

/** A repository that refuses every connection until `reachable` is set; `requests` counts what reached it. */
function outage() {
  const repository = {
    reachable: false,
    requests: 0,
    send: async (rec: DeclaredRecord) => {
      repository.requests += 1;
      if (!repository.reachable) {
        throw new ConnectorError('Could not reach the repository: connection refused', 'retryable');
      }
      return receiptFor(rec);
    },
  };
  return repository;
}

/** One drain by `a` through `send`, one record at a time: its report, and how many sends it made. */
async function drainOneByOne(send: Send) {
  let calls = 0;
  const counted: Send = (record, parts) => {
    calls += 1;
    return send(record, parts);
  };
  const report = await drain({ db, now, owner: 'a', concurrency: 1, send: counted });
  return { report, calls };
}

/** Declares one record now. */
async function declared(): Promise<DeclaredRecord> {
  const r = record();
  await enqueue(db, r, [new ArrayBuffer(2)], clock);
  return r;
}

/** Declares `n` records a millisecond apart (the clock moves on before each), oldest first. */
async function queue(n: number): Promise<DeclaredRecord[]> {
  const records: DeclaredRecord[] = [];
  for (let i = 0; i < n; i++) {
    clock += 1;
    records.push(await declared());
  }
  return records;
}

beforeEach(async () => {
  clock = Date.parse('2026-11-23T10:00:00Z');
  db = await openOutbox(`test-${Math.random()}`);
});

describe('drain', () => {
  it('sends queued records, stores the receipt and releases the content', async () => {
    const r = record();
    await enqueue(db, r, [new TextEncoder().encode('hi').buffer], clock);
    const sent: string[] = [];
    const send = async (rec: DeclaredRecord) => {
      sent.push(rec.id);
      return receiptFor(rec);
    };
    const report = await drain({ db, now, owner: 'a', send });
    expect(report).toMatchObject({ ran: true, synced: 1 });
    expect(sent).toEqual([r.id]);
    const row = await getRow(db, r.id);
    expect(row?.state).toBe('synced');
    expect(row?.receipt?.id).toBe(r.id);
    expect(await db.count('content')).toBe(0);
  });

  it('releases the chunks and the progress a record had', async () => {
    const [chunked, whole] = [record(), record()];
    await enqueue(db, chunked, [new TextEncoder().encode('hi').buffer], clock, 1);
    await enqueue(db, whole, [new TextEncoder().encode('hi').buffer], clock);
    expect(await db.count('chunks')).toBe(2);
    // The chunked record saves progress during its attempt (a checkpoint); the whole one saves none.
    const connector = connectorFor(
      async (rec) => receiptFor(rec),
      async ({ part, save }) => {
        if (part.chunks > 1) await save({ url: 'http://x/u/1', offset: 1 });
        return { sent: true };
      },
    );
    expect((await drainThrough({ db, now, owner: 'a', connector })).synced).toBe(2);
    expect([await db.count('chunks'), await db.count('delivery'), await db.count('content')]).toEqual([0, 0, 0]);
  });

  it('also sends what was declared while it ran, whose own drain found the lease taken', async () => {
    const first = await declared();
    const later = { ...record(), id: uuidv7(clock + 1) };
    const sent: string[] = [];
    const send = async (rec: DeclaredRecord) => {
      sent.push(rec.id);
      if (rec.id === first.id) {
        await enqueue(db, later, [new ArrayBuffer(2)], clock);
        expect((await drain({ db, now, owner: 'b', send })).ran).toBe(false);
      }
      return receiptFor(rec);
    };
    expect(await drain({ db, now, owner: 'a', send })).toMatchObject({ ran: true, synced: 2 });
    expect(sent).toEqual([first.id, later.id]);
  });

  it('retries after a transient failure with backoff honouring Retry-After', async () => {
    const r = await declared();
    const send = async () => {
      throw new ConnectorError('busy', 'throttled', { status: 503, retryAfterMs: 90_000 });
    };
    const report = await drain({ db, now, owner: 'a', send, random: () => 0 });
    expect(report.retrying).toBe(1);
    const row = await getRow(db, r.id);
    expect(row).toMatchObject({ state: 'retrying', attempts: 1, lastError: 'busy', nextAttemptAt: clock + 90_000 });
    expect(await readContent(db, row!)).toHaveLength(1);
    // Not due yet: a second drain sends nothing.
    expect((await drain({ db, now, owner: 'b', send })).retrying).toBe(0);
  });

  it('marks a rejected record as needing attention and keeps its content', async () => {
    const r = await declared();
    await drain({
      db,
      now,
      owner: 'a',
      send: failing(new ConnectorError('field caseNumber must look like HR-1234', 'permanent', { status: 422 })),
    });
    expect(await getRow(db, r.id)).toMatchObject({
      state: 'needs-attention',
      lastError: 'field caseNumber must look like HR-1234',
    });
    expect(await db.count('content')).toBe(1);
  });

  it('stops at a refused token without counting an attempt', async () => {
    await queue(2);
    const { report, calls } = await drainOneByOne(async () => {
      throw new ConnectorError('token revoked', 'auth', { status: 401 });
    });
    expect(calls).toBe(1);
    expect(report.authError).toBe('token revoked');
    const rows = await db.getAll('records');
    expect(rows.map((row) => [row.state, row.attempts])).toEqual([
      ['queued', 0],
      ['queued', 0],
    ]);
    expect(await authState(db)).toEqual({ needed: true, error: 'token revoked', at: clock });

    // Reconnected (the background drains on a settings change): everything goes, and the state clears.
    const after = await drain({ db, now, owner: 'b', send: async (rec: DeclaredRecord) => receiptFor(rec) });
    expect(after).toMatchObject({ synced: 2 });
    expect((await authState(db)).needed).toBe(false);
  });

  it('does not run while another drain holds the lease, and runs once it expires', async () => {
    await enqueue(db, record(), [new ArrayBuffer(2)], clock);
    expect(await acquireLease(db, 'other', clock, 60_000)).toBe(true);
    const send = async (rec: DeclaredRecord) => receiptFor(rec);
    expect((await drain({ db, now, owner: 'a', send })).ran).toBe(false);
    clock += 60_001;
    expect(await drain({ db, now, owner: 'a', send })).toMatchObject({ ran: true, synced: 1 });
  });

  it('sends each record exactly once when two drains race, from two connections to the outbox', async () => {
    const name = db.name;
    const ids = (await queue(20)).map((r) => r.id);
    const other = await openOutbox(name);
    const sent: string[] = [];
    const send = async (rec: DeclaredRecord) => {
      sent.push(rec.id);
      await new Promise((resolve) => setTimeout(resolve, 1));
      return receiptFor(rec);
    };
    const reports = await Promise.all([
      drain({ db, now, owner: 'a', send }),
      drain({ db: other, now, owner: 'b', send }),
      drain({ db: other, now, owner: 'c', send }),
    ]);
    expect(reports.filter((r) => r.ran)).toHaveLength(1);
    expect(sent.sort()).toEqual(ids.sort());
    expect((await db.getAll('records')).every((row) => row.state === 'synced')).toBe(true);
  });

  it('keeps its lease through a long upload and touches the row on every piece', async () => {
    const r = record();
    await enqueue(db, r, [new ArrayBuffer(10)], clock);
    const seen: number[] = [];
    const connector = connectorFor(
      async (rec) => receiptFor(rec),
      async ({ part, save }) => {
        expect(await wholePart(part)).toHaveProperty('byteLength', 10);
        for (let piece = 0; piece < 3; piece++) {
          clock += LEASE_MS - 1;
          await save({ url: 'http://x/u/1', offset: piece });
          seen.push((await getRow(db, r.id))!.updatedAt);
          // Another drain, started meanwhile, finds the lease taken.
          expect(await acquireLease(db, 'b', clock, LEASE_MS)).toBe(false);
        }
        return { url: 'http://x/u/1' };
      },
    );
    const report = await drainThrough({ db, now, owner: 'a', connector });
    expect(report.synced).toBe(1);
    expect(seen).toEqual([1, 2, 3].map((n) => Date.parse('2026-11-23T10:00:00Z') + n * (LEASE_MS - 1)));
  });

  it('stops sending as soon as another drain has taken over an expired lease', async () => {
    await queue(3);
    const { report, calls } = await drainOneByOne(async (rec) => {
      // This drain was paused past its lease, and another one took the outbox.
      clock += LEASE_MS + 1;
      await acquireLease(db, 'b', clock, LEASE_MS);
      return receiptFor(rec);
    });
    expect(report.ran).toBe(true);
    expect(calls).toBe(1);
  });

  it('resumes a record a stopped drain left in sending, once its lease has expired', async () => {
    const r = await declared();
    expect(await acquireLease(db, 'stopped-worker', clock, LEASE_MS)).toBe(true);
    const { updateRow } = await import('../outbox/outbox');
    await updateRow(db, r.id, { state: 'sending', attempts: 1 }, clock);
    const send = async (rec: DeclaredRecord) => receiptFor(rec);
    expect((await drain({ db, now, owner: 'new-worker', send })).ran).toBe(false);
    clock += LEASE_MS;
    expect(await drain({ db, now, owner: 'new-worker', send })).toMatchObject({ ran: true, synced: 1 });
    expect(await getRow(db, r.id)).toMatchObject({ state: 'synced', attempts: 2 });
  });

  it('sends everything as soon as the repository is reachable again, without sitting out the backoff', async () => {
    await queue(3);
    const repository = outage();
    const { send } = repository;
    expect(await drain({ db, now, owner: 'a', send, random: () => 1 })).toMatchObject({ retrying: 3 });
    expect((await db.getAll('records')).every((row) => row.offline && row.nextAttemptAt > clock)).toBe(true);
    // Back online, long before the backoff ends: one probe gets through, the rest follow in the same drain.
    repository.reachable = true;
    clock += 100;
    expect(await drain({ db, now, owner: 'b', send })).toMatchObject({ synced: 3 });
    // A server that asked to wait is not hammered: a 503 row keeps its time.
    clock += 1;
    const busy = await declared();
    await drain({
      db,
      now,
      owner: 'c',
      send: failing(new ConnectorError('busy', 'throttled', { status: 503, retryAfterMs: 60_000 })),
    });
    expect(await drain({ db, now, owner: 'd', send })).toMatchObject({ synced: 0 });
    expect((await getRow(db, busy.id))?.state).toBe('retrying');
  });

  it('stops at the first send that finds the repository unreachable, and says so; the next drain sends all', async () => {
    const ids = (await queue(10)).map((r) => r.id);
    const repository = outage();
    const { send } = repository;
    expect(await drain({ db, now, owner: 'a', send, concurrency: 1 })).toMatchObject({
      retrying: 1,
      unreachable: true,
    });
    // One refused request, not ten: the others wait untouched, still due.
    expect(repository.requests).toBe(1);
    expect(await getRow(db, ids[0]!)).toMatchObject({ state: 'retrying', offline: true });
    for (const id of ids.slice(1)) expect(await getRow(db, id)).toMatchObject({ state: 'queued', attempts: 0 });
    repository.reachable = true;
    clock += 100;
    // The probe is the record that found the repository unreachable; its success wakes it out of its backoff, and
    // the lanes take the rest in the same drain.
    expect(await drain({ db, now, owner: 'b', send })).toMatchObject({ synced: 10, unreachable: false });
    expect(repository.requests).toBe(11);
  });

  it('probes with one record while the outage lasts, and opens every lane once it is answered', async () => {
    const ids = (await queue(20)).map((r) => r.id);
    const repository = outage();
    const { send } = repository;
    // The first drain's lanes each took a record before the first refusal came back.
    await drain({ db, now, owner: 'a', send });
    const first = repository.requests;
    expect(first).toBeGreaterThan(1);
    // Every probe after it is one request, and the records no lane took stay untouched.
    for (let probe = 0; probe < 3; probe++) {
      clock += 1000;
      expect(await drain({ db, now, owner: 'b', send })).toMatchObject({ retrying: 1, unreachable: true });
    }
    expect(repository.requests).toBe(first + 3);
    const untouched = (await Promise.all(ids.map((id) => getRow(db, id)))).filter((row) => row?.attempts === 0);
    expect(untouched).toHaveLength(20 - first);
    repository.reachable = true;
    clock += 1000;
    expect(await drain({ db, now, owner: 'c', send })).toMatchObject({ synced: 20, unreachable: false });
  });

  it('keeps sending when a send works after one found no answer (one timed-out request, not an outage)', async () => {
    await queue(6);
    let failed = false;
    const send = async (rec: DeclaredRecord) => {
      if (!failed) {
        failed = true;
        throw new ConnectorError('The repository did not answer in time', 'retryable');
      }
      return receiptFor(rec);
    };
    const report = await drain({ db, now, owner: 'a', send, concurrency: 2 });
    // The timed-out record is woken by the next success and sent in the following round.
    expect(report).toMatchObject({ synced: 6, unreachable: false });
  });

  it.each([
    ['exists', 'An item named a.txt exists and is not ours'],
    ['conflict', 'Record was already received with a different body'],
    ['permanent', 'field caseNumber must look like HR-1234'],
    ['unsupported', 'The repository takes parts of at most 250 MB'],
  ] as const)('asks the user to look at a record refused as %s, with the repository’s words', async (kind, words) => {
    const r = await declared();
    const report = await drain({
      db,
      now,
      owner: 'a',
      send: failing(new ConnectorError(words, kind, { status: 409 })),
    });
    expect(report.needsAttention).toBe(1);
    expect(await getRow(db, r.id)).toMatchObject({ state: 'needs-attention', lastError: words, attempts: 1 });
    expect(await db.count('content')).toBe(1);
  });

  it('waits as long as a throttling repository says, even on the first retry', async () => {
    const r = await declared();
    const send = async () => {
      throw new ConnectorError('slow down', 'throttled', { status: 429, retryAfterMs: 120_000 });
    };
    await drain({ db, now, owner: 'a', send, random: () => 1 });
    expect(await getRow(db, r.id)).toMatchObject({ state: 'retrying', nextAttemptAt: clock + 120_000 });
  });

  it('records that only the user can fix refused credentials, so the options page asks them to sign in', async () => {
    await enqueue(db, record(), [new ArrayBuffer(2)], clock);
    await drain({
      db,
      now,
      owner: 'a',
      send: failing(new ConnectorError('sign in again', 'auth', { status: 401, interactive: true })),
    });
    expect(await authState(db)).toEqual({ needed: true, interactive: true, error: 'sign in again', at: clock });
  });

  it('stops retrying a record the repository keeps failing on, and says so with its answer (issue 10 item 4)', async () => {
    const poison = await declared();
    const send = async (rec: DeclaredRecord) => {
      if (rec.id === poison.id) {
        throw new ConnectorError('The repository is not available (500): invalid byte sequence', 'retryable', {
          status: 500,
        });
      }
      return receiptFor(rec);
    };
    const states: string[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      await drain({ db, now, owner: `d${attempt}`, send, random: () => 0, maxServerErrors: 3 });
      const row = (await getRow(db, poison.id))!;
      states.push(row.state);
      clock = row.nextAttemptAt;
    }
    expect(states).toEqual(['retrying', 'retrying', 'needs-attention']);
    const row = (await getRow(db, poison.id))!;
    expect(row.lastError).toMatch(/failed 3 times on this record.*\(500\): invalid byte sequence/);
    // Nothing is lost: the content stays, and the user's retry starts the count again.
    expect(await db.count('content')).toBe(1);
    const { retryRow } = await import('../outbox/manage');
    expect(await retryRow(db, poison.id, clock)).toMatchObject({ state: 'queued', serverErrors: undefined });
  });

  it('never counts a busy or unreachable repository against a record', async () => {
    const r = await declared();
    const failures = [
      new ConnectorError('busy', 'throttled', { status: 503, retryAfterMs: 1000 }),
      new ConnectorError('Could not reach the repository', 'retryable'),
      new ConnectorError('slow down', 'throttled', { status: 429 }),
    ];
    for (const [i, failure] of [...failures, ...failures].entries()) {
      await drain({
        db,
        now,
        owner: `d${i}`,
        maxServerErrors: 1,
        send: async () => {
          throw failure;
        },
      });
      clock = (await getRow(db, r.id))!.nextAttemptAt;
    }
    expect(await getRow(db, r.id)).toMatchObject({ state: 'retrying', attempts: 6 });
  });
});

describe('records in flight at once', () => {
  it('sends up to `concurrency` records at a time, oldest first, and keeps the lease exclusive meanwhile', async () => {
    const ids = (await queue(12)).map((r) => r.id);
    const started: string[] = [];
    let inFlight = 0;
    let most = 0;
    let open: () => void = () => undefined;
    const full = new Promise<void>((resolve) => {
      open = resolve;
    });
    const send = async (rec: DeclaredRecord) => {
      started.push(rec.id);
      inFlight += 1;
      most = Math.max(most, inFlight);
      // The first sends wait until four are in flight together: the lanes really overlap.
      if (inFlight === 4) open();
      await full;
      expect(await acquireLease(db, 'other', clock, LEASE_MS)).toBe(false);
      inFlight -= 1;
      return receiptFor(rec);
    };
    expect(await drain({ db, now, owner: 'a', send, concurrency: 4 })).toMatchObject({ synced: 12 });
    expect(most).toBe(4);
    expect(started).toEqual(ids);
    expect((await db.getAll('records')).map((row) => [row.state, row.attempts])).toEqual(ids.map(() => ['synced', 1]));
    expect(await db.count('content')).toBe(0);
  });

  it('files each record’s own outcome: one refused or failing record does not stop the others', async () => {
    const records = await queue(10);
    const refused = records[2]!.id;
    const failing = records[5]!.id;
    const send = async (rec: DeclaredRecord) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (rec.id === refused) throw new ConnectorError('field caseNumber must look like HR-1234', 'permanent');
      if (rec.id === failing) throw new ConnectorError('The repository failed (500)', 'retryable', { status: 500 });
      return receiptFor(rec);
    };
    expect(await drain({ db, now, owner: 'a', send, concurrency: 4 })).toMatchObject({
      synced: 8,
      needsAttention: 1,
      retrying: 1,
      unreachable: false,
    });
    expect(await getRow(db, refused)).toMatchObject({ state: 'needs-attention', attempts: 1 });
    expect(await getRow(db, failing)).toMatchObject({ state: 'retrying', attempts: 1, serverErrors: 1 });
    // Nothing lost: the two keep their content; the eight synced released theirs.
    expect(await db.count('content')).toBe(2);
  });

  it('tries each record once per drain in a storm of server errors, however many lanes', async () => {
    const ids = (await queue(20)).map((r) => r.id);
    const sent: string[] = [];
    const send = async (rec: DeclaredRecord): Promise<Receipt> => {
      sent.push(rec.id);
      throw new ConnectorError('The repository failed (502)', 'retryable', { status: 502 });
    };
    expect(await drain({ db, now, owner: 'a', send, random: () => 0 })).toMatchObject({ retrying: 20, synced: 0 });
    expect(sent.sort()).toEqual(ids);
    // Backing off: a drain straight after sends nothing.
    expect(await drain({ db, now, owner: 'b', send })).toMatchObject({ retrying: 0 });
    expect(sent).toHaveLength(20);
    expect((await db.getAll('records')).every((row) => row.state === 'retrying' && row.serverErrors === 1)).toBe(true);
  });
});

/**
 * Declarations the test starts and ends: every `idle` of the drain waits while one is in progress, and how many
 * wait is counted.
 */
function declarations() {
  let end: () => void = () => undefined;
  let ended = Promise.resolve();
  const held = { waiting: 0 };
  const priority: Priority = {
    during: (work) => work(),
    idle: async () => {
      held.waiting += 1;
      await ended;
      held.waiting -= 1;
    },
  };
  return {
    priority,
    held,
    begin() {
      ended = new Promise<void>((resolve) => {
        end = resolve;
      });
    },
    end: () => end(),
  };
}

describe('declarations go first', () => {
  it('starts no send while a declaration is in progress, then sends every record once', async () => {
    const ids = (await queue(6)).map((r) => r.id);
    const sent: string[] = [];
    const send = async (rec: DeclaredRecord) => {
      sent.push(rec.id);
      return receiptFor(rec);
    };
    const user = declarations();
    user.begin();
    const drained = drain({ db, now, owner: 'a', send, concurrency: 3, priority: user.priority });
    await vi.waitFor(() => expect(user.held.waiting).toBe(1));
    expect(sent).toEqual([]);
    expect((await db.getAll('records')).map((row) => row.state)).toEqual(ids.map(() => 'queued'));
    user.end();
    expect(await drained).toMatchObject({ synced: 6, retrying: 0 });
    expect(sent).toEqual(ids);
    expect((await db.getAll('records')).map((row) => [row.state, row.attempts])).toEqual(ids.map(() => ['synced', 1]));
  });

  it('holds back new sends and the synced marks of those in flight while a declaration runs; none is sent twice', async () => {
    const ids = (await queue(6)).map((r) => r.id);
    const sent: string[] = [];
    const user = declarations();
    const send = async (rec: DeclaredRecord) => {
      sent.push(rec.id);
      // The user declares something while the first records are on their way.
      if (sent.length === 1) user.begin();
      return receiptFor(rec);
    };
    const drained = drain({ db, now, owner: 'a', send, concurrency: 2, priority: user.priority });
    await vi.waitFor(() => expect(user.held.waiting).toBe(2));
    // The two records in flight were received, but are marked synced only once the declaration is stored.
    expect(sent).toEqual(ids.slice(0, 2));
    expect((await db.getAll('records')).map((row) => row.state)).toEqual([
      'sending',
      'sending',
      'queued',
      'queued',
      'queued',
      'queued',
    ]);
    user.end();
    expect(await drained).toMatchObject({ synced: 6 });
    expect(sent).toEqual(ids);
    expect((await db.getAll('records')).map((row) => [row.state, row.attempts])).toEqual(ids.map(() => ['synced', 1]));
    expect(await db.count('content')).toBe(0);
  });
});
