import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWTPayload, jwtVerify } from 'jose';
import Provider from 'oidc-provider';

/**
 * A real OpenID provider (panva's `oidc-provider`, certified by the OpenID Foundation) on loopback, standing in for
 * Microsoft Entra ID in tests: authorization code flow with PKCE for a public client, refresh tokens that rotate on
 * every use and keep the first one's deadline (as Entra does for single-page apps), JWT access tokens for the
 * Graph resource that the Graph fake verifies with the provider's keys.
 *
 * `launchWebAuthFlow` plays the browser's `identity.launchWebAuthFlow`: it follows the provider's redirects with a
 * cookie jar (the provider's session survives between calls, as in a browser profile), fills in the provider's
 * development login and consent forms when `interactive`, and fails as Chrome does ("User interaction required.")
 * when a page needs the user and `interactive` is false.
 */

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
const GRAPH_PERMISSIONS = 'User.Read Sites.ReadWrite.All Mail.Read Files.Read.All';

export interface OpenIdProviderOptions {
  clientId?: string;
  redirectUri?: string;
  /** Seconds an access token lives (default one hour). */
  accessTokenTtl?: number;
  /** Seconds the first refresh token lives (default 24 hours, like a single-page app's at Entra). */
  refreshTokenTtl?: number;
  /** The login the development form is filled with. */
  account?: string;
}

export interface OpenIdProvider {
  issuer: string;
  clientId: string;
  redirectUri: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  launchWebAuthFlow: (details: { url: string; interactive: boolean }) => Promise<string>;
  /** How many times `launchWebAuthFlow` was called, and with which `interactive`. */
  flows: boolean[];
  /** Verifies an access token for the Graph resource: signature, issuer, audience, expiry. */
  verifyAccessToken: (token: string, now?: Date) => Promise<JWTPayload>;
  /** Revokes a token at the provider (RFC 7009), as an administrator or a password change would. */
  revoke: (token: string) => Promise<void>;
  /** Forgets the browser's session with the provider, so a silent sign-in needs the user. */
  endBrowserSession: () => void;
  /** Requests the token endpoint answered, by grant type. */
  tokenRequests: string[];
  close: () => Promise<void>;
}

export async function startOpenIdProvider(options: OpenIdProviderOptions = {}): Promise<OpenIdProvider> {
  const clientId = options.clientId ?? '00000000-0000-4000-8000-00000000c11e';
  const redirectUri = options.redirectUri ?? 'https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/';
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const signing = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test' };
  const verifying = { ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig', kid: 'test' };

  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [signing] },
    cookies: { keys: ['recordkeeper-test-cookie-key'] },
    scopes: ['openid', 'offline_access'],
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => GRAPH_RESOURCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async () => ({
          scope: GRAPH_PERMISSIONS,
          audience: GRAPH_RESOURCE,
          accessTokenFormat: 'jwt',
          accessTokenTTL: options.accessTokenTtl ?? 3600,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    ttl: {
      AccessToken: options.accessTokenTtl ?? 3600,
      AuthorizationCode: 60,
      Grant: 14 * 24 * 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      // Rotated refresh tokens of public web clients keep the remaining lifetime of the one they replace
      // (oidc-provider's default), which is Entra's rule for single-page apps.
      RefreshToken: (ctx: { oidc?: { entities?: { RotatedRefreshToken?: { remainingTTL: number } } } }) =>
        ctx?.oidc?.entities?.RotatedRefreshToken?.remainingTTL ?? options.refreshTokenTtl ?? 24 * 3600,
    },
  } as ConstructorParameters<typeof Provider>[1]);
  // No proxy in front: the provider sees plain http on loopback.
  const tokenRequests: string[] = [];
  provider.on('grant.success', (ctx: { oidc: { params?: { grant_type?: string } } }) => {
    tokenRequests.push(String(ctx.oidc.params?.grant_type));
  });
  const handler = provider.callback();
  server.on('request', handler);

  const jar = new Map<string, string>();
  const account = options.account ?? 'alice@contoso.example';
  const flows: boolean[] = [];

  const send = async (url: string, init: RequestInit = {}) => {
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  };

  const launchWebAuthFlow = async ({ url, interactive }: { url: string; interactive: boolean }) => {
    flows.push(interactive);
    let response = await send(url);
    for (let steps = 0; steps < 20; steps++) {
      if (response.status >= 300 && response.status < 400) {
        const location = new URL(response.headers.get('location')!, issuer).href;
        if (location.startsWith(redirectUri)) return location;
        response = await send(location);
        continue;
      }
      const html = await response.text();
      const form = /<form[^>]*action="([^"]+)"[^>]*method="post"[\s\S]*?name="prompt" value="(\w+)"/.exec(html);
      if (!form) throw new Error(`The sign-in page could not be read (HTTP ${response.status}).`);
      if (!interactive) throw new Error('User interaction required.');
      const body = new URLSearchParams({ prompt: form[2]! });
      if (form[2] === 'login') {
        body.set('login', account);
        body.set('password', 'not checked by the development form');
      }
      response = await send(new URL(form[1]!.replaceAll('&amp;', '&'), issuer).href, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    }
    throw new Error('The sign-in did not finish in 20 steps.');
  };

  const keys = createLocalJWKSet({ keys: [verifying] });

  return {
    issuer,
    clientId,
    redirectUri,
    authorizationEndpoint: `${issuer}/auth`,
    tokenEndpoint: `${issuer}/token`,
    launchWebAuthFlow,
    flows,
    tokenRequests,
    verifyAccessToken: async (token, now) => {
      const { payload } = await jwtVerify(token, keys, {
        issuer,
        audience: GRAPH_RESOURCE,
        ...(now ? { currentDate: now } : {}),
      });
      return payload;
    },
    revoke: async (token) => {
      const response = await fetch(`${issuer}/token/revocation`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, client_id: clientId }),
      });
      if (!response.ok) throw new Error(`revocation answered ${response.status}`);
    },
    endBrowserSession: () => jar.clear(),
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
