import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenIdProvider, startOpenIdProvider } from '../../../tests/fakes/graph/openid-provider';
import { type GraphFake, startGraphFake } from '../../../tests/fakes/graph/server';
import { memoryCredentials } from '../memory';
import { type AccountDeps, accountView, microsoftSession, SESSION_KEY, signIn, signOut } from './account';
import type { Microsoft365Options } from './settings';

/**
 * The account as the options page and the popup see it, signed in through the extension's own Entra client against
 * a real OpenID provider shaped like Entra's v2.0 endpoints (tests/fakes/graph/openid-provider.ts `entra`), with
 * Graph's `/me` answered by the Graph fake, which accepts only that provider's tokens.
 */

const TENANT = '11111111-2222-4333-8444-555555555555';
let op: OpenIdProvider;
let graph: GraphFake;

beforeAll(async () => {
  op = await startOpenIdProvider({ entra: { tenant: TENANT }, account: 'alice@contoso.example' });
  const provider = op;
  graph = await startGraphFake({
    verifyToken: async (token) => {
      const claims = await provider.verifyAccessToken(token);
      return { sub: String(claims.sub), scopes: String(claims.scope ?? '').split(' ') };
    },
  });
}, 120_000);
afterAll(async () => {
  await graph?.close();
  await op?.close();
}, 60_000);

function setup(originals = true) {
  let clock = Date.now();
  const credentials = memoryCredentials();
  const options = {
    tenant: TENANT,
    clientId: op.clientId,
    authority: op.local,
    graph: graph.url,
    originals,
  } satisfies Microsoft365Options;
  const deps: AccountDeps = {
    fetch,
    now: () => clock,
    credentials,
    flow: { launchWebAuthFlow: op.launchWebAuthFlow, redirectUri: () => op.redirectUri },
  };
  return { options, deps, credentials, advance: (ms: number) => (clock += ms) };
}

describe('the Microsoft 365 account', { timeout: 120_000 }, () => {
  it('is not signed in at first, and says which redirect URI and hosts it needs', async () => {
    const { options, deps } = setup();
    const view = await accountView(options, [], deps, { needed: false });
    expect(view).toEqual({
      provider: 'microsoft',
      configured: true,
      problems: [],
      redirectUri: op.redirectUri,
      origins: ['http://127.0.0.1/*'],
      signedIn: false,
    });
  });

  it('signs in through the Entra-shaped endpoints, learns who from /me, and keeps only that in the view', async () => {
    op.endBrowserSession();
    const { options, deps, credentials } = setup();
    const flows = op.flows.length;
    const account = await signIn(options, deps);
    expect(op.flows.slice(flows)).toEqual([true]);
    expect(account).toBe('alice@contoso.example');
    const view = await accountView(options, [], deps, { needed: false });
    expect(view).toMatchObject({ signedIn: true, account: 'alice@contoso.example' });
    expect(view.until).toBeGreaterThan(Date.now());
    // What pages see carries no token; the token set is in the connector's secrets only.
    expect(JSON.stringify(view)).not.toMatch(/eyJ/);
    const saved = JSON.parse((await credentials.get(SESSION_KEY))!);
    expect(saved).toMatchObject({ account: 'alice@contoso.example', refreshToken: expect.any(String) });
    // Every enabled feature's permission was asked at once, so no later capture needs a window.
    expect(saved.scopes).toEqual(expect.arrayContaining(['User.Read', 'Sites.ReadWrite.All', 'Mail.Read']));
    const claims = await op.verifyAccessToken(saved.accessToken);
    expect(claims.iss).toBe(`${op.local}/${TENANT}/v2.0`);
  });

  it('asks only for filing permissions when originals are off', async () => {
    const { options, deps, credentials } = setup(false);
    await signIn(options, deps);
    const saved = JSON.parse((await credentials.get(SESSION_KEY))!);
    expect(saved.scopes).toEqual(expect.arrayContaining(['User.Read', 'Sites.ReadWrite.All']));
    expect(saved.scopes).not.toContain('Mail.Read');
  });

  it('forgets a sign-in made for another app registration or tenant', async () => {
    const { options, deps } = setup();
    await signIn(options, deps);
    const other = { ...options, clientId: '99999999-7777-4888-9999-000000000000' };
    expect((await accountView(other, [], deps, { needed: false })).signedIn).toBe(false);
    expect(await microsoftSession(other, deps).tokens()).toBeUndefined();
  });

  it('shows "sign in again" when sending met a refused sign-in, and signs out', async () => {
    const { options, deps } = setup();
    await signIn(options, deps);
    const need = { needed: true, interactive: true, error: 'Sign in to Microsoft 365 again (the session has ended).' };
    expect((await accountView(options, [], deps, need)).needed).toEqual({
      interactive: true,
      error: need.error,
    });
    await signOut(options, deps);
    expect((await accountView(options, [], deps, { needed: false })).signedIn).toBe(false);
  });

  it('is not signed in once both its access and refresh tokens have run out', async () => {
    const { options, deps, advance } = setup();
    await signIn(options, deps);
    advance(25 * 60 * 60 * 1000);
    expect((await accountView(options, [], deps, { needed: false })).signedIn).toBe(false);
  });

  it('explains settings that cannot sign in, and has no hosts to ask for then', async () => {
    const { deps } = setup();
    const view = await accountView(undefined, ['clientId: must be the application (client) id, a GUID'], deps, {
      needed: false,
    });
    expect(view).toMatchObject({ configured: false, signedIn: false, origins: [] });
    expect(view.problems).toEqual(['clientId: must be the application (client) id, a GUID']);
  });
});
