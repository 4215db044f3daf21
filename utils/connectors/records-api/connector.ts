import ky, { type KyInstance } from 'ky';
import * as v from 'valibot';
import { type DeclaredRecord, type Receipt, ReceiptSchema, RecordSchema } from '../../records/record';
import {
  type CommitRequest,
  type Connector,
  type ConnectorCapabilities,
  type ConnectorDeps,
  ConnectorError,
  type Json,
  type PresetsAnswer,
  type PriorRecord,
  type ProbeResult,
  type SendPartRequest,
} from '../connector';
import { bearerFetch, isHttpUrl, networkError } from '../http';
import { formBody, type MultipartEntry, partBytes } from '../multipart';
import { recordsApiError } from './answers';
import { RESUMABLE_THRESHOLD, UPLOAD_REF_TYPE, uploadPart } from './uploads';

/**
 * The Records API v1 connector (docs/records-api.md; server/openapi.ts is the contract). A record travels as one
 * `POST /records` with the record and its parts, `Idempotency-Key: <record id>`, so a resend of a record whose
 * answer was lost gets the same receipt instead of a second record. Parts over the threshold are uploaded first,
 * resumably (uploads.ts), and referred to as `upload:<id>`. The declaration happens on create; the receipt names
 * every part's sha256 and size, which `verify` compares with what the extension computed.
 */

export const RECORDS_API_ID = 'records-api';

export interface RecordsApiOptions {
  /** The repository's base URL; `/api/v1/` is appended unless it is there already. */
  url: string;
}

export interface RecordsApiTuning {
  /** Parts over this many bytes are uploaded resumably first (default 8 MB). */
  threshold?: number | undefined;
  timeoutMs?: number | undefined;
}

/** The API base: the repository URL with `/api/v1/` appended unless the admin gave it already. */
export function apiBase(repositoryUrl: string): string {
  const url = new URL(repositoryUrl);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/api/v1') ? `${path}/` : `${path}/api/v1/`;
  url.search = '';
  url.hash = '';
  return url.href;
}

/** How `sendPart` left a part for the commit: its bytes go inside the POST, or it is a completed upload. */
const PartRef = v.union([
  v.object({ kind: v.literal('inline') }),
  v.object({ kind: v.literal('upload'), url: v.pipe(v.string(), v.url()) }),
]);

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

const ListSchema = v.object({
  items: v.array(v.object({ record: v.looseObject({ id: v.string() }), receipt: ReceiptSchema })),
});

export function recordsApiConnector(
  options: RecordsApiOptions,
  deps: ConnectorDeps,
  tuning: RecordsApiTuning = {},
): Connector {
  const base = apiBase(options.url);
  const origin = new URL(base).origin;
  const threshold = tuning.threshold ?? RESUMABLE_THRESHOLD;
  const timeoutMs = tuning.timeoutMs ?? 120_000;
  const http = (token: string | undefined): KyInstance =>
    ky.create({
      prefixUrl: base,
      ...(token ? { headers: { Authorization: `Bearer ${token}` } } : {}),
      retry: 0,
      timeout: timeoutMs,
      throwHttpErrors: false,
      fetch: deps.fetch,
    });

  // Read once per connector (one drain, one test): a new token comes with new settings, and a new connector.
  let stored: Promise<string | undefined> | undefined;
  const token = async (): Promise<string> => {
    stored ??= deps.credentials.get('token');
    const value = await stored;
    if (!value) {
      throw new ConnectorError('No access token is set for the repository: enter one in the options.', 'auth', {
        interactive: true,
      });
    }
    return value;
  };

  /** One request with the token; a network failure becomes `retryable` with no status. */
  const request = async (path: string, init: Parameters<KyInstance>[1] = {}): Promise<Response> => {
    const client = http(await token());
    try {
      return await client(path, init);
    } catch (error) {
      throw networkError(error);
    }
  };

  /**
   * POST of a body as it is, with the token, straight to `fetch`. The drain sends every record this way, and ky,
   * which the other calls use, builds a Request and clones it before each call (to have one ready for a retry,
   * even with `retry: 0`): in Chromium that cost the service worker about 2.5 ms of its 10 ms of CPU per 50 KB
   * record (a CPU profile of the worker during the 1,000-record recovery of bench/recovery.ts).
   */
  const post = async (path: string, body: BodyInit, headers: Record<string, string>): Promise<Response> =>
    bearerFetch(deps.fetch, await token(), timeoutMs)(new URL(path, base), { method: 'POST', body, headers });

  const failure = async (response: Response, rejected?: string) =>
    (await recordsApiError(response, { rejected, now: deps.now() })).error;

  /** The receipt in an answer, or a `permanent` error saying the repository answered something else. */
  const receiptOf = async (response: Response): Promise<Receipt> => {
    const parsed = v.safeParse(ReceiptSchema, await response.json().catch(() => undefined));
    if (!parsed.success) {
      throw new ConnectorError('The repository answered with something that is not a receipt.', 'permanent', {
        status: response.status,
      });
    }
    return parsed.output;
  };

  /** GET /records/{id}: the receipt of a record already stored, or undefined. */
  const storedReceipt = async (id: string): Promise<Receipt | undefined> => {
    const response = await request(`records/${id}`);
    if (response.status === 404) return undefined;
    if (!response.ok) throw await failure(response);
    const found = v.safeParse(v.object({ receipt: ReceiptSchema }), await response.json().catch(() => undefined));
    return found.success ? found.output.receipt : undefined;
  };

  const capabilities: ConnectorCapabilities = {
    maxSinglePartBytes: threshold,
    resumableParts: true,
    digest: 'sha256',
    existing: 'idempotency-key',
    declaration: 'on-create',
    findsBySource: true,
    servesPresets: true,
  };

  return {
    id: RECORDS_API_ID,
    describe: () => capabilities,

    async probe(): Promise<ProbeResult> {
      let health: Response;
      try {
        health = await http(undefined).get('health');
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        const tls = base.startsWith('https:');
        return {
          ok: false,
          kind: tls ? 'tls' : 'unreachable',
          detail: `${origin} did not answer${tls ? ' or its TLS certificate was refused' : ''} (${reason}).`,
        };
      }
      const body = (await health.json().catch(() => undefined)) as { ok?: unknown } | undefined;
      if (!health.ok || body?.ok !== true) {
        return {
          ok: false,
          kind: 'wrong-service',
          detail: `${base}health answered ${health.status} without the Records API's health answer: is this the right URL?`,
        };
      }
      stored ??= deps.credentials.get('token');
      const secret = await stored;
      if (!secret) return { ok: false, kind: 'auth', detail: 'The repository answers, but no access token is set.' };
      const presets = await http(secret)
        .get('presets')
        .catch(() => undefined);
      if (!presets) return { ok: false, kind: 'unreachable', detail: 'The repository stopped answering.' };
      if (presets.status === 401 || presets.status === 403) {
        return {
          ok: false,
          kind: 'auth',
          detail: `The repository refused the token (${presets.status}): ask for a new one.`,
        };
      }
      if (presets.status >= 500) {
        return {
          ok: false,
          kind: 'server-error',
          detail: `The repository failed (${presets.status}); try again later.`,
        };
      }
      if (!presets.ok) {
        return {
          ok: false,
          kind: 'wrong-service',
          detail: `GET presets answered ${presets.status}: not Records API v1.`,
        };
      }
      const document = (await presets.json().catch(() => undefined)) as { version?: unknown } | undefined;
      return { ok: true, presetsVersion: typeof document?.version === 'number' ? document.version : undefined };
    },

    // The Records API has no file-plan mapping: the category travels in the record itself.
    resolveTarget: async () => null,

    // POST /records is idempotent on the record id: a create whose answer was lost is answered again by the
    // commit, so nothing needs looking up first (see `commit` for a lost answer whose uploads were consumed).
    findExisting: async () => undefined,

    async sendPart({ record, entry, part, checkpoint, save }: SendPartRequest): Promise<Json> {
      if (part.size <= threshold) return { kind: 'inline' };
      const url = await uploadPart({
        fetch: deps.fetch,
        token: await token(),
        base,
        recordId: record.id,
        entry,
        part,
        checkpoint,
        save,
        now: deps.now,
        timeoutMs,
      });
      return { kind: 'upload', url };
    },

    async commit({ record, parts, refs }: CommitRequest): Promise<Json> {
      // `deliver` validated the record against RecordSchema before any step (utils/connectors/deliver.ts): the
      // commit is called with its output, so it is not parsed a second time here.
      const entries: MultipartEntry[] = [{ name: 'record', value: JSON.stringify(record) }];
      const uploaded: number[] = [];
      for (const [i, entry] of record.content.entries()) {
        const ref = v.safeParse(PartRef, refs[i]);
        if (!ref.success) {
          throw new ConnectorError(`Content part ${i + 1} was not sent as this connector sends parts.`, 'retryable', {
            lostParts: [i],
          });
        }
        const file = { name: 'content', filename: entry.name };
        if (ref.output.kind === 'upload') {
          uploaded.push(i);
          const id = new URL(ref.output.url).pathname.split('/').pop()!;
          entries.push({ ...file, type: UPLOAD_REF_TYPE, bytes: new TextEncoder().encode(`upload:${id}`) });
        } else {
          entries.push({ ...file, type: entry.mimeType, bytes: await partBytes(parts[i]!) });
        }
      }
      const { body, headers } = formBody(entries);
      const response = await post('records', body, { ...headers, 'Idempotency-Key': record.id });
      if (!response.ok) {
        const { error, problem } = await recordsApiError(response, { now: deps.now() });
        // The server no longer has an upload we referred to. Either the record was stored and consumed it (the
        // answer to that commit was lost): its receipt is there to read. Or the upload expired: send it again.
        if (problem === 'upload-unknown') {
          const stored = await storedReceipt(record.id);
          if (stored) return stored as unknown as Json;
          throw new ConnectorError(`The repository lost an upload; sending it again: ${error.message}`, 'retryable', {
            status: response.status,
            lostParts: uploaded,
          });
        }
        throw error;
      }
      return (await receiptOf(response)) as unknown as Json;
    },

    // Declared on create: the receipt is the answer to the commit.
    async finalize(_record, _target, committed) {
      const parsed = v.safeParse(ReceiptSchema, committed);
      if (!parsed.success) throw new ConnectorError('The saved receipt is unreadable.', 'retryable');
      return parsed.output;
    },

    verify: async (record, receipt) => checkReceipt(record, receipt),

    /** GET /records?sourceId= — what was already declared for this source, newest first. */
    async findBySource(sourceId: string): Promise<PriorRecord[]> {
      const response = await request('records', { searchParams: { sourceId } });
      if (!response.ok) throw await failure(response);
      const parsed = v.safeParse(ListSchema, await response.json().catch(() => undefined));
      if (!parsed.success) {
        throw new ConnectorError(
          'The repository answered the duplicate check with something else than a record list.',
          'permanent',
        );
      }
      return parsed.output.items.map(({ record, receipt }) => {
        const full = v.safeParse(RecordSchema, record);
        return {
          id: receipt.id,
          ...(isHttpUrl(receipt.url) ? { url: receipt.url } : {}),
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
    },

    /** GET /presets with If-None-Match; the raw document, which the presets store validates. */
    async fetchPresets(etag: string | undefined): Promise<PresetsAnswer> {
      const response = await request('presets', { headers: etag ? { 'If-None-Match': etag } : {} });
      if (response.status === 304) return { status: 'not-modified' };
      if (!response.ok) throw await failure(response, 'refused to give its presets');
      const document = await response.json().catch(() => {
        throw new ConnectorError('The repository answered its presets with something that is not JSON.', 'permanent');
      });
      return { status: 'ok', document, etag: response.headers.get('ETag') ?? undefined };
    },
  };
}
