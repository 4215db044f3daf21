import type { PartSource } from '../connectors/connector';
import type { DeliveryProgress } from '../connectors/deliver';
import type { DeclaredRecord, Receipt } from '../records/record';
import type { StagedPart } from '../records/staged';
import type { AuditLine } from '../ui/views';
import {
  type AuthState,
  addToTotal,
  type ContentPart,
  type OfflineMark,
  type OutboxDb,
  type OutboxRow,
  type OutboxState,
  statesStore,
} from './db';

/** Parts larger than this are stored as chunks of this size, and read back one chunk at a time. */
export const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * A row in `sending` not touched for this long belongs to a drain that was stopped; it is sent again. The same
 * span as the drain's lease (utils/sync/lease.ts LEASE_MS), which its drain renews more often than this.
 */
export const SENDING_STALE_MS = 15_000;

const WHOLE = (id: string) => IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER]);
const ALL_CHUNKS = (id: string) =>
  IDBKeyRange.bound([id, 0, 0], [id, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]);

/** QuotaExceededError, however the browser (or idb) surfaces it: the request's error or the transaction's. */
export function isQuotaError(error: unknown): boolean {
  const e = error as { name?: unknown; code?: unknown; inner?: unknown } | null;
  return e?.name === 'QuotaExceededError' || e?.code === 22;
}

export const QUOTA_MESSAGE =
  'Not enough storage to keep this declaration: free some space on this computer (empty the downloads folder or ' +
  "the browser's cache), or let the outbox send what it holds, then declare again. Nothing was declared.";

/** The outbox row of a record just declared: due at once, never tried. */
export function queuedRow(record: DeclaredRecord, now: number): OutboxRow {
  return { id: record.id, record, state: 'queued', attempts: 0, nextAttemptAt: now, createdAt: now, updatedAt: now };
}

/**
 * Writes the record and all its content in one transaction: either both are stored or neither. Only after this
 * resolves may the user be told "Declared". A part over one chunk is split into CHUNK_BYTES records. A full disk
 * (QuotaExceededError) becomes an Error that says what to do.
 */
export async function enqueue(
  db: OutboxDb,
  record: DeclaredRecord,
  parts: (ArrayBuffer | StagedPart)[],
  now: number,
  chunkBytes = CHUNK_BYTES,
): Promise<void> {
  if (parts.length !== record.content.length) {
    throw new Error(`The record lists ${record.content.length} content parts but ${parts.length} were captured.`);
  }
  const tx = db.transaction(['records', 'content', 'chunks', 'audit', 'meta'], 'readwrite');
  const writes: Promise<unknown>[] = [tx.objectStore('records').add(queuedRow(record, now)), addToTotal(tx, 1)];
  parts.forEach((part, index) => {
    const content = tx.objectStore('content');
    if (!(part instanceof ArrayBuffer)) {
      writes.push(content.put({ recordId: record.id, index, chunkKey: part.staged, ...sizes(part) } as ContentPart));
      return;
    }
    if (part.byteLength <= chunkBytes) {
      writes.push(content.put({ recordId: record.id, index, bytes: part }));
      return;
    }
    const chunks = Math.ceil(part.byteLength / chunkBytes);
    writes.push(content.put({ recordId: record.id, index, size: part.byteLength, chunks, chunkSize: chunkBytes }));
    for (let chunk = 0; chunk < chunks; chunk++) {
      const bytes = new Blob([part.slice(chunk * chunkBytes, (chunk + 1) * chunkBytes)]);
      writes.push(tx.objectStore('chunks').put({ recordId: record.id, part: index, chunk, bytes }));
    }
  });
  writes.push(tx.objectStore('audit').add({ at: now, recordId: record.id, action: 'declared', detail: record.title }));
  try {
    await Promise.all([...writes, tx.done]);
  } catch (error) {
    await tx.done.catch(() => undefined);
    if (isQuotaError(error) || isQuotaError(tx.error)) throw new Error(QUOTA_MESSAGE);
    throw error;
  }
}

const sizes = ({ size, chunks, chunkSize }: StagedPart) => ({ size, chunks, chunkSize });

/** Stores one chunk of a part being captured, before its record exists; `enqueue` then refers to it by `staged`. */
export async function stageChunk(db: OutboxDb, staged: string, part: number, chunk: number, bytes: ArrayBuffer) {
  try {
    await db.put('chunks', { recordId: staged, part, chunk, bytes: new Blob([bytes]) });
  } catch (error) {
    if (isQuotaError(error)) throw new Error(QUOTA_MESSAGE);
    throw error;
  }
}

/** A staged part's bytes, whole: for reading a captured message before its record is built. */
export async function stagedBytes(db: OutboxDb, part: StagedPart, index: number): Promise<Uint8Array> {
  const out = new Uint8Array(part.size);
  for (let n = 0; n < part.chunks; n++) {
    const found = await db.get('chunks', [part.staged, index, n]);
    if (!found) throw new Error(`Chunk ${n} of the captured part is missing.`);
    out.set(new Uint8Array(await asBuffer(found.bytes)), n * part.chunkSize);
  }
  return out;
}

/** Drops the chunks of a capture that never became a declaration. */
export async function discardStaged(db: OutboxDb, staged: string): Promise<void> {
  await db.delete('chunks', ALL_CHUNKS(staged));
}

export function getRow(db: OutboxDb, id: string): Promise<OutboxRow | undefined> {
  return db.get('records', id);
}

/** All rows, newest declaration first (UUIDv7 ids sort by time). */
export async function listRows(db: OutboxDb): Promise<OutboxRow[]> {
  return (await db.getAll('records')).reverse();
}

/** Index range of the rows in `state` whose [state, time] key lies within [from, to]. */
const inState = (state: OutboxState, from = Number.NEGATIVE_INFINITY, to = Number.POSITIVE_INFINITY) =>
  IDBKeyRange.bound([state, from], [state, to]);

/**
 * Rows the drain should send now, oldest first. A row left in `sending` is due once it has not been touched for
 * SENDING_STALE_MS: its drain renews it (and the lease) more often than that while it is alive. Rows retrying
 * later are never read (the `byDue` index), so the cost follows what is due, not what waits.
 */
export async function dueRows(db: OutboxDb, now: number): Promise<OutboxRow[]> {
  const records = statesStore(db);
  const [queued, retrying, sending] = await Promise.all([
    records.index('byState').getAll('queued'),
    records.index('byDue').getAll(inState('retrying', Number.NEGATIVE_INFINITY, now)),
    records.index('byState').getAll('sending'),
  ]);
  return [...queued.filter((row) => row.nextAttemptAt <= now), ...retrying, ...sending.filter(stale(now))].sort(
    (a, b) => (a.id < b.id ? -1 : 1),
  );
}

const stale = (now: number) => (row: OutboxRow) => now - row.updatedAt >= SENDING_STALE_MS;

/**
 * The oldest row waiting only because the repository could not be reached: the drain sends it first, alone, as a
 * probe that the repository answers again, before it reads what else is due (at most once per drain). Nothing is read unless the
 * `offline` mark says such rows may exist. The `retrying` rows are walked oldest first (an index keeps the rows of
 * one key in primary-key order, and UUIDv7 ids sort by time), and the walk stops at the first offline one: a probe
 * every second of an outage reads one row, not every row that waits.
 */
export async function offlineProbe(db: OutboxDb): Promise<OutboxRow | undefined> {
  if (!(await db.get('meta', 'offline'))) return undefined;
  for (let cursor = await statesStore(db).index('byState').openCursor('retrying'); cursor; ) {
    if (cursor.value.offline) return cursor.value;
    cursor = await cursor.continue();
  }
  return undefined;
}

/** Notes that a row waits because the repository could not be reached (call after marking it `offline`). */
export async function markOffline(db: OutboxDb, now: number): Promise<void> {
  await db.put('meta', { at: now } satisfies OfflineMark, 'offline');
}

/**
 * The repository answered again: every row that waits only because it was unreachable becomes due now, instead
 * of sitting out a backoff that was about the network, not the server. Rows the server itself told to wait
 * (429/503 with Retry-After, 5xx) keep their time. Returns how many were woken. Reads nothing unless the
 * `offline` mark is set, and clears it: a drain's sends after an outage cost no scan of the waiting rows.
 */
export async function wakeOffline(db: OutboxDb, now: number): Promise<number> {
  const tx = db.transaction(['records', 'meta'], 'readwrite');
  if (!(await tx.objectStore('meta').get('offline'))) {
    await tx.done;
    return 0;
  }
  const records = tx.objectStore('records');
  const rows = (await records.index('byState').getAll('retrying')).filter(
    (row) => row.offline && row.nextAttemptAt > now,
  );
  await Promise.all([
    ...rows.map((row) => records.put({ ...row, nextAttemptAt: now })),
    tx.objectStore('meta').delete('offline'),
    tx.done,
  ]);
  return rows.length;
}

/** The earliest time a waiting row becomes due, for scheduling the next drain: one index entry read. */
export async function nextDueAt(db: OutboxDb): Promise<number | undefined> {
  const cursor = await db.transaction('records').store.index('byDue').openKeyCursor(inState('retrying'));
  return cursor ? cursor.key[1] : undefined;
}

/**
 * Whether a row needing attention has not been notified yet, from two key counts (the `byNotified` index holds
 * only rows that carry `notifiedAt`): the rows themselves are read only when there is something to tell.
 */
export async function attentionPending(db: OutboxDb): Promise<boolean> {
  const records = statesStore(db);
  const [all, notified] = await Promise.all([
    records.index('byState').count('needs-attention'),
    records.index('byNotified').count(inState('needs-attention')),
  ]);
  return all > notified;
}

export async function updateRow(
  db: OutboxDb,
  id: string,
  patch: Partial<
    Pick<OutboxRow, 'state' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'notifiedAt' | 'offline' | 'serverErrors'>
  >,
  now: number,
): Promise<OutboxRow> {
  const tx = db.transaction('records', 'readwrite');
  const row = await tx.store.get(id);
  if (!row) throw new Error(`Outbox record ${id} is gone.`);
  const next = { ...row, ...patch, updatedAt: now };
  await Promise.all([tx.store.put(next), tx.done]);
  return next;
}

/**
 * Stores the receipt and releases the content, chunks and delivery progress, in one transaction. Relaxed
 * durability: if a power cut loses it, all of it is lost together, the record is sent again, and the repository
 * answers its Idempotency-Key with the original receipt.
 */
export async function markSynced(db: OutboxDb, id: string, receipt: Receipt, now: number): Promise<void> {
  const [stored] = await markSyncedMany(db, [{ id, receipt }], now);
  if (!stored) throw new Error(`Outbox record ${id} is gone.`);
}

/** A record the repository acknowledged, for `markSyncedMany`. */
export interface Synced {
  id: string;
  receipt: Receipt;
  /**
   * The keys its content's chunks were staged under (`Started.staged`), when known: its content parts, up to
   * megabytes each, are then not read back only to be deleted.
   */
  staged?: string[] | undefined;
}

/**
 * `markSynced` for several records in one transaction (the drain's concurrent sends finish together): answers, in
 * order, whether each row was there to mark. A row that is gone changes nothing for the others.
 */
export async function markSyncedMany(db: OutboxDb, synced: Synced[], now: number): Promise<boolean[]> {
  const tx = db.transaction(['records', 'content', 'chunks', 'delivery', 'audit'], 'readwrite', {
    durability: 'relaxed',
  });
  const records = tx.objectStore('records');
  const content = tx.objectStore('content');
  const chunks = tx.objectStore('chunks');
  const one = async ({ id, receipt, staged }: Synced): Promise<boolean> => {
    // The content is read only to find chunks staged under another key, unless the caller knows them already.
    const [row, stagedKeys] = await Promise.all([
      records.get(id),
      staged ?? content.getAll(WHOLE(id)).then((parts) => parts.flatMap((part) => part.chunkKey ?? [])),
    ]);
    if (!row) return false;
    await Promise.all([
      records.put({ ...row, state: 'synced', receipt, lastError: undefined, offline: undefined, updatedAt: now }),
      content.delete(WHOLE(id)),
      chunks.delete(ALL_CHUNKS(id)),
      ...stagedKeys.map((key) => chunks.delete(ALL_CHUNKS(key))),
      tx.objectStore('delivery').delete(id),
      tx.objectStore('audit').add({ at: now, recordId: id, action: 'synced', detail: receipt.url }),
    ]);
    return true;
  };
  const [marked] = await Promise.all([Promise.all(synced.map(one)), tx.done]);
  return marked;
}

/**
 * One stored content part, read a chunk at a time: a Blob for chunked parts (disk-backed in the browser), the
 * bytes themselves for small ones. It is what a connector sends (the seam's `PartSource`).
 */
export type StoredPart = PartSource;

/** Handles on a row's content parts, in order; nothing is read until a chunk is asked for. */
export async function contentOf(db: OutboxDb, row: OutboxRow): Promise<StoredPart[]> {
  return storedParts(db, row, await db.getAll('content', WHOLE(row.id)));
}

/** What one delivery attempt starts from: the row as it turned `sending`, its content, its saved progress. */
export interface Started {
  row: OutboxRow;
  parts: StoredPart[];
  progress: unknown;
  /** Keys other than the record's id that its parts' chunks are stored under (a capture staged as it came). */
  staged: string[];
}

/**
 * What one delivery attempt starts from, read while its row turns `sending` with one more attempt — one
 * IndexedDB transaction per record instead of three. Relaxed durability: losing this write to a power cut only
 * loses the attempt's count, and the row is sent again either way.
 */
export async function startSending(db: OutboxDb, id: string, now: number): Promise<Started> {
  const [started] = await startSendingMany(db, [id], now);
  if (started instanceof Error) throw started;
  return started!;
}

/**
 * `startSending` for several rows in one transaction (the drain's concurrent sends start together): per id, in
 * order, what its attempt starts from, or the Error that says why it cannot start (gone, content incomplete).
 */
export async function startSendingMany(db: OutboxDb, ids: string[], now: number): Promise<(Started | Error)[]> {
  const tx = db.transaction(['records', 'content', 'delivery'], 'readwrite', { durability: 'relaxed' });
  const one = async (id: string): Promise<Started | Error> => {
    const [current, content, delivery] = await Promise.all([
      tx.objectStore('records').get(id),
      tx.objectStore('content').getAll(WHOLE(id)),
      tx.objectStore('delivery').get(id),
    ]);
    if (!current) return new Error(`Outbox record ${id} is gone.`);
    const row: OutboxRow = { ...current, state: 'sending', attempts: current.attempts + 1, updatedAt: now };
    await tx.objectStore('records').put(row);
    try {
      const staged = content.flatMap((part) => part.chunkKey ?? []);
      return { row, parts: storedParts(db, row, content), progress: delivery?.progress, staged };
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  };
  const [started] = await Promise.all([Promise.all(ids.map(one)), tx.done]);
  return started;
}

function storedParts(db: OutboxDb, row: OutboxRow, content: ContentPart[]): StoredPart[] {
  const parts = content.sort((a, b) => a.index - b.index);
  if (parts.length !== row.record.content.length) {
    throw new Error(
      `Content of record ${row.id} is incomplete in the outbox (${parts.length}/${row.record.content.length}).`,
    );
  }
  return parts.map((part) => {
    if (part.bytes) {
      const bytes = part.bytes;
      return {
        index: part.index,
        size: bytes.byteLength,
        chunkSize: Math.max(1, bytes.byteLength),
        chunks: 1,
        chunk: async () => bytes,
      };
    }
    const key = part.chunkKey ?? row.id;
    return {
      index: part.index,
      size: part.size ?? 0,
      chunkSize: part.chunkSize ?? CHUNK_BYTES,
      chunks: part.chunks ?? 0,
      async chunk(n: number) {
        const found = await db.get('chunks', [key, part.index, n]);
        if (!found) throw new Error(`Chunk ${n} of part ${part.index + 1} of record ${row.id} is missing.`);
        return found.bytes;
      },
    };
  });
}

/** Whole parts in memory: for small content, tests and tools only. */
export async function readContent(db: OutboxDb, row: OutboxRow): Promise<ArrayBuffer[]> {
  const parts = await contentOf(db, row);
  return Promise.all(parts.map(wholePart));
}

export async function wholePart(part: StoredPart): Promise<ArrayBuffer> {
  if (part.chunks === 1) return asBuffer(await part.chunk(0));
  const out = new Uint8Array(part.size);
  for (let n = 0; n < part.chunks; n++)
    out.set(new Uint8Array(await asBuffer(await part.chunk(n))), n * part.chunkSize);
  return out.buffer;
}

/** A chunk's bytes in memory, for the few places that need them whole. */
export async function asBuffer(chunk: ArrayBuffer | Blob): Promise<ArrayBuffer> {
  return chunk instanceof ArrayBuffer ? chunk : chunk.arrayBuffer();
}

/** What the last delivery attempt of a record saved, as it was saved (`deliver` validates it when it reads it). */
export async function deliveryProgress(db: OutboxDb, recordId: string): Promise<unknown> {
  return (await db.get('delivery', recordId))?.progress;
}

/**
 * Saves a record's delivery progress and touches its row in one transaction: a drain that saves progress is
 * alive, so its row is not taken for one a stopped worker left behind.
 */
export async function saveDeliveryProgress(
  db: OutboxDb,
  recordId: string,
  progress: DeliveryProgress,
  now: number,
): Promise<void> {
  const tx = db.transaction(['delivery', 'records'], 'readwrite');
  const row = await tx.objectStore('records').get(recordId);
  if (!row) {
    await tx.done;
    throw new Error(`Outbox record ${recordId} is gone.`);
  }
  await Promise.all([
    tx.objectStore('delivery').put({ recordId, progress, updatedAt: now }),
    tx.objectStore('records').put({ ...row, updatedAt: now }),
    tx.done,
  ]);
}

/**
 * Forgets every record's delivery progress: the repository changed, and what was sent to the old one (upload
 * addresses, created items) must never be replayed against, or leak to, the new one.
 */
export async function clearDeliveryProgress(db: OutboxDb): Promise<void> {
  await db.clear('delivery');
}

/** Whether the repository last refused the credentials; options reads it to ask the user to reconnect. */
export async function authState(db: OutboxDb): Promise<AuthState> {
  return ((await db.get('meta', 'auth')) as AuthState | undefined) ?? { needed: false, at: 0 };
}

export async function setAuthState(db: OutboxDb, state: AuthState): Promise<void> {
  await db.put('meta', state, 'auth');
}

export type { AuditLine };
