import { beforeEach, describe, expect, it } from 'vitest';
import { RepositoryError } from '../connectors/records-api';
import { type OutboxDb, openOutbox } from '../outbox/db';
import { acquireLease, enqueue, getRow, readContent } from '../outbox/outbox';
import type { DeclaredRecord, Receipt } from '../records/record';
import { uuidv7 } from '../records/uuidv7';
import { drain } from './drain';

let db: OutboxDb;
let clock: number;
const now = () => clock;

function record(): DeclaredRecord {
  return {
    id: uuidv7(clock),
    source: { app: 'generic', kind: 'page', url: 'https://example.org/a', sourceId: 'https://example.org/a' },
    title: 'A page',
    metadata: {},
    classification: {},
    tags: [],
    fields: {},
    content: [{ role: 'primary', name: 'a.txt', mimeType: 'text/plain', size: 2, sha256: 'a'.repeat(64) }],
    declaredAt: new Date(clock).toISOString(),
  };
}

function receiptFor(r: DeclaredRecord): Receipt {
  return {
    id: r.id,
    url: `http://127.0.0.1/records/${r.id}`,
    receivedAt: new Date(clock).toISOString(),
    content: r.content.map(({ name, sha256, size }) => ({ name, sha256, size })),
  };
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

  it('retries after a transient failure with backoff honouring Retry-After', async () => {
    const r = record();
    await enqueue(db, r, [new ArrayBuffer(2)], clock);
    const send = async () => {
      throw new RepositoryError('busy', 'retry', 503, 90_000);
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
    const r = record();
    await enqueue(db, r, [new ArrayBuffer(2)], clock);
    await drain({
      db,
      now,
      owner: 'a',
      send: async () => {
        throw new RepositoryError('field caseNumber must look like HR-1234', 'attention', 422);
      },
    });
    expect(await getRow(db, r.id)).toMatchObject({
      state: 'needs-attention',
      lastError: 'field caseNumber must look like HR-1234',
    });
    expect(await db.count('content')).toBe(1);
  });

  it('stops at a refused token without counting an attempt', async () => {
    await enqueue(db, record(), [new ArrayBuffer(2)], clock);
    clock += 1;
    await enqueue(db, record(), [new ArrayBuffer(2)], clock);
    let calls = 0;
    const report = await drain({
      db,
      now,
      owner: 'a',
      send: async () => {
        calls += 1;
        throw new RepositoryError('token revoked', 'auth', 401);
      },
    });
    expect(calls).toBe(1);
    expect(report.authError).toBe('token revoked');
    const rows = await db.getAll('records');
    expect(rows.map((row) => [row.state, row.attempts])).toEqual([
      ['queued', 0],
      ['queued', 0],
    ]);
  });

  it('does not run while another drain holds the lease, and runs once it expires', async () => {
    await enqueue(db, record(), [new ArrayBuffer(2)], clock);
    expect(await acquireLease(db, 'other', clock, 60_000)).toBe(true);
    const send = async (rec: DeclaredRecord) => receiptFor(rec);
    expect((await drain({ db, now, owner: 'a', send })).ran).toBe(false);
    clock += 60_001;
    expect(await drain({ db, now, owner: 'a', send })).toMatchObject({ ran: true, synced: 1 });
  });
});
