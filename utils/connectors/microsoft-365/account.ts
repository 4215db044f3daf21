import type { WebAuthFlow } from '../../auth/identity';
import { checkEntraSettings, entraClient, scopesFor } from '../../auth/microsoft';
import { AuthError, OAuthSession } from '../../auth/oauth';
import type { CredentialStore } from '../connector';
import { GraphClient } from './graph';
import { entraSettings, featuresOf, graphBaseOf, type Microsoft365Options, microsoftOrigins } from './settings';

/**
 * The signed-in Microsoft 365 account, as the background keeps it: one OAuth session per connection (its tokens in
 * the CredentialStore, where pages and content scripts cannot read them), the view the options page and the popup
 * show, and the interactive sign-in and sign-out they ask for. Effects come in through `AccountDeps`.
 */

/** Under this name the token set is kept in the connector's own secrets (`microsoft-365/session`). */
export const SESSION_KEY = 'session';

export interface AccountDeps {
  fetch: typeof fetch;
  now: () => number;
  /** The Microsoft 365 connector's secrets. */
  credentials: CredentialStore;
  flow: WebAuthFlow;
}

/** The sign-in session of the connection's tenant and app registration. Throws when the settings cannot sign in. */
export function microsoftSession(options: Microsoft365Options, deps: AccountDeps): OAuthSession {
  const config = entraClient(entraSettings(options, deps.flow.redirectUri()));
  return new OAuthSession(
    config,
    { fetch: deps.fetch, now: deps.now, credentials: deps.credentials, launchWebAuthFlow: deps.flow.launchWebAuthFlow },
    SESSION_KEY,
  );
}

/** What extension pages see of the account: never a token. */
export interface MicrosoftAccountView {
  provider: 'microsoft';
  /** The settings can be used to sign in; else `problems` says why not. */
  configured: boolean;
  problems: string[];
  /** The address to register as a single-page-app redirect URI in the app registration. */
  redirectUri: string;
  /** Host permissions to ask for in the user's gesture before signing in. */
  origins: string[];
  signedIn: boolean;
  /** The signed-in user (their user principal name), once known. */
  account?: string | undefined;
  /** When the sign-in runs out at the latest (epoch ms): the single-page-app refresh token's 24 hours. */
  until?: number | undefined;
  /** The repository refused the sign-in while sending: the person must sign in again (`interactive`). */
  needed?: { interactive: boolean; error?: string | undefined } | undefined;
}

export interface AuthNeed {
  needed: boolean;
  interactive?: boolean | undefined;
  error?: string | undefined;
}

/** The account as it stands: settings usable or not, signed in or not, and whether sending needs a new sign-in. */
export async function accountView(
  options: Microsoft365Options | undefined,
  problems: readonly string[],
  deps: AccountDeps,
  need: AuthNeed,
): Promise<MicrosoftAccountView> {
  const redirectUri = deps.flow.redirectUri();
  const base: MicrosoftAccountView = {
    provider: 'microsoft',
    configured: false,
    problems: [...problems],
    redirectUri,
    origins: [],
    signedIn: false,
    ...(need.needed ? { needed: { interactive: need.interactive ?? false, error: need.error } } : {}),
  };
  if (!options) return base;
  const settingsProblems = checkEntraSettings(entraSettings(options, redirectUri));
  if (settingsProblems.length) return { ...base, problems: [...base.problems, ...settingsProblems] };
  const tokens = await microsoftSession(options, deps).tokens();
  const now = deps.now();
  // Signed in while either the access token or the refresh token still works; past both, only a sign-in helps
  // (perhaps a silent one, which the next send tries first).
  const usable =
    tokens !== undefined &&
    (tokens.expiresAt > now || (tokens.refreshToken !== undefined && (tokens.refreshExpiresAt ?? Infinity) > now));
  return {
    ...base,
    configured: true,
    origins: microsoftOrigins(options),
    signedIn: usable,
    ...(usable && tokens.account ? { account: tokens.account } : {}),
    ...(usable && tokens.refreshExpiresAt !== undefined ? { until: tokens.refreshExpiresAt } : {}),
  };
}

/**
 * The interactive sign-in (the browser's sign-in window), asking at once for every enabled feature's permissions,
 * then who signed in (`/me`), remembered as the login hint of later silent sign-ins. Throws `AuthError`.
 */
export async function signIn(options: Microsoft365Options, deps: AccountDeps): Promise<string | undefined> {
  const session = microsoftSession(options, deps);
  const scopes = scopesFor(featuresOf(options));
  await session.signIn(scopes, { interactive: true });
  const graph = new GraphClient({
    base: graphBaseOf(options),
    fetch: deps.fetch,
    now: deps.now,
    token: (o) => session.accessToken(scopes, o),
  });
  const me = await graph
    .json<{ userPrincipalName?: unknown; mail?: unknown }>('/me?$select=userPrincipalName,mail', {
      doing: 'read who signed in',
    })
    .catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      const kind = (error as { kind?: unknown }).kind;
      throw new AuthError(
        `Signed in, but Microsoft Graph did not answer who: ${message}`,
        kind === 'retryable' || kind === 'throttled' ? 'unreachable' : 'refused',
        { cause: error },
      );
    });
  const account = typeof me.userPrincipalName === 'string' ? me.userPrincipalName.slice(0, 320) : undefined;
  if (account) await session.rememberAccount(account);
  return account;
}

export async function signOut(options: Microsoft365Options, deps: AccountDeps): Promise<void> {
  await microsoftSession(options, deps).signOut();
}
