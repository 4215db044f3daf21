import * as oauth from 'oauth4webapi';
import * as v from 'valibot';
import type { CredentialStore } from '../connectors/connector';

/**
 * OAuth 2.0 authorization code flow with PKCE (RFC 6749 §4.1, RFC 7636) for a public client running in the
 * extension's background, the one place that holds credentials. The browser part of the flow goes through
 * `identity.launchWebAuthFlow` (Chrome, Edge and Firefox alike), injected as `launchWebAuthFlow`, with the
 * extension's `identity.getRedirectURL()` as redirect URI; everything else is plain HTTP through the injected
 * `fetch`, so the same code runs in a service worker, an event page and Node (the tests run it against a real
 * OpenID provider on loopback).
 *
 * Protocol details (request building, response validation, PKCE) are oauth4webapi's: a small, dependency-free
 * client made for exactly this, written against the RFCs and certified for OpenID Connect, that runs on any
 * runtime with `fetch` and WebCrypto. MSAL's browser library cannot run in a service worker (it needs `window`
 * and DOM storage), which is why this flow is ours.
 *
 * Tokens: an access token is used until shortly before it expires, then renewed silently with the refresh token;
 * when that is refused or has run out, a silent authorization request (`prompt=none`, no window) is tried, and
 * only when that needs the user too does the caller get an `AuthError` that asks for an interactive sign-in.
 * Refresh tokens issued to single-page-app registrations live 24 hours from the sign-in, and the ones they are
 * exchanged for keep that deadline (docs/connectors/microsoft-365.md § Sign-in), so the deadline is kept across
 * refreshes and never extended.
 */

export interface OAuthClientConfig {
  /** The authorization server's issuer identifier (checked against an `iss` in the authorization response). */
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  clientId: string;
  /** `identity.getRedirectURL()`: the browser's reserved address for this extension, never loaded. */
  redirectUri: string;
  /** Parameters added to every authorization request (a domain hint, say). */
  extraAuthorizationParams?: Record<string, string> | undefined;
  /**
   * Whether an `iss` in the authorization response (RFC 9207) must equal `issuer`. Off only where the issuer
   * identifier cannot be known ahead (an Entra tenant named by domain is issued under its GUID); with a single
   * authorization server there is no mix-up for the check to catch.
   */
  checkIssuer?: boolean | undefined;
  /** `prompt` of an interactive sign-in (Entra: `select_account`, so the user picks the work account). */
  interactivePrompt?: 'select_account' | 'login' | 'consent' | undefined;
}

/** `identity.launchWebAuthFlow`: opens `url`, answers the URL the flow was redirected to. */
export type LaunchWebAuthFlow = (details: { url: string; interactive: boolean }) => Promise<string | undefined>;

export interface OAuthDeps {
  fetch: typeof fetch;
  now: () => number;
  credentials: CredentialStore;
  launchWebAuthFlow: LaunchWebAuthFlow;
}

/** Why a token could not be had, so the caller knows whom to ask. */
export type AuthFailure =
  /** Only the user can fix it: sign in (again), or consent to a permission. */
  | 'sign-in'
  /** The user closed the sign-in window or refused consent. */
  | 'cancelled'
  /** The identity provider could not be reached; try again later. */
  | 'unreachable'
  /** The identity provider refused the request itself (an app registration or configuration problem). */
  | 'refused';

export class AuthError extends Error {
  constructor(
    message: string,
    readonly reason: AuthFailure,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AuthError';
  }

  /** Whether only the person at the browser can resolve it. */
  get interactive(): boolean {
    return this.reason === 'sign-in' || this.reason === 'cancelled';
  }
}

/** Refresh tokens of single-page-app registrations: 24 hours from the sign-in, carried over by every refresh. */
export const SPA_REFRESH_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** An access token this close to its expiry is renewed before use rather than sent and refused. */
export const EXPIRY_MARGIN_MS = 2 * 60 * 1000;

const TokenSetSchema = v.object({
  accessToken: v.pipe(v.string(), v.minLength(1)),
  /** Epoch ms. */
  expiresAt: v.number(),
  refreshToken: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** Epoch ms after which the refresh token is known to be refused. */
  refreshExpiresAt: v.optional(v.number()),
  scopes: v.array(v.string()),
  /** The signed-in account, when known: sent as `login_hint` so a silent sign-in picks the same one. */
  account: v.optional(v.string()),
  /**
   * Which client of which identity provider issued them (`clientKey`): a token set saved for another tenant or app
   * registration is not used once the settings name a new one.
   */
  client: v.optional(v.string()),
});
export type TokenSet = v.InferOutput<typeof TokenSetSchema>;

export interface Pkce {
  verifier: string;
  challenge: string;
}

/** A fresh PKCE pair: a 43-character verifier of 32 random bytes and its S256 challenge (RFC 7636 §4.1–4.2). */
export async function createPkce(): Promise<Pkce> {
  const verifier = oauth.generateRandomCodeVerifier();
  return { verifier, challenge: await pkceChallenge(verifier) };
}

/** BASE64URL(SHA256(ASCII(verifier))), RFC 7636 §4.2. */
export function pkceChallenge(verifier: string): Promise<string> {
  return oauth.calculatePKCECodeChallenge(verifier);
}

export interface AuthorizeRequest {
  scopes: readonly string[];
  state: string;
  challenge: string;
  /** `none` for a silent request; `select_account` lets the user pick the account. */
  prompt?: 'none' | 'select_account' | 'login' | 'consent' | undefined;
  loginHint?: string | undefined;
}

/** The authorization request URL (RFC 6749 §4.1.1 with RFC 7636 §4.3). */
export function authorizeUrl(config: OAuthClientConfig, request: AuthorizeRequest): string {
  const url = new URL(config.authorizationEndpoint);
  const params = url.searchParams;
  for (const [key, value] of Object.entries(config.extraAuthorizationParams ?? {})) params.set(key, value);
  params.set('client_id', config.clientId);
  params.set('response_type', 'code');
  params.set('redirect_uri', config.redirectUri);
  params.set('scope', request.scopes.join(' '));
  params.set('state', request.state);
  params.set('code_challenge', request.challenge);
  params.set('code_challenge_method', 'S256');
  if (request.prompt) params.set('prompt', request.prompt);
  if (request.loginHint) params.set('login_hint', request.loginHint);
  return url.href;
}

/** Scopes the identity provider adds or leaves out of its answer that say nothing about the API's permissions. */
const PROTOCOL_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);
/** `https://graph.microsoft.com/Mail.Read` and `Mail.Read` are one permission, compared case-insensitively. */
const scopeKey = (scope: string) => scope.replace(/^https:\/\/[^/]+\//, '').toLowerCase();

/** The scopes asked for that the token set was not granted. */
export function missingScopes(granted: readonly string[], wanted: readonly string[]): string[] {
  const have = new Set(granted.map(scopeKey));
  return wanted.filter((scope) => !PROTOCOL_SCOPES.has(scopeKey(scope)) && !have.has(scopeKey(scope)));
}

const isLoopback = (url: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

/** Endpoints must be https; plain http only on loopback (tests, a local identity provider). */
function checkEndpoint(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AuthError(`The sign-in ${name} "${value}" is not a URL.`, 'refused');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url))) {
    throw new AuthError(`The sign-in ${name} must use https: ${value}`, 'refused');
  }
  return url;
}

/** The signed-in session of one account with one identity provider: tokens in, tokens out. */
export class OAuthSession {
  private readonly as: oauth.AuthorizationServer;
  private readonly client: oauth.Client;
  private readonly httpOptions: { [oauth.customFetch]: typeof fetch; [oauth.allowInsecureRequests]?: boolean };
  /** The renewal in progress, so concurrent callers share one refresh: a refresh token can be used only once. */
  private renewing: Promise<TokenSet> | undefined;

  constructor(
    readonly config: OAuthClientConfig,
    private readonly deps: OAuthDeps,
    /** The name the token set is kept under in the credential store. */
    readonly storageKey: string,
  ) {
    const authorization = checkEndpoint('authorization endpoint', config.authorizationEndpoint);
    const token = checkEndpoint('token endpoint', config.tokenEndpoint);
    this.as = {
      issuer: config.issuer,
      authorization_endpoint: authorization.href,
      token_endpoint: token.href,
    };
    this.client = { client_id: config.clientId };
    this.httpOptions = {
      [oauth.customFetch]: (...args: Parameters<typeof fetch>) => deps.fetch(...args),
      ...(isLoopback(token) && token.protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {}),
    };
  }

  /** Names this client at this identity provider; token sets are kept with it. */
  get clientKey(): string {
    return `${this.config.tokenEndpoint} ${this.config.clientId}`;
  }

  /** The saved token set, or undefined when there is none, it cannot be read, or another client's it is. */
  async tokens(): Promise<TokenSet | undefined> {
    const saved = await this.deps.credentials.get(this.storageKey);
    if (saved === undefined) return undefined;
    try {
      const parsed = v.safeParse(TokenSetSchema, JSON.parse(saved));
      if (!parsed.success) return undefined;
      return parsed.output.client === undefined || parsed.output.client === this.clientKey ? parsed.output : undefined;
    } catch {
      return undefined;
    }
  }

  private save(tokens: TokenSet): Promise<void> {
    return this.deps.credentials.set(this.storageKey, JSON.stringify({ ...tokens, client: this.clientKey }));
  }

  /** Remembers the account's sign-in name (from `/me`), so a silent sign-in asks for that same account. */
  async rememberAccount(account: string): Promise<void> {
    const tokens = await this.tokens();
    if (tokens && tokens.account !== account) await this.save({ ...tokens, account });
  }

  async signOut(): Promise<void> {
    await this.deps.credentials.delete(this.storageKey);
  }

  /**
   * Runs the authorization code flow: the sign-in window (or, when `interactive` is false, a request that must
   * complete without one), then the code exchange. Saves and answers the new token set.
   */
  async signIn(
    scopes: readonly string[],
    options: { interactive?: boolean; loginHint?: string } = {},
  ): Promise<TokenSet> {
    const interactive = options.interactive ?? true;
    const pkce = await createPkce();
    const state = oauth.generateRandomState();
    const url = authorizeUrl(this.config, {
      scopes,
      state,
      challenge: pkce.challenge,
      prompt: interactive ? this.config.interactivePrompt : 'none',
      loginHint: options.loginHint,
    });

    let redirected: string | undefined;
    try {
      redirected = await this.deps.launchWebAuthFlow({ url, interactive });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw interactive
        ? new AuthError(`The sign-in window closed before sign-in finished (${reason}).`, 'cancelled', { cause: error })
        : new AuthError(`Sign in to Microsoft 365 again: ${reason}`, 'sign-in', { cause: error });
    }
    if (!redirected) throw new AuthError('The sign-in window closed before sign-in finished.', 'cancelled');

    const callback = this.callbackParameters(redirected, state, interactive);
    let response: Response;
    try {
      response = await oauth.authorizationCodeGrantRequest(
        this.as,
        this.client,
        oauth.None(),
        callback,
        this.config.redirectUri,
        pkce.verifier,
        this.httpOptions,
      );
    } catch (error) {
      throw unreachable(error);
    }
    const now = this.deps.now();
    const answer = await this.process(() => oauth.processAuthorizationCodeResponse(this.as, this.client, response));
    const previous = await this.tokens();
    const tokens = tokenSet(answer, scopes, now, {
      refreshExpiresAt: now + refreshLifetime(answer),
      // A new interactive sign-in may be another person's: the account is learnt again (`rememberAccount`).
      account: options.loginHint ?? (interactive ? undefined : previous?.account),
    });
    await this.save(tokens);
    return tokens;
  }

  /** The authorization response's parameters, checked: our redirect URI, our state, no error (RFC 6749 §4.1.2). */
  private callbackParameters(redirected: string, state: string, interactive: boolean): URLSearchParams {
    const expected = new URL(this.config.redirectUri);
    let url: URL;
    try {
      url = new URL(redirected);
    } catch {
      throw new AuthError('The sign-in ended on an address that is not a URL.', 'refused');
    }
    if (url.origin !== expected.origin || url.pathname !== expected.pathname) {
      throw new AuthError(`The sign-in ended on ${url.origin}${url.pathname}, not on ${expected.href}.`, 'refused');
    }
    if (this.config.checkIssuer === false) url.searchParams.delete('iss');
    try {
      return oauth.validateAuthResponse(this.as, this.client, url, state);
    } catch (error) {
      if (error instanceof oauth.AuthorizationResponseError) {
        const detail = describeOAuthError(error.error, error.error_description);
        if (error.error === 'access_denied') {
          throw new AuthError(`Sign-in was refused: ${detail}`, 'cancelled', { cause: error });
        }
        if (SIGN_IN_ERRORS.has(error.error) || !interactive) {
          throw new AuthError(`Sign in to Microsoft 365 again: ${detail}`, 'sign-in', { cause: error });
        }
        throw new AuthError(`The identity provider refused the sign-in: ${detail}`, 'refused', { cause: error });
      }
      throw new AuthError(`The sign-in answer was not valid: ${messageOf(error)}`, 'refused', { cause: error });
    }
  }

  /**
   * An access token carrying `scopes`: the saved one while it is fresh, else a refreshed one, else one from a
   * silent sign-in. `forceRefresh` renews even a token that looks fresh (the API refused it).
   * Throws `AuthError`: `sign-in` when only the user can continue.
   */
  async accessToken(scopes: readonly string[], options: { forceRefresh?: boolean } = {}): Promise<string> {
    const tokens = await this.tokens();
    if (!tokens) throw new AuthError('Not signed in to Microsoft 365: sign in from the options page.', 'sign-in');
    const fresh = tokens.expiresAt - EXPIRY_MARGIN_MS > this.deps.now();
    if (fresh && !options.forceRefresh && missingScopes(tokens.scopes, scopes).length === 0) return tokens.accessToken;
    this.renewing ??= this.renew(tokens, scopes).finally(() => {
      this.renewing = undefined;
    });
    return (await this.renewing).accessToken;
  }

  private async renew(tokens: TokenSet, scopes: readonly string[]): Promise<TokenSet> {
    const wanted = union(tokens.scopes, scopes);
    const usable = tokens.refreshToken && (tokens.refreshExpiresAt ?? Number.POSITIVE_INFINITY) > this.deps.now();
    // A new feature's permission, which a refresh may not be able to grant (it needs consent, or the provider
    // refuses to widen a grant by refresh): a refusal then says nothing about what was granted before.
    const asksMore = missingScopes(tokens.scopes, scopes).length > 0;
    let current = tokens;
    let refused = !usable;
    if (usable && tokens.refreshToken) {
      try {
        current = await this.refresh(tokens, tokens.refreshToken, wanted);
        if (missingScopes(current.scopes, scopes).length === 0) return current;
      } catch (error) {
        if (!(error instanceof AuthError) || error.reason === 'unreachable') throw error;
        if (!asksMore && error.reason !== 'sign-in') throw error;
        refused = !asksMore;
      }
    }
    // The refresh token was refused or has run out: it is forgotten. (When only a new feature's permission was
    // refused, it is kept: what was granted before still works.) The identity provider may still sign the user in
    // without a window (its own session), which also renews the 24-hour deadline.
    if (refused) await this.save({ ...current, refreshToken: undefined, refreshExpiresAt: undefined });
    try {
      return await this.signIn(wanted, { interactive: false, loginHint: tokens.account });
    } catch (error) {
      if (error instanceof AuthError && error.reason === 'unreachable') throw error;
      const missing = missingScopes(current.scopes, scopes);
      const why = missing.length ? `to grant ${missing.join(', ')}` : 'the session has ended';
      throw new AuthError(`Sign in to Microsoft 365 again (${why}).`, 'sign-in', { cause: error });
    }
  }

  /** The refresh token grant (RFC 6749 §6). A refusal (`invalid_grant`) is an `AuthError` of reason `sign-in`. */
  private async refresh(tokens: TokenSet, refreshToken: string, scopes: readonly string[]): Promise<TokenSet> {
    let response: Response;
    try {
      response = await oauth.refreshTokenGrantRequest(this.as, this.client, oauth.None(), refreshToken, {
        ...this.httpOptions,
        additionalParameters: { scope: scopes.join(' ') },
      });
    } catch (error) {
      throw unreachable(error);
    }
    const now = this.deps.now();
    const answer = await this.process(() => oauth.processRefreshTokenResponse(this.as, this.client, response));
    const renewed = tokenSet(answer, scopes, now, {
      // The deadline of the first refresh token carries over; a shorter one announced now wins.
      refreshExpiresAt: Math.min(
        tokens.refreshExpiresAt ?? now + SPA_REFRESH_LIFETIME_MS,
        answer.refresh_token_expires_in === undefined ? Number.POSITIVE_INFINITY : now + refreshLifetime(answer),
      ),
      account: tokens.account,
      // Some providers answer a refresh without a new refresh token: the current one stays valid then.
      refreshToken: answer.refresh_token ?? refreshToken,
    });
    await this.save(renewed);
    return renewed;
  }

  /** Runs a response processor, turning its failures into `AuthError`s that say who can fix them. */
  private async process(step: () => Promise<oauth.TokenEndpointResponse>): Promise<oauth.TokenEndpointResponse> {
    try {
      return await step();
    } catch (error) {
      if (error instanceof oauth.ResponseBodyError) {
        const detail = describeOAuthError(error.error, error.error_description);
        if (SIGN_IN_ERRORS.has(error.error)) {
          throw new AuthError(`Sign in to Microsoft 365 again: ${detail}`, 'sign-in', { cause: error });
        }
        if (error.status >= 500 || error.error === 'temporarily_unavailable') {
          throw new AuthError(`The identity provider is not available: ${detail}`, 'unreachable', { cause: error });
        }
        throw new AuthError(`The identity provider refused the request: ${detail}`, 'refused', { cause: error });
      }
      throw new AuthError(`The identity provider's answer was not valid: ${messageOf(error)}`, 'refused', {
        cause: error,
      });
    }
  }
}

/** Errors that mean "the user must sign in or consent", from RFC 6749 §5.2 and OpenID Connect Core §3.1.2.6. */
const SIGN_IN_ERRORS = new Set([
  'invalid_grant',
  'login_required',
  'interaction_required',
  'consent_required',
  'account_selection_required',
]);

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function describeOAuthError(code: string, description: string | undefined): string {
  // Entra's descriptions run over several lines with trace ids; the first line says what happened.
  const first = description?.split(/\r?\n/)[0]?.trim();
  return first ? `${code}: ${first.slice(0, 500)}` : code;
}

function unreachable(error: unknown): AuthError {
  return new AuthError(`Could not reach the identity provider: ${messageOf(error)}`, 'unreachable', { cause: error });
}

function union(a: readonly string[], b: readonly string[]): string[] {
  const seen = new Set(a.map(scopeKey));
  return [...a, ...b.filter((scope) => !seen.has(scopeKey(scope)))];
}

/** Entra answers `refresh_token_expires_in` for single-page-app registrations; absent, the documented 24 hours. */
function refreshLifetime(answer: oauth.TokenEndpointResponse): number {
  const seconds = answer.refresh_token_expires_in;
  return typeof seconds === 'number' && seconds > 0 ? seconds * 1000 : SPA_REFRESH_LIFETIME_MS;
}

function tokenSet(
  answer: oauth.TokenEndpointResponse,
  requested: readonly string[],
  now: number,
  extra: Pick<TokenSet, 'refreshExpiresAt' | 'account'> & { refreshToken?: string | undefined },
): TokenSet {
  // RFC 6749 §5.1: `scope` may be left out when it is the one requested; `expires_in` is recommended, not required.
  const scopes = typeof answer.scope === 'string' ? answer.scope.split(' ').filter(Boolean) : [...requested];
  const lifetime = typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in * 1000 : 60_000;
  return {
    accessToken: answer.access_token,
    expiresAt: now + lifetime,
    refreshToken: extra.refreshToken ?? answer.refresh_token,
    refreshExpiresAt: answer.refresh_token || extra.refreshToken ? extra.refreshExpiresAt : undefined,
    scopes,
    ...(extra.account ? { account: extra.account } : {}),
  };
}
