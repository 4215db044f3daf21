import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWTPayload, jwtVerify } from 'jose';
import Provider, { interactionPolicy } from 'oidc-provider';
import type { OAuthClientConfig } from '../../../utils/auth/oauth';

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
  /**
   * Shaped like Microsoft Entra ID's v2.0 endpoints for `tenant`, so that the extension's own Entra client
   * (utils/auth/microsoft.ts `entraClient`) talks to it unchanged: issuer `{origin}/{tenant}/v2.0`, endpoints
   * `{origin}/{tenant}/oauth2/v2.0/authorize` and `…/token`, `prompt=select_account` honoured with a sign-in page,
   * the app's permissions granted for the whole tenant (an administrator's consent, as the admin guide asks),
   * and a refresh token for every sign-in that asks `offline_access`, whatever the prompt. `origin` is the public
   * origin (`https://login.microsoftonline.com` when the browser's requests are routed here); the provider then
   * trusts the router's X-Forwarded-Proto and X-Forwarded-Host.
   */
  entra?: { tenant: string; origin?: string } | undefined;
}

export interface OpenIdProvider {
  issuer: string;
  /** Where the provider listens on loopback (the public origin may be another, reached through a router). */
  local: string;
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
  const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entra = options.entra;
  const tenant = entra ? encodeURIComponent(entra.tenant) : '';
  const publicOrigin = entra?.origin ?? local;
  const issuer = entra ? `${publicOrigin}/${tenant}/v2.0` : local;
  const account = options.account ?? 'alice@contoso.example';

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
    ...(entra ? entraConfiguration(tenant) : {}),
    features: {
      devInteractions: { enabled: !entra },
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
  if (entra) {
    // The requests come through the browser's router with the public host in X-Forwarded-Host (koa's `proxy`).
    provider.proxy = true;
    server.on('request', (req, res) => {
      const interaction = new RegExp(`^/${tenant}/interaction/([^/?]+)`).exec(req.url ?? '');
      if (!interaction) return handler(req, res);
      entraSignInPage(provider, req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
    });
  } else server.on('request', handler);

  const jar = new Map<string, string>();
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
    local,
    authorizationEndpoint: entra ? `${publicOrigin}/${tenant}/oauth2/v2.0/authorize` : `${issuer}/auth`,
    tokenEndpoint: entra ? `${publicOrigin}/${tenant}/oauth2/v2.0/token` : `${issuer}/token`,
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
      const response = await fetch(entra ? `${local}/${tenant}/oauth2/v2.0/revoke` : `${issuer}/token/revocation`, {
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

/** What makes the provider answer like Entra ID's v2.0 endpoints for one tenant (see `entra` above). */
function entraConfiguration(tenant: string) {
  const { Prompt, base } = interactionPolicy;
  return {
    routes: {
      authorization: `/${tenant}/oauth2/v2.0/authorize`,
      token: `/${tenant}/oauth2/v2.0/token`,
      jwks: `/${tenant}/discovery/v2.0/keys`,
      revocation: `/${tenant}/oauth2/v2.0/revoke`,
      end_session: `/${tenant}/oauth2/v2.0/logout`,
    },
    interactions: {
      // OpenID Connect Core §3.1.2.1 `select_account`, which Entra's interactive sign-in asks for.
      policy: [new Prompt({ name: 'select_account', requestable: true }), ...base()],
      url: (_ctx: unknown, interaction: { uid: string }) => `/${tenant}/interaction/${interaction.uid}`,
    },
    // An administrator granted the app's permissions for the tenant: no user is asked to consent.
    loadExistingGrant: async (ctx: EntraContext) => {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid offline_access');
      grant.addResourceScope(GRAPH_RESOURCE, GRAPH_PERMISSIONS);
      await grant.save();
      return grant;
    },
    // Entra answers a single-page app's token requests cross-origin (CORS) from any origin, not only its redirect
    // URI's: the extension's (chrome-extension://…) is not https://….chromiumapp.org (learn.microsoft.com,
    // entra/identity-platform/v2-oauth2-auth-code-flow.md § Redirect URIs for single-page apps). Entra's refusal of
    // an spa redemption without an Origin header (same section) is not encoded: the extension always sends one.
    clientBasedCORS: (_ctx: unknown, origin: string) => origin !== 'null',
    // Entra gives single-page apps a refresh token whenever `offline_access` is asked, not only on prompt=consent.
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
  };
}

interface EntraContext {
  oidc: {
    result?: { consent?: { grantId?: string } };
    session: { accountId: string; grantIdFor(clientId: string): string | undefined };
    client: { clientId: string };
    provider: Provider & {
      Grant: {
        new (init: {
          clientId: string;
          accountId: string;
        }): {
          addOIDCScope(scope: string): void;
          addResourceScope(resource: string, scope: string): void;
          save(): Promise<string>;
        };
        find(id: string): Promise<unknown>;
      };
    };
  };
}

/**
 * The tenant's sign-in page: a person types their work account and signs in (the account picker and password
 * page of Entra, in one form). Its form has the `prompt`, `login` and `password` inputs the development pages have,
 * so `launchWebAuthFlow` above fills it in the same way.
 */
async function entraSignInPage(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'POST') {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const login = body.get('login')?.trim();
    if (!login) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('Enter your work account.');
      return;
    }
    await provider.interactionFinished(
      req,
      res,
      { select_account: {}, login: { accountId: login } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const action = (req.url ?? '').split('?')[0]!;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to your account</title></head>
<body><main>
<h1>Sign in</h1>
<p>${details.prompt.name === 'select_account' ? 'Pick an account' : 'Sign in to continue'} to Contoso.</p>
<form autocomplete="off" action="${action}" method="post">
<input type="hidden" name="prompt" value="login">
<label for="login">Email, phone, or Skype</label>
<input id="login" name="login" type="email" required>
<label for="password">Password</label>
<input id="password" name="password" type="password">
<button type="submit">Sign in</button>
</form>
</main></body></html>`);
}

/** The OAuth client settings that sign in at this provider as the extension signs in at Entra ID. */
export function clientConfigFor(op: OpenIdProvider): OAuthClientConfig {
  return {
    issuer: op.issuer,
    authorizationEndpoint: op.authorizationEndpoint,
    tokenEndpoint: op.tokenEndpoint,
    clientId: op.clientId,
    redirectUri: op.redirectUri,
    // OpenID Connect Core §11: a refresh token (offline_access) is granted on an explicit consent prompt.
    interactivePrompt: 'consent',
  };
}
