import * as v from 'valibot';
import { ConnectorError } from './connector';

/**
 * What every HTTP connector needs to turn answers into the seam's closed set of errors (connector.ts), and the
 * checks on what a server hands back (links, upload locations) before the extension follows or shows them.
 */

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3); anything else is ignored. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Whether a link received from a server may be kept and shown: an absolute http: or https: URL, nothing else. */
export function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** An option or answer that must be an absolute http(s) URL. */
export const HttpUrl = v.pipe(
  v.string(),
  v.trim(),
  v.maxLength(2048),
  v.check((url: string) => isHttpUrl(url), 'must be an http(s) URL like https://records.example.org'),
);

/** The origin of a URL, or undefined when it is not one. */
export function originOf(url: string, base?: string): string | undefined {
  try {
    return new URL(url, base).origin;
  } catch {
    return undefined;
  }
}

/** The optional host permission pattern that lets the background reach a URL's host (every port). */
export function originPattern(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.hostname}/*`;
}

/** The repository could not be reached at all (offline, refused, reset, timed out): retry, no status. */
export function networkError(error: unknown): ConnectorError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ConnectorError(`Could not reach the repository: ${reason}`, 'retryable', { cause: error });
}

/** A request's options for bearerFetch: headers as a plain object, so the token can be added to them. */
export type BearerInit = Omit<RequestInit, 'headers' | 'signal'> & { headers?: Record<string, string> };

/**
 * `fetch` with a bearer token and a time limit on every request, for connectors that send some requests without
 * their HTTP client (bodies sent as they are, resumable uploads); failing to reach the server becomes `networkError`.
 */
export function bearerFetch(fetchImpl: typeof fetch, token: string, timeoutMs: number) {
  return async (url: string | URL, init: BearerInit = {}) => {
    try {
      return await fetchImpl(url, {
        ...init,
        headers: { Authorization: `Bearer ${token}`, ...init.headers },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw networkError(error);
    }
  };
}

export interface AnswerContext {
  /** What was asked, for the message: "rejected the record", "refused the upload"… */
  rejected?: string | undefined;
  now: number;
}

/**
 * An HTTP answer that is not a success, as a ConnectorError: 401/403 → auth (only the user can fix a refused
 * credential); 408, 5xx and a 409 with Retry-After ("the same item is still being received") → retryable, or
 * throttled when the server said how long to wait; 429 → throttled; 409/412/423 → conflict; 413 → unsupported
 * (too large for this repository); any other 4xx → permanent. `detail` is the server's own words.
 */
export function answerError(
  status: number,
  headers: Headers,
  detail: string,
  { rejected = 'rejected the record', now }: AnswerContext,
): ConnectorError {
  if (status === 401 || status === 403) {
    return new ConnectorError(`The repository refused the token (${status}): ${detail}`, 'auth', {
      status,
      interactive: true,
    });
  }
  const retryAfterMs = parseRetryAfter(headers.get('Retry-After'), now);
  const busy = status === 409 && headers.has('Retry-After');
  if (status === 429 || status === 408 || status >= 500 || busy) {
    const kind = status === 429 || retryAfterMs !== undefined ? 'throttled' : 'retryable';
    return new ConnectorError(`The repository is not available (${status}): ${detail}`, kind, {
      status,
      retryAfterMs,
    });
  }
  const message = `The repository ${rejected} (${status}): ${detail}`;
  if (status === 409 || status === 412 || status === 423) return new ConnectorError(message, 'conflict', { status });
  if (status === 413) return new ConnectorError(message, 'unsupported', { status });
  return new ConnectorError(message, 'permanent', { status });
}

/** The problem document's `detail` (RFC 9457), or its title, or the start of the body, or the status text. */
export async function problemDetail(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const problem = JSON.parse(text) as { detail?: unknown; title?: unknown };
    if (typeof problem.detail === 'string') return problem.detail;
    if (typeof problem.title === 'string') return problem.title;
  } catch {
    // Not JSON: the raw text says more than nothing.
  }
  return text.slice(0, 300) || response.statusText || `HTTP ${response.status}`;
}
