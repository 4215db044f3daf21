import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { type DeclaredRecord, parseIsoDateTime, parseRecord, type Receipt } from '../utils/records/record.ts';
import type { BlobStore, PendingBlob } from './blobs.ts';
import type { Db } from './db.ts';
import type { Lease, Leases } from './leases.ts';
import { malformed, type Part, PartReader } from './multipart.ts';
import { Problem } from './problem.ts';
import {
  findRecord,
  isRecordId,
  type RecordStatements,
  receiptOf,
  type SmallBlob,
  type StoredRecord,
} from './records.ts';
import type { Found, RecordAsk, TokenUser } from './tokens.ts';
import { UPLOAD_REF_TYPE, type UploadStore } from './uploads.ts';

export interface ReceiveContext {
  db: Db;
  blobs: BlobStore;
  maxBytes: number;
  publicUrl: string;
  /** Inserts, shared with concurrent requests (server/batcher.ts). */
  records: RecordStatements;
  now: () => Date;
  /** Resumable uploads that `content` parts may refer to (server/uploads.ts). */
  uploads?: UploadStore | undefined;
}

export interface Upload {
  user: TokenUser;
  idempotencyKey: string | undefined;
  contentType: string | undefined;
  contentLength: number | undefined;
  body: Readable;
  /**
   * The record under the Idempotency-Key, looked up and leased with the token's check (recordAsk). Absent only when
   * the key cannot be a record id, which readRecord refuses before it is needed.
   */
  found: Leased | undefined;
}

/** A lookup's answer, with the lease it took. */
export interface Leased {
  stored: StoredRecord | undefined;
  flight: Lease | undefined;
}

const RECORD_PART_LIMIT = 1024 * 1024;
/** Room for the record part and multipart framing on top of the content limit, for the Content-Length check. */
const FRAMING_ALLOWANCE = RECORD_PART_LIMIT + 1024 * 1024;

/**
 * The largest request body this server reads, for a content limit of `maxBytes`: a record's content plus its record
 * part and framing (a tus PATCH carries at most `maxBytes`). Beyond it a body is not read, even to be thrown away
 * (server/app.ts, answerAfterBody).
 */
export const largestBody = (maxBytes: number) => maxBytes + FRAMING_ALLOWANCE;

/** How far ahead of the server's clock a client's declaredAt may be: the usual tolerance for clock skew (5 min). */
export const CLOCK_SKEW_MS = 5 * 60_000;

const mismatch = (detail: string) => new Problem('content-mismatch', detail);

/**
 * The one answer for a record id this request may not use: already stored with another body, or stored by another
 * user. Both read the same, so nobody learns whether another user's record exists.
 */
const idTaken = (id: string) =>
  new Problem(
    'idempotency-key-reused',
    `Record id ${id} is already used for a different record. Records are immutable: declare the item as a new record with a new id.`,
  );

/**
 * POST /records: checks the record, streams each content part into the blob store while hashing it, and stores
 * the record only when every part matches what the record says. Throws a Problem for every refusal.
 */
export async function receiveRecord(
  ctx: ReceiveContext,
  upload: Upload,
): Promise<{ status: 200 | 201; receipt: Receipt }> {
  try {
    return await receive(ctx, upload);
  } finally {
    // Taken with the token's check, and not yet released when the request was refused before it was used.
    await upload.found?.flight?.release();
  }
}

async function receive(ctx: ReceiveContext, upload: Upload): Promise<{ status: 200 | 201; receipt: Receipt }> {
  const key = upload.idempotencyKey?.trim();
  if (!key) {
    throw new Problem(
      'idempotency-key-missing',
      'Send the header Idempotency-Key with the record id, so that a retry can never store the record twice.',
    );
  }
  if (!upload.contentType?.toLowerCase().startsWith('multipart/form-data')) {
    throw new Problem(
      'not-multipart',
      `The body was ${upload.contentType?.slice(0, 100) ?? 'untyped'}; send multipart/form-data with a part "record" and one part "content" per content entry.`,
    );
  }
  if (upload.contentLength !== undefined && upload.contentLength > largestBody(ctx.maxBytes)) {
    // Not worth reading to its end: the connection closes after the answer (server/app.ts, answerAfterBody).
    throw tooLarge(ctx.maxBytes, `The request is ${upload.contentLength} bytes long`);
  }

  const parts = new PartReader(upload.body, upload.contentType, { fieldSize: RECORD_PART_LIMIT });
  try {
    const record = await readRecord(await parts.next(), key, ctx.maxBytes);
    const now = Date.now();
    if (parseIsoDateTime(record.declaredAt)!.getTime() > now + CLOCK_SKEW_MS) {
      throw new Problem(
        'declared-in-future',
        `declaredAt ${record.declaredAt} is later than the repository's clock (${new Date(now).toISOString()}) by more than ${CLOCK_SKEW_MS / 60_000} minutes. Check the computer's clock, then declare again.`,
      );
    }
    const fingerprint = fingerprintOf(record);
    if (!upload.found) throw new Error(`POST /records for ${record.id} came without its lookup (recordAsk)`);
    const { stored: existing, flight } = upload.found;
    try {
      if (existing && (existing.fingerprint !== fingerprint || existing.owner !== upload.user.user)) {
        throw idTaken(record.id);
      }
      if (!flight) {
        throw new Problem(
          'idempotency-key-in-flight',
          `Another request for record ${record.id} is still being received. Wait for it to finish, then retry: a retry of the same record gets its receipt.`,
          { headers: { 'retry-after': '1' } },
        );
      }
      const content = await receiveContent(parts, record, ctx, upload.user, existing !== undefined);
      if (existing) return { status: 200, receipt: receiptOf(existing, ctx.publicUrl) };
      return await store(ctx, record, fingerprint, upload.user, content, flight);
    } finally {
      await flight?.release();
    }
  } finally {
    // A refusal leaves the rest of the body unread: it flows away, and the answer waits for its end (server/app.ts).
    parts.abort();
  }
}

/**
 * The lease a request holds while it receives record `id` for `user`: one per user and id, across processes. Keyed
 * by user too: another user's request for the same id must not be told apart from an unused id.
 */
const recordLease = (id: string, user: string) => recordLeasePrefix(id) + user;
const recordLeasePrefix = (id: string) => `record:${id}:`;

/** What POST /records asks of its token's check, and how the check's answer becomes the request's (recordAsk). */
export interface RecordAsking {
  ask: RecordAsk;
  found(answer: Found, user: TokenUser): Leased;
}

/**
 * For POST /records: the record to look up, and lease, in the statement that checks the token (server/tokens.ts),
 * when the Idempotency-Key can be a record id. Any other key is refused by receiveRecord before it would be used.
 */
export function recordAsk(leases: Leases, idempotencyKey: string | undefined): RecordAsking | undefined {
  const id = idempotencyKey?.trim();
  if (!id || !isRecordId(id)) return undefined;
  const { holder, ttlMs, taken } = leases.ask();
  return {
    ask: { id, leasePrefix: recordLeasePrefix(id), holder, ttlMs },
    found: ({ stored, taken: wasTaken }, user) => ({
      stored,
      flight: wasTaken ? taken(recordLease(id, user.user)) : undefined,
    }),
  };
}

async function readRecord(part: Part | undefined, key: string, maxBytes: number): Promise<DeclaredRecord> {
  if (part?.name !== 'record') {
    throw new Problem(
      'record-part-missing',
      `The first part must be named "record" and hold the record JSON${part ? `; it was named "${part.name.slice(0, 100)}"` : ''}.`,
    );
  }
  const text = part.kind === 'field' ? part.value : await readText(part.stream, RECORD_PART_LIMIT);
  if (text === undefined || (part.kind === 'field' && part.truncated)) {
    throw new Problem('record-too-large', `The record JSON must be under ${RECORD_PART_LIMIT} bytes.`);
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    throw new Problem('record-malformed', `The record part is not valid JSON (${message}).`, {
      extra: { errors: [message] },
    });
  }
  const parsed = parseRecord(input);
  if (!parsed.ok) {
    throw new Problem(
      'record-invalid',
      `The record has ${parsed.problems.length} problem(s): ${parsed.problems.join('; ')}. Fix them and send it again.`,
      { extra: { errors: parsed.problems } },
    );
  }
  const record = parsed.record;
  if (record.id !== key) {
    throw new Problem(
      'idempotency-key-mismatch',
      `The Idempotency-Key header is "${key.slice(0, 100)}" but the record id is ${record.id}; send the record id as the key.`,
    );
  }
  const declared = record.content.reduce((total, entry) => total + entry.size, 0);
  if (declared > maxBytes) throw tooLarge(maxBytes, `The record declares ${declared} bytes of content`);
  return record;
}

/** What a record's insert takes along: the uploads it used, and the small parts it stores (server/small-blobs.ts). */
interface Received {
  claimed: string[];
  small: SmallBlob[];
}

/**
 * Reads each content part into a pending blob, checks it, and commits all of them only once all of them match.
 * A part of type UPLOAD_REF_TYPE names a completed resumable upload instead of carrying the bytes. Returns the
 * uploads used, to be forgotten once the record is stored, and the small parts, stored with it.
 */
async function receiveContent(
  parts: PartReader,
  record: DeclaredRecord,
  ctx: ReceiveContext,
  user: TokenUser,
  stored: boolean,
): Promise<Received> {
  const blobs: BlobStore = ctx.blobs;
  const expected = record.content;
  const pending: PendingBlob[] = [];
  const claimed: string[] = [];
  try {
    for (let part = await parts.next(); part; part = await parts.next()) {
      const n = pending.length;
      const entry = expected[n];
      if (part.name !== 'content' || part.kind !== 'file') {
        throw new Problem(
          'unexpected-part',
          `Part "${part.name.slice(0, 100)}" is not a content file; after "record", send only parts named "content" with a file name.`,
        );
      }
      if (!entry) {
        throw mismatch(
          `The record lists ${expected.length} content entries, but the request has more parts; nothing was stored.`,
        );
      }
      const label = `Content part ${n + 1} of ${expected.length} (${entry.name})`;
      let blob: PendingBlob;
      if (part.mimeType.toLowerCase() === UPLOAD_REF_TYPE && ctx.uploads) {
        const reference = await readPart(readText(part.stream, 200));
        if (reference === undefined)
          throw new Problem('upload-ref-malformed', `${label} is too long for "upload:<id>".`);
        const upload = await ctx.uploads.claim(user, reference, entry, label, stored);
        claimed.push(upload.uploadId);
        blob = upload;
      } else blob = await readPart(blobs.write(part.stream, entry.size));
      pending.push(blob);
      if (blob.overflow || blob.size !== entry.size) {
        const got = blob.overflow ? `more than ${entry.size}` : `${blob.size}`;
        throw mismatch(`${label} has ${got} bytes, but the record says ${entry.size}; nothing was stored.`);
      }
      if (blob.sha256 !== entry.sha256) {
        throw mismatch(`${label} has sha256 ${blob.sha256}, but the record says ${entry.sha256}; nothing was stored.`);
      }
    }
    if (pending.length < expected.length) {
      throw mismatch(
        `The record lists ${expected.length} content entries, but the request has ${pending.length} content part(s); nothing was stored.`,
      );
    }
  } catch (error) {
    await Promise.all(pending.map((blob) => blob.discard()));
    throw error;
  }
  // Committing only after every part matched means a refused request never leaves a blob behind. A failure
  // after this point (an upload whose bytes are gone, the insert) can leave verified, content-addressed blobs
  // unreferenced, which is harmless. Every blob is in the store, synced, before the record is inserted.
  try {
    for (const blob of pending) await blob.commit();
  } catch (error) {
    await Promise.all(pending.map((blob) => blob.discard()));
    throw error;
  }
  const small = pending.flatMap(({ sha256, bytes }) => (bytes ? [{ sha256, bytes }] : []));
  return { claimed, small };
}

/**
 * Inserts the record, forgets the uploads it used and releases its lease, in one statement shared with concurrent
 * requests (server/batcher.ts). The server owns who declared: the
 * token's user. A different `declaredBy` from the client is replaced, and the audit trail's `declared` event says
 * what the client had sent.
 */
async function store(
  ctx: ReceiveContext,
  received: DeclaredRecord,
  fingerprint: string,
  user: TokenUser,
  { claimed, small }: Received,
  flight: Lease,
): Promise<{ status: 200 | 201; receipt: Receipt }> {
  const stored: StoredRecord = {
    record: { ...received, declaredBy: user.user },
    owner: user.user,
    fingerprint,
    receivedAt: ctx.now(),
  };
  const claimedBy = received.declaredBy;
  const declaredDetail =
    claimedBy !== undefined && claimedBy !== user.user
      ? `the client sent declaredBy "${claimedBy}"; the token's user ${user.user} is recorded instead`
      : null;
  const inserted = await ctx.records.insert.submit({ stored, declaredDetail, uploads: claimed, small, lease: flight });
  flight.releasedBy();
  if (inserted) return { status: 201, receipt: receiptOf(stored, ctx.publicUrl) };
  // Another request (of another user, or of a process that took over a lapsed lease) stored the same id between
  // our lookup and our insert.
  const winner = await findRecord(ctx.db, received.id);
  if (winner?.fingerprint === fingerprint && winner.owner === user.user) {
    return { status: 200, receipt: receiptOf(winner, ctx.publicUrl) };
  }
  throw idTaken(received.id);
}

/**
 * What makes two requests "the same": the record as validated (keys sorted) plus the content digests. Content that
 * does not match the record is refused, so on success the declared digests are the received ones.
 */
export function fingerprintOf(record: DeclaredRecord): string {
  const digests = record.content.map((entry) => entry.sha256).join(',');
  return createHash('sha256').update(canonicalJson(record)).update('\n').update(digests).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, item]) => `${JSON.stringify(k)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A part's stream that fails (a body cut short, a broken boundary) is bad input: a 400 that says so. */
async function readPart<T>(reading: Promise<T>): Promise<T> {
  try {
    return await reading;
  } catch (error) {
    if (error instanceof Problem) throw error;
    throw malformed(`could not be read to its end (${(error as Error).message})`);
  }
}

async function readText(stream: Readable, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(maxBytes: number, what: string): Problem {
  return new Problem(
    'too-large',
    `${what}; this repository accepts at most ${maxBytes} bytes of content per record. Ask its administrator to raise --max-bytes, or declare less content.`,
  );
}
