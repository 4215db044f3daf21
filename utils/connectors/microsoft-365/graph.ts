import { ConnectorError } from '../connector';

/**
 * A small Microsoft Graph client: the bearer token on every call (renewed once when Graph refuses it), and every
 * failure turned into the seam's closed set of `ConnectorError` kinds with Graph's own words in the message.
 * Graph's error body is `{ error: { code, message } }` (microsoft-graph-docs-contrib concepts/errors.md).
 */

/** Answers an access token; `forceRefresh` when Graph refused the last one. Throws the sign-in's own errors. */
export type TokenSource = (options?: { forceRefresh?: boolean }) => Promise<string>;

export interface GraphClientOptions {
  /** `https://graph.microsoft.com/v1.0` (a national cloud's, or a test fake's on loopback). */
  base: string;
  fetch: typeof fetch;
  now: () => number;
  token: TokenSource;
  /** Milliseconds before a request is given up (default two minutes). */
  timeoutMs?: number | undefined;
}

export interface GraphErrorBody {
  code?: string;
  message?: string;
}

/** Graph's `{ error: { code, message } }`, or what the body says when it is not that. */
export async function graphError(response: Response): Promise<GraphErrorBody & { text: string }> {
  const text = await response.text().catch(() => '');
  try {
    const error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
    return {
      text,
      ...(typeof error?.code === 'string' ? { code: error.code.slice(0, 200) } : {}),
      ...(typeof error?.message === 'string' ? { message: error.message.slice(0, 1000) } : {}),
    };
  } catch {
    return { text };
  }
}

/**
 * Retry-After as delta-seconds (Graph sends fractions, `Retry-After: 2.128`, concepts/throttling.md) or an HTTP
 * date (RFC 9110 §10.2.3). Undefined when absent or unreadable.
 */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** What a failed answer means for the drain, with Graph's answer in the message. */
export async function failure(response: Response, doing: string, now: number): Promise<ConnectorError> {
  const { status } = response;
  const error = await graphError(response);
  const said =
    error.code || error.message
      ? `${error.code ?? ''}${error.code && error.message ? ': ' : ''}${error.message ?? ''}`
      : error.text.slice(0, 300) || response.statusText;
  const message = `Microsoft 365 refused to ${doing} (HTTP ${status}${said ? `, ${said}` : ''}).`;
  const retryAfter = retryAfterMs(response.headers.get('Retry-After'), now);
  // concepts/throttling.md: 429 with Retry-After; concepts/errors.md: 503 "the length of which may be specified in a
  // Retry-After header"; 509 bandwidth limit. All wait for the delay given, or back off.
  if (status === 429 || status === 503 || status === 509) {
    return new ConnectorError(message, retryAfter === undefined ? 'retryable' : 'throttled', {
      status,
      retryAfterMs: retryAfter,
    });
  }
  if (status === 401) return new ConnectorError(message, 'auth', { status, interactive: true });
  if (status === 408 || status >= 500)
    return new ConnectorError(message, 'retryable', { status, retryAfterMs: retryAfter });
  if (status === 409 || status === 412 || status === 423) return new ConnectorError(message, 'conflict', { status });
  if (status === 413) return new ConnectorError(message, 'unsupported', { status });
  return new ConnectorError(message, 'permanent', { status });
}

export function unreachable(error: unknown, doing: string): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new ConnectorError(`Could not reach Microsoft 365 to ${doing}: ${reason}`, 'retryable', { cause: error });
}

const isLoopback = (url: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

/** A URL Graph handed us (an upload URL): https, or http on loopback in tests; anything else is refused. */
export function checkedUrl(value: unknown, what: string): string {
  try {
    const url = new URL(String(value));
    if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url))) return url.href;
  } catch {
    // Falls through to the error below.
  }
  throw new ConnectorError(`Microsoft 365 answered an unusable ${what}.`, 'retryable');
}

export interface GraphRequest {
  method?: string;
  /** JSON to send. */
  json?: unknown;
  /** Raw body (file content). */
  body?: Blob | ArrayBuffer | Uint8Array;
  headers?: Record<string, string>;
  /** What the call does, for error messages ("upload invoice.pdf"). */
  doing: string;
}

export class GraphClient {
  readonly base: string;

  constructor(private readonly options: GraphClientOptions) {
    const base = new URL(options.base);
    if (base.protocol !== 'https:' && !(base.protocol === 'http:' && isLoopback(base))) {
      throw new ConnectorError(`The Graph address must use https: ${options.base}`, 'permanent');
    }
    this.base = base.href.replace(/\/$/, '');
  }

  get now(): () => number {
    return this.options.now;
  }

  private async token(forceRefresh: boolean): Promise<string> {
    try {
      return await this.options.token(forceRefresh ? { forceRefresh } : undefined);
    } catch (error) {
      throw tokenFailure(error);
    }
  }

  /**
   * One call to Graph (`path` below the base, already encoded). Answers the response whatever its status, except
   * that a 401 is retried once with a renewed token, and a network failure becomes a `retryable` error.
   */
  async raw(path: string, request: GraphRequest): Promise<Response> {
    const url = `${this.base}${path}`;
    let forceRefresh = false;
    for (let attempt = 0; ; attempt++) {
      const token = await this.token(forceRefresh);
      const headers: Record<string, string> = { Authorization: `Bearer ${token}`, ...request.headers };
      let body: BodyInit | undefined;
      if (request.json !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(request.json);
      } else if (request.body !== undefined) {
        body = request.body as BodyInit;
      }
      let response: Response;
      try {
        response = await this.options.fetch(url, {
          method: request.method ?? 'GET',
          headers,
          ...(body === undefined ? {} : { body }),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 120_000),
        });
      } catch (error) {
        throw unreachable(error, request.doing);
      }
      // An access token can be refused before its announced expiry (revoked, or clocks apart): renew it once.
      if (response.status === 401 && attempt === 0) {
        await response.body?.cancel();
        forceRefresh = true;
        continue;
      }
      return response;
    }
  }

  /** A call whose success is one of `ok`; anything else throws the failure it means. */
  async call(path: string, request: GraphRequest, ok: number[] = [200]): Promise<Response> {
    const response = await this.raw(path, request);
    if (ok.includes(response.status)) return response;
    throw await failure(response, request.doing, this.options.now());
  }

  async json<T>(path: string, request: GraphRequest, ok: number[] = [200]): Promise<T> {
    const response = await this.call(path, request, ok);
    try {
      return (await response.json()) as T;
    } catch (error) {
      throw new ConnectorError(
        `Microsoft 365 answered something that is not JSON when asked to ${request.doing}.`,
        'retryable',
        {
          status: response.status,
          cause: error,
        },
      );
    }
  }
}

/** The sign-in's failure as the seam's kind: the user must sign in, or try again later, or an admin must look. */
export function tokenFailure(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const reason = (error as { reason?: unknown } | undefined)?.reason;
  if (reason === 'unreachable') return new ConnectorError(message, 'retryable', { cause: error });
  if (reason === 'refused') return new ConnectorError(message, 'auth', { interactive: false, cause: error });
  return new ConnectorError(message, 'auth', { interactive: true, cause: error });
}

/** A path segment for Graph's path addressing (`items/{id}:/{name}:`): each name percent-encoded. */
export const graphPath = (path: string) => path.split('/').filter(Boolean).map(encodeURIComponent).join('/');
