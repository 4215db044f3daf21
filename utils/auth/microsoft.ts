import type { OAuthClientConfig } from './oauth';

/**
 * Microsoft Entra ID (the Microsoft identity platform, v2.0 endpoints) as the identity provider for Microsoft 365,
 * and the least Microsoft Graph permissions each feature needs (docs/connectors/microsoft-365.md § Permissions).
 */

/** What the extension does with Microsoft 365; each asks only for what it needs, when it is first used. */
export type GraphFeature = 'file' | 'outlook' | 'fetch';

/**
 * Delegated permissions, always on behalf of the signed-in user and never beyond what that user may do:
 * - every feature: `User.Read` (who is signed in: the connection test, `translateExchangeIds`) and
 *   `offline_access` (a refresh token, so the user is not asked again every hour);
 * - `file`: `Sites.ReadWrite.All`, the least permission that both uploads to a library and sets its columns
 *   (listitem-update.md lists no other) and applies retention labels (driveitem-setretentionlabel.md);
 * - `outlook`: `Mail.Read`, the least permission that reads a message's MIME (`$value`, message-get.md);
 *   `Mail.ReadBasic` leaves the body out;
 * - `fetch`: `Files.Read.All`, to download SharePoint and OneDrive files the page could not.
 */
export const GRAPH_SCOPES: Record<GraphFeature | 'sign-in', readonly string[]> = {
  'sign-in': ['offline_access', 'User.Read'],
  file: ['Sites.ReadWrite.All'],
  outlook: ['Mail.Read'],
  fetch: ['Files.Read.All'],
};

export function scopesFor(features: readonly GraphFeature[]): string[] {
  return [...new Set([...GRAPH_SCOPES['sign-in'], ...features.flatMap((feature) => GRAPH_SCOPES[feature])])];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export interface EntraSettings {
  /** The directory (tenant) id, or one of its verified domain names (`contoso.onmicrosoft.com`). */
  tenant: string;
  /** The application (client) id of the app registration. */
  clientId: string;
  /** `identity.getRedirectURL()`. */
  redirectUri: string;
  /** Sign-in host of a national cloud; `https://login.microsoftonline.com` by default. */
  authority?: string | undefined;
}

/** Problems with the settings, in words an administrator can act on; empty when they are usable. */
export function checkEntraSettings(settings: Partial<EntraSettings>): string[] {
  const problems: string[] = [];
  const tenant = settings.tenant?.trim() ?? '';
  if (!tenant) problems.push('The Microsoft 365 tenant is not set.');
  else if (!GUID.test(tenant) && !DOMAIN.test(tenant) && tenant !== 'organizations') {
    problems.push(`The tenant "${tenant}" is neither a directory id nor a domain name.`);
  }
  const clientId = settings.clientId?.trim() ?? '';
  if (!clientId) problems.push('The application (client) id is not set.');
  else if (!GUID.test(clientId)) problems.push(`The application (client) id "${clientId}" is not a GUID.`);
  if (!settings.redirectUri) problems.push('The browser gave no redirect URL for sign-in.');
  if (settings.authority !== undefined) {
    try {
      const url = new URL(settings.authority);
      if (!isHttpsOrLoopback(url) || url.pathname !== '/' || url.search || url.hash)
        problems.push('The sign-in authority must be an https origin, as in https://login.microsoftonline.us.');
    } catch {
      problems.push(`The sign-in authority "${settings.authority}" is not a URL.`);
    }
  }
  return problems;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https, or plain http on loopback (a local identity provider or Graph stand-in for tests and tools). */
export function isHttpsOrLoopback(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}

/** The OAuth client of an Entra app registration (platform "Single-page application"). Throws on bad settings. */
export function entraClient(settings: EntraSettings): OAuthClientConfig {
  const problems = checkEntraSettings(settings);
  if (problems.length) throw new Error(problems.join(' '));
  const origin = new URL(settings.authority ?? 'https://login.microsoftonline.com').origin;
  const tenant = encodeURIComponent(settings.tenant.trim());
  return {
    issuer: `${origin}/${tenant}/v2.0`,
    authorizationEndpoint: `${origin}/${tenant}/oauth2/v2.0/authorize`,
    tokenEndpoint: `${origin}/${tenant}/oauth2/v2.0/token`,
    clientId: settings.clientId.trim(),
    redirectUri: settings.redirectUri,
    checkIssuer: GUID.test(settings.tenant.trim()),
    interactivePrompt: 'select_account',
  };
}
