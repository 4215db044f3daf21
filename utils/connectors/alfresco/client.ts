import * as v from 'valibot';
import { type ConnectorDeps, ConnectorError } from '../connector';
import { parseRetryAfter } from '../http';
import { formBody, type MultipartEntry } from '../multipart';

/**
 * HTTP to one Alfresco server: ticket authentication (alfresco-auth.yaml, POST /tickets), renewed once when a call
 * answers 401, and every failure turned into a `ConnectorError` that says what to do. Plain `fetch` (the one the
 * background hands in), so it runs in a service worker.
 */

export interface AlfrescoSettings {
  /** The server's address, e.g. `https://ecm.example.org`; the API paths are added to it. */
  url: string;
  /** The Alfresco user records are filed as. Its password is in the credential store, never in settings. */
  username: string;
  /** After filing, read every part back and hash it (Alfresco reports sizes, not digests). */
  deepVerification?: boolean | undefined;
  /** Per request, in milliseconds (default two minutes). */
  timeoutMs?: number | undefined;
}

/**
 * Names under which the credential store keeps this connector's secrets. The background's store scopes them to the
 * connector (utils/secrets.ts `credentialsFor`: `alfresco-gs/password`); the password is the form's secret field.
 */
export const ALFRESCO_PASSWORD = 'password';
export const ALFRESCO_TICKET = 'ticket';

/** A ticket as stored: with the user it was issued to, so that a change of user name never reuses it. */
const StoredTicket = v.object({ user: v.string(), ticket: v.pipe(v.string(), v.minLength(1), v.maxLength(4096)) });

export const API = {
  gs: '/alfresco/api/-default-/public/gs/versions/1',
  auth: '/alfresco/api/-default-/public/authentication/versions/1',
  search: '/alfresco/api/-default-/public/search/versions/1',
  model: '/alfresco/api/-default-/public/alfresco/versions/1',
} as const;

/** The error body every Alfresco API answers with (gs-core-api.yaml, definitions/Error). */
const ErrorBody = v.object({
  error: v.object({
    statusCode: v.optional(v.number()),
    briefSummary: v.optional(v.string()),
    errorKey: v.optional(v.string()),
  }),
});

export interface RequestOptions {
  query?: Record<string, string> | undefined;
  json?: unknown;
  /** A multipart/form-data body (`formBody`: bytes when every part is in memory). */
  form?: MultipartEntry[] | undefined;
  /** Statuses the caller handles itself instead of getting a ConnectorError. */
  accept?: number[] | undefined;
}

/** The Alfresco error's summary without its log number prefix, or the start of the body. */
export async function errorSummary(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = v.safeParse(ErrorBody, JSON.parse(text));
    const summary = parsed.success ? parsed.output.error.briefSummary : undefined;
    if (summary) return summary.replace(/^\d{8} /, '');
  } catch {
    // Not JSON (a proxy's page): fall through to the raw text.
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 200) || response.statusText || `HTTP ${response.status}`;
}

/** A failed answer as the seam's error kinds (connector.ts), with Alfresco's own words in the message. */
export async function failure(response: Response, doing: string, now: number): Promise<ConnectorError> {
  const { status } = response;
  const summary = await errorSummary(response);
  const options = { status };
  if (status === 401) {
    return new ConnectorError(`Alfresco refused the sign-in while ${doing}: ${summary}`, 'auth', {
      ...options,
      interactive: true,
    });
  }
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfter(response.headers.get('Retry-After'), now);
    return new ConnectorError(`Alfresco is busy (${status}) while ${doing}: ${summary}`, 'throttled', {
      ...options,
      retryAfterMs,
    });
  }
  if (status === 408 || status >= 500) {
    return new ConnectorError(`Alfresco failed (${status}) while ${doing}: ${summary}`, 'retryable', options);
  }
  if (status === 409) return new ConnectorError(`Alfresco refused ${doing} (409): ${summary}`, 'conflict', options);
  if (status === 403) {
    return new ConnectorError(
      `The Alfresco user may not do this (403) while ${doing}: ${summary}`,
      'permanent',
      options,
    );
  }
  return new ConnectorError(`Alfresco refused ${doing} (${status}): ${summary}`, 'permanent', options);
}

function networkFailure(error: unknown, doing: string): ConnectorError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ConnectorError(`Could not reach Alfresco while ${doing}: ${reason}`, 'retryable', { cause: error });
}

const TicketEntry = v.object({ entry: v.object({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(4096)) }) });

export class AlfrescoClient {
  readonly origin: string;

  constructor(
    readonly settings: AlfrescoSettings,
    readonly deps: ConnectorDeps,
  ) {
    const url = new URL(settings.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('The Alfresco address must be http(s).');
    this.origin = url.origin + url.pathname.replace(/\/+$/, '');
  }

  /**
   * A new ticket from the user name and the stored password (alfresco-auth.yaml, POST /tickets: 201 with the
   * ticket, 403 "Login failed"). Kept in the credential store so that every request does not log in again.
   */
  async login(): Promise<string> {
    const password = await this.deps.credentials.get(ALFRESCO_PASSWORD);
    if (!password) {
      throw new ConnectorError('No Alfresco password is stored: enter it in the options page.', 'auth', {
        interactive: true,
      });
    }
    let response: Response;
    try {
      response = await this.deps.fetch(`${this.origin}${API.auth}/tickets`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ userId: this.settings.username, password }),
        signal: AbortSignal.timeout(this.settings.timeoutMs ?? 120_000),
      });
    } catch (error) {
      throw networkFailure(error, 'signing in');
    }
    if (response.status === 403 || response.status === 400) {
      const summary = await errorSummary(response);
      throw new ConnectorError(
        `Alfresco refused the user name or password for ${this.settings.username} (${response.status}): ${summary}`,
        'auth',
        { status: response.status, interactive: true },
      );
    }
    if (response.status !== 201) throw await failure(response, 'signing in', this.deps.now());
    const parsed = v.safeParse(TicketEntry, await response.json().catch(() => undefined));
    if (!parsed.success) {
      throw new ConnectorError('Alfresco answered the sign-in without a ticket.', 'retryable', { status: 201 });
    }
    const ticket = parsed.output.entry.id;
    await this.deps.credentials.set(ALFRESCO_TICKET, JSON.stringify({ user: this.settings.username, ticket }));
    return ticket;
  }

  /** The stored ticket when it was issued to this user name; otherwise a new one. */
  private async ticket(): Promise<string> {
    const stored = await this.deps.credentials.get(ALFRESCO_TICKET);
    let parsed: v.SafeParseResult<typeof StoredTicket> | undefined;
    try {
      parsed = stored === undefined ? undefined : v.safeParse(StoredTicket, JSON.parse(stored));
    } catch {
      // Not what this version stores: sign in again.
    }
    if (parsed?.success && parsed.output.user === this.settings.username) return parsed.output.ticket;
    return this.login();
  }

  /**
   * One call, with the stored ticket (sent as the API explorer says: `Authorization: Basic base64(ticket)`); when
   * it answers 401 the ticket has expired or was revoked, so it is renewed once and the call repeated.
   */
  async request(method: string, path: string, doing: string, options: RequestOptions = {}): Promise<Response> {
    const url = new URL(`${this.origin}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
    for (let attempt = 0; ; attempt++) {
      const ticket = await this.ticket();
      const headers: Record<string, string> = { Authorization: `Basic ${btoa(ticket)}`, Accept: 'application/json' };
      let body: BodyInit | undefined;
      if (options.form) {
        const form = formBody(options.form);
        body = form.body;
        Object.assign(headers, form.headers);
      } else if (options.json !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(options.json);
      }
      let response: Response;
      try {
        response = await this.deps.fetch(url, {
          method,
          headers,
          body,
          signal: AbortSignal.timeout(this.settings.timeoutMs ?? 120_000),
        });
      } catch (error) {
        throw networkFailure(error, doing);
      }
      if (response.status === 401 && attempt === 0) {
        await response.body?.cancel();
        await this.deps.credentials.delete(ALFRESCO_TICKET);
        continue;
      }
      if (response.ok || options.accept?.includes(response.status)) return response;
      throw await failure(response, doing, this.deps.now());
    }
  }

  /** A JSON answer, validated: what does not match is a repository answering wrong, retried later. */
  async json<T>(
    schema: v.GenericSchema<unknown, T>,
    method: string,
    path: string,
    doing: string,
    options: RequestOptions = {},
  ): Promise<T> {
    const response = await this.request(method, path, doing, options);
    const parsed = v.safeParse(schema, await response.json().catch(() => undefined));
    if (!parsed.success) {
      throw new ConnectorError(`Alfresco's answer to ${doing} is not what its API describes.`, 'retryable', {
        status: response.status,
      });
    }
    return parsed.output;
  }
}
