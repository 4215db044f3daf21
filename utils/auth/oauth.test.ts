import { describe, expect, it } from 'vitest';
import { checkEntraSettings, entraClient, GRAPH_SCOPES, scopesFor } from './microsoft';
import { authorizeUrl, createPkce, missingScopes, OAuthSession, pkceChallenge } from './oauth';

const REDIRECT = 'https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/';
const TENANT = '11111111-2222-4333-8444-555555555555';
const CLIENT = '66666666-7777-4888-9999-000000000000';

describe('PKCE', () => {
  it('derives the S256 challenge of RFC 7636 appendix B', async () => {
    expect(await pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('makes a new 43-character verifier from the unreserved characters every time', async () => {
    const a = await createPkce();
    const b = await createPkce();
    expect(a.verifier).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
    expect(a.verifier).not.toBe(b.verifier);
    expect(a.challenge).toBe(await pkceChallenge(a.verifier));
  });
});

describe('authorization request', () => {
  it('carries the client, redirect URI, scopes, state and S256 challenge', () => {
    const config = entraClient({ tenant: TENANT, clientId: CLIENT, redirectUri: REDIRECT });
    const url = new URL(
      authorizeUrl(config, {
        scopes: scopesFor(['file']),
        state: 's1',
        challenge: 'c1',
        prompt: 'none',
        loginHint: 'a@b.c',
      }),
    );
    expect(url.origin + url.pathname).toBe(`https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: CLIENT,
      response_type: 'code',
      redirect_uri: REDIRECT,
      scope: 'offline_access User.Read Sites.ReadWrite.All',
      state: 's1',
      code_challenge: 'c1',
      code_challenge_method: 'S256',
      prompt: 'none',
      login_hint: 'a@b.c',
    });
  });
});

describe('scopes', () => {
  it('asks each feature for its own permissions only', () => {
    expect(scopesFor([])).toEqual(['offline_access', 'User.Read']);
    expect(scopesFor(['outlook'])).toEqual(['offline_access', 'User.Read', 'Mail.Read']);
    expect(scopesFor(['file', 'outlook', 'file'])).toEqual([
      'offline_access',
      'User.Read',
      ...GRAPH_SCOPES.file,
      ...GRAPH_SCOPES.outlook,
    ]);
  });

  it('compares granted scopes without the resource prefix or case, ignoring protocol scopes', () => {
    const granted = ['https://graph.microsoft.com/User.Read', 'sites.readwrite.all', 'openid'];
    expect(missingScopes(granted, ['offline_access', 'User.Read', 'Sites.ReadWrite.All'])).toEqual([]);
    expect(missingScopes(granted, ['Mail.Read', 'User.Read'])).toEqual(['Mail.Read']);
  });
});

describe('Entra settings', () => {
  it('names each missing or malformed setting', () => {
    expect(checkEntraSettings({})).toEqual([
      'The Microsoft 365 tenant is not set.',
      'The application (client) id is not set.',
      'The browser gave no redirect URL for sign-in.',
    ]);
    expect(checkEntraSettings({ tenant: 'contoso..com', clientId: 'app', redirectUri: REDIRECT })).toEqual([
      'The tenant "contoso..com" is neither a directory id nor a domain name.',
      'The application (client) id "app" is not a GUID.',
    ]);
    expect(checkEntraSettings({ tenant: 'contoso.onmicrosoft.com', clientId: CLIENT, redirectUri: REDIRECT })).toEqual(
      [],
    );
  });

  it('uses a national cloud authority, and checks the issuer only when the tenant is a directory id', () => {
    const config = entraClient({
      tenant: 'contoso.onmicrosoft.us',
      clientId: CLIENT,
      redirectUri: REDIRECT,
      authority: 'https://login.microsoftonline.us',
    });
    expect(config.tokenEndpoint).toBe('https://login.microsoftonline.us/contoso.onmicrosoft.us/oauth2/v2.0/token');
    expect(config.checkIssuer).toBe(false);
    expect(entraClient({ tenant: TENANT, clientId: CLIENT, redirectUri: REDIRECT }).checkIssuer).toBe(true);
    expect(() => entraClient({ tenant: '', clientId: CLIENT, redirectUri: REDIRECT })).toThrow('tenant is not set');
  });

  it('refuses endpoints over plain http anywhere but loopback', () => {
    const deps = {
      fetch,
      now: Date.now,
      credentials: { get: async () => undefined, set: async () => {}, delete: async () => {} },
      launchWebAuthFlow: async () => undefined,
    };
    const base = { issuer: 'x', clientId: CLIENT, redirectUri: REDIRECT };
    expect(
      () =>
        new OAuthSession(
          { ...base, authorizationEndpoint: 'http://idp.example/a', tokenEndpoint: 'https://idp.example/t' },
          deps,
          'k',
        ),
    ).toThrow('must use https');
    expect(
      () =>
        new OAuthSession(
          { ...base, authorizationEndpoint: 'http://127.0.0.1:1/a', tokenEndpoint: 'http://127.0.0.1:1/t' },
          deps,
          'k',
        ),
    ).not.toThrow();
  });
});
