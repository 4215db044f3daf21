import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfigFor, type OpenIdProvider, startOpenIdProvider } from '../../tests/fakes/graph/openid-provider';
import type { CredentialStore } from '../connectors/connector';
import { AuthError, type LaunchWebAuthFlow, OAuthSession, SPA_REFRESH_LIFETIME_MS } from './oauth';

/**
 * The flow end to end against a real OpenID provider on loopback (oidc-provider): authorization code with PKCE,
 * silent refresh with rotating refresh tokens, a refused refresh, the 24-hour deadline.
 */

const SCOPES = ['offline_access', 'User.Read', 'Sites.ReadWrite.All'];

function memoryCredentials(): CredentialStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    get: async (name) => map.get(name),
    set: async (name, value) => void map.set(name, value),
    delete: async (name) => void map.delete(name),
  };
}

let op: OpenIdProvider;
beforeAll(async () => {
  op = await startOpenIdProvider();
}, 120_000);
afterAll(() => op.close(), 60_000);

function session(options: { launch?: LaunchWebAuthFlow } = {}) {
  let clock = Date.now();
  const credentials = memoryCredentials();
  const s = new OAuthSession(
    clientConfigFor(op),
    { fetch, now: () => clock, credentials, launchWebAuthFlow: options.launch ?? op.launchWebAuthFlow },
    'm365.tokens',
  );
  const advance = (ms: number) => {
    clock += ms;
  };
  return { s, credentials, advance, now: () => clock };
}

// Servers on loopback on a busy machine: generous time, never a fixed sleep.
describe('OAuth session against a real OpenID provider', { timeout: 120_000 }, () => {
  it('signs in with the code flow and PKCE, and gets a Graph token the provider vouches for', async () => {
    op.endBrowserSession();
    const { s, now } = session();
    const tokens = await s.signIn(SCOPES);
    expect(op.flows.at(-1)).toBe(true);
    const claims = await op.verifyAccessToken(tokens.accessToken);
    expect(claims.sub).toBe('alice@contoso.example');
    expect(String(claims.scope).split(' ')).toEqual(expect.arrayContaining(['User.Read', 'Sites.ReadWrite.All']));
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.refreshExpiresAt).toBe(now() + SPA_REFRESH_LIFETIME_MS);
    expect(await s.accessToken(SCOPES)).toBe(tokens.accessToken);
  });

  it('refreshes silently when the access token runs out, keeping the first refresh deadline', async () => {
    const { s, advance } = session();
    const first = await s.signIn(SCOPES);
    const flows = op.flows.length;
    const grants = op.tokenRequests.length;
    advance(2 * 60 * 60 * 1000);
    const renewed = await s.accessToken(SCOPES);
    expect(renewed).not.toBe(first.accessToken);
    await op.verifyAccessToken(renewed);
    expect(op.tokenRequests.slice(grants)).toEqual(['refresh_token']);
    expect(op.flows.length).toBe(flows);
    const saved = (await s.tokens())!;
    expect(saved.refreshToken).not.toBe(first.refreshToken);
    expect(saved.refreshExpiresAt).toBe(first.refreshExpiresAt);
  });

  it('shares one refresh between concurrent callers (a rotated refresh token works once)', async () => {
    const { s, advance } = session();
    await s.signIn(SCOPES);
    advance(2 * 60 * 60 * 1000);
    const grants = op.tokenRequests.length;
    const tokens = await Promise.all([s.accessToken(SCOPES), s.accessToken(SCOPES), s.accessToken(SCOPES)]);
    expect(new Set(tokens).size).toBe(1);
    expect(op.tokenRequests.slice(grants)).toEqual(['refresh_token']);
  });

  it('renews forcibly when the API refused a token that looked fresh', async () => {
    const { s } = session();
    const first = await s.signIn(SCOPES);
    const forced = await s.accessToken(SCOPES, { forceRefresh: true });
    expect(forced).not.toBe(first.accessToken);
  });

  it('asks for an interactive sign-in when the refresh is refused (the grant was revoked)', async () => {
    const { s, advance } = session();
    const first = await s.signIn(SCOPES);
    // Revoking the refresh token revokes the grant: even the provider's own session cannot sign in silently now.
    await op.revoke(first.refreshToken!);
    advance(2 * 60 * 60 * 1000);
    const flows = op.flows.length;
    const error = await s.accessToken(SCOPES).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ reason: 'sign-in', interactive: true });
    expect((error as Error).message).toContain('Sign in to Microsoft 365 again');
    expect(op.flows.slice(flows)).toEqual([false]);
    // The refused refresh token is not tried again.
    expect((await s.tokens())?.refreshToken).toBeUndefined();
  });

  it('keeps what was granted when a new feature’s permission cannot be had without the user', async () => {
    const { s, advance } = session();
    await s.signIn(SCOPES);
    op.endBrowserSession();
    advance(2 * 60 * 60 * 1000);
    const error = await s.accessToken([...SCOPES, 'Mail.Read']).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'sign-in' });
    expect((error as Error).message).toContain('to grant Mail.Read');
    // Filing goes on with the refresh token it had: no window, no new sign-in.
    const flows = op.flows.length;
    await op.verifyAccessToken(await s.accessToken(SCOPES));
    expect(op.flows.length).toBe(flows);
  });

  it('after the 24-hour deadline, signs in again without a window while the provider session lasts', async () => {
    const { s, advance } = session();
    await s.signIn(SCOPES);
    advance(SPA_REFRESH_LIFETIME_MS + 1000);
    const flows = op.flows.length;
    const grants = op.tokenRequests.length;
    const token = await s.accessToken(SCOPES);
    await op.verifyAccessToken(token);
    expect(op.flows.slice(flows)).toEqual([false]);
    expect(op.tokenRequests.slice(grants)).toEqual(['authorization_code']);
  });

  it('past the deadline and without a provider session, asks for sign-in without trying the refresh token', async () => {
    const { s, advance } = session();
    await s.signIn(SCOPES);
    op.endBrowserSession();
    advance(SPA_REFRESH_LIFETIME_MS + 1000);
    const grants = op.tokenRequests.length;
    await expect(s.accessToken(SCOPES)).rejects.toMatchObject({ reason: 'sign-in' });
    expect(op.tokenRequests.slice(grants)).toEqual([]);
  });

  it('refuses an answer whose state is not the one sent', async () => {
    op.endBrowserSession();
    const { s } = session({
      launch: async (details) => {
        const url = new URL(await op.launchWebAuthFlow(details));
        url.searchParams.set('state', 'forged');
        return url.href;
      },
    });
    await expect(s.signIn(SCOPES)).rejects.toMatchObject({ reason: 'refused' });
    expect(await s.tokens()).toBeUndefined();
  });

  it('says so when the user closes the window, and when nobody is signed in', async () => {
    const { s } = session({
      launch: async () => {
        throw new Error('The user did not approve access.');
      },
    });
    await expect(s.signIn(SCOPES)).rejects.toMatchObject({ reason: 'cancelled', interactive: true });
    await expect(s.accessToken(SCOPES)).rejects.toThrow('Not signed in to Microsoft 365');
  });

  it('reports an unreachable provider as such, not as a sign-in problem', async () => {
    const { s, advance } = session();
    await s.signIn(SCOPES);
    advance(2 * 60 * 60 * 1000);
    const offline = new OAuthSession(
      s.config,
      {
        fetch: async () => {
          throw new TypeError('fetch failed');
        },
        now: () => Date.now() + 2 * 60 * 60 * 1000,
        credentials: { get: async () => JSON.stringify(await s.tokens()), set: async () => {}, delete: async () => {} },
        launchWebAuthFlow: op.launchWebAuthFlow,
      },
      'm365.tokens',
    );
    await expect(offline.accessToken(SCOPES)).rejects.toMatchObject({ reason: 'unreachable', interactive: false });
  });
});
