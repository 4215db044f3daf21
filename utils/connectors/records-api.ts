import ky, { type KyInstance } from 'ky';
import * as v from 'valibot';
import { type DeclaredRecord, type Receipt, ReceiptSchema, RecordSchema } from '../records/record';
import { apiBase } from '../settings';
import { parseRetryAfter } from '../sync/backoff';
import {
  memoryUploadStore,
  type PartSource,
  RESUMABLE_THRESHOLD,
  UPLOAD_REF_TYPE,
  type UploadStore,
  uploadPart,
} from './uploads';

/**
 * The Records API v1 connector (design.md § Records API v1). It turns every answer into a receipt or a
 * `RepositoryError` that says whether to retry, to ask the user, or to ask for a new token.
 */

export type FailureKind = 'retry' | 'attention' | 'auth';

export class RepositoryError extends Error {
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RepositoryError';
  }
}

export interface Connection {
  repositoryUrl: string;
  token: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

function client({ repositoryUrl, token, fetch: fetchImpl, timeoutMs }: Connection): KyInstance {
  return ky.create({
    prefixUrl: apiBase(repositoryUrl),
    headers: { Authorization: `Bearer ${token}` },
    retry: 0,
    timeout: timeoutMs ?? 120_000,
    throwHttpErrors: false,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
}

/** The problem document's `detail` (RFC 9457), or the start of the body, or the status text. */
async function problemDetail(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const problem = JSON.parse(text) as { detail?: unknown; title?: unknown };
    if (typeof problem.detail === 'string') return problem.detail;
    if (typeof problem.title === 'string') return problem.title;
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return text.slice(0, 300) || response.statusText || `HTTP ${response.status}`;
}

/** The problem `type` of an answer, read without consuming the body. */
async function problemType(response: Response): Promise<string | undefined> {
  try {
    const problem = (await response.clone().json()) as { type?: unknown };
    return typeof problem.type === 'string' ? problem.type : undefined;
  } catch {
    return undefined;
  }
}

async function failure(response: Response, now: number): Promise<RepositoryError> {
  const { status } = response;
  const detail = await problemDetail(response);
  if (status === 401 || status === 403) {
    return new RepositoryError(`The repository refused the token (${status}): ${detail}`, 'auth', status);
  }
  // A 409 with Retry-After is "the same record (or upload) is still being received": wait, not a rejection.
  const busy = status === 409 && response.headers.has('Retry-After');
  if (status === 408 || status === 429 || status >= 500 || busy) {
    const retryAfter = parseRetryAfter(response.headers.get('Retry-After'), now);
    return new RepositoryError(`The repository is not available (${status}): ${detail}`, 'retry', status, retryAfter);
  }
  return new RepositoryError(`The repository rejected the record (${status}): ${detail}`, 'attention', status);
}

function networkFailure(error: unknown): RepositoryError {
  const reason = error instanceof Error ? error.message : String(error);
  return new RepositoryError(`Could not reach the repository: ${reason}`, 'retry');
}

/** A receipt counts only when it names this record and every part with the digest and size we computed. */
export function checkReceipt(record: DeclaredRecord, receipt: Receipt): string | undefined {
  if (receipt.id !== record.id) return `the receipt is for record ${receipt.id}, not ${record.id}`;
  if (receipt.content.length !== record.content.length) {
    return `the receipt lists ${receipt.content.length} content parts, the record ${record.content.length}`;
  }
  for (const [i, part] of record.content.entries()) {
    const got = receipt.content[i]!;
    if (got.sha256 !== part.sha256 || got.size !== part.size) {
      return `content part ${i + 1} (${part.name}) was received as sha256 ${got.sha256} (${got.size} bytes), sent as ${part.sha256} (${part.size} bytes)`;
    }
  }
  return undefined;
}

/** POST /records with every part in memory: small content, tests and tools. */
export async function postRecord(
  connection: Connection,
  record: DeclaredRecord,
  parts: ArrayBuffer[],
  now: () => number = Date.now,
): Promise<Receipt> {
  const sources = parts.map((bytes, index) => ({
    index,
    size: bytes.byteLength,
    chunkSize: Math.max(1, bytes.byteLength),
    chunks: 1,
    chunk: async () => bytes,
  }));
  return sendRecord(connection, record, sources, memoryUploadStore(), { now });
}

export interface SendOptions {
  now?: () => number;
  /** Parts over this many bytes are uploaded resumably first (default 8 MB). */
  threshold?: number;
  /** Called after every confirmed upload PATCH. */
  onProgress?: (() => Promise<void>) | undefined;
}

/**
 * Sends one record: each part over the threshold through a resumable upload (utils/connectors/uploads.ts), then
 * POST /records as multipart with the record, the small parts' bytes and, for uploaded parts, a reference
 * `upload:<id>` (Content-Type UPLOAD_REF_TYPE). Idempotent on the record id; the receipt must name every digest.
 */
export async function sendRecord(
  connection: Connection,
  record: DeclaredRecord,
  parts: PartSource[],
  uploads: UploadStore,
  options: SendOptions = {},
): Promise<Receipt> {
  const now = options.now ?? Date.now;
  const threshold = options.threshold ?? RESUMABLE_THRESHOLD;
  const base = apiBase(connection.repositoryUrl);
  const form = new FormData();
  form.append('record', JSON.stringify(v.parse(RecordSchema, record)));
  const uploaded: number[] = [];
  for (const [i, entry] of record.content.entries()) {
    const part = parts[i];
    if (!part) throw new Error(`Content part ${i + 1} of record ${record.id} is missing.`);
    if (part.size > threshold) {
      const url = await uploadPart({
        connection,
        base,
        recordId: record.id,
        entry,
        part,
        store: uploads,
        failure: (response) => failure(response, now()),
        networkFailure,
        onProgress: options.onProgress && (() => options.onProgress!()),
      });
      uploaded.push(i);
      const id = new URL(url).pathname.split('/').pop()!;
      form.append('content', new Blob([`upload:${id}`], { type: UPLOAD_REF_TYPE }), entry.name);
    } else {
      const chunks: (ArrayBuffer | Blob)[] = [];
      for (let n = 0; n < part.chunks; n++) chunks.push(await part.chunk(n));
      form.append('content', new Blob(chunks, { type: entry.mimeType }), entry.name);
    }
  }
  let response: Response;
  try {
    response = await client(connection).post('records', { body: form, headers: { 'Idempotency-Key': record.id } });
  } catch (error) {
    throw networkFailure(error);
  }
  if (!response.ok) {
    // The server no longer has an upload we referenced (expired): upload again on the next attempt.
    if ((await problemType(response))?.endsWith(':upload-unknown')) {
      for (const i of uploaded) await uploads.clear(i);
      const detail = await problemDetail(response);
      throw new RepositoryError(`The repository lost an upload; sending it again: ${detail}`, 'retry', response.status);
    }
    throw await failure(response, now());
  }
  const parsed = v.safeParse(ReceiptSchema, await response.json().catch(() => undefined));
  if (!parsed.success) {
    throw new RepositoryError(
      'The repository answered with something that is not a receipt.',
      'attention',
      response.status,
    );
  }
  const mismatch = checkReceipt(record, parsed.output);
  if (mismatch) throw new RepositoryError(`The repository's receipt does not match: ${mismatch}.`, 'attention');
  return parsed.output;
}

const ListSchema = v.object({
  items: v.array(v.object({ record: v.looseObject({ id: v.string() }), receipt: ReceiptSchema })),
});

/** A record already in the repository for the same source, as the duplicate warning shows it. */
export interface PriorRecord {
  id: string;
  url: string;
  receivedAt: string;
  title?: string | undefined;
  categoryId?: string | undefined;
  declaredBy?: string | undefined;
}

/** GET /records?sourceId= — what was already declared for this source, newest first. */
export async function findBySourceId(connection: Connection, sourceId: string): Promise<PriorRecord[]> {
  let response: Response;
  try {
    response = await client(connection).get('records', { searchParams: { sourceId } });
  } catch (error) {
    throw networkFailure(error);
  }
  if (!response.ok) throw await failure(response, Date.now());
  const parsed = v.safeParse(ListSchema, await response.json().catch(() => undefined));
  if (!parsed.success)
    throw new RepositoryError(
      'The repository answered the duplicate check with something else than a record list.',
      'attention',
    );
  return parsed.output.items.map(({ record, receipt }) => {
    const full = v.safeParse(RecordSchema, record);
    return {
      id: receipt.id,
      url: receipt.url,
      receivedAt: receipt.receivedAt,
      ...(full.success
        ? {
            title: full.output.title,
            categoryId: full.output.classification.categoryId,
            declaredBy: full.output.declaredBy,
          }
        : {}),
    };
  });
}

/** GET /presets — the raw document; the caller validates it. */
export async function getPresets(connection: Connection): Promise<unknown> {
  let response: Response;
  try {
    response = await client(connection).get('presets');
  } catch (error) {
    throw networkFailure(error);
  }
  if (!response.ok) throw await failure(response, Date.now());
  return response.json();
}
