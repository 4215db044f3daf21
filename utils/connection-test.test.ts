import { describe, expect, it } from 'vitest';
import { referenceRepository } from '../tests/support/server';
import { type ConnectionDeps, testConnection as probe } from './connection-test';
import { connectorDefinitions } from './connectors/index';
import { memoryCredentials } from './connectors/memory';
import { buildDefaults, connectionState, type Options } from './settings';

const repository = referenceRepository('rk-conn-');
const granted = { hasOriginAccess: async () => true };

/** The connection test as the background runs it, for the Records API at `repositoryUrl` with `token`. */
function testConnection(
  { repositoryUrl, token: secret }: { repositoryUrl: string; token: string },
  deps: { hasOriginAccess: ConnectionDeps['hasOriginAccess']; fetch?: typeof fetch },
) {
  const saved = { connector: 'records-api', options: repositoryUrl ? { url: repositoryUrl } : ({} as Options) };
  const state = connectionState(saved, buildDefaults({}), { locked: [] }, connectorDefinitions);
  return probe(state, {
    hasOriginAccess: deps.hasOriginAccess,
    connector: {
      fetch: deps.fetch ?? fetch,
      now: Date.now,
      credentials: memoryCredentials(secret ? { token: secret } : {}),
    },
  });
}

describe('testConnection against the reference repository', { timeout: 120_000 }, () => {
  it('passes with the right URL and token', async () => {
    expect(
      await testConnection({ repositoryUrl: repository.server.url, token: repository.token }, granted),
    ).toMatchObject({
      ok: true,
      presetsVersion: expect.any(Number),
    });
  });
  it('says the token was refused', async () => {
    expect(await testConnection({ repositoryUrl: repository.server.url, token: 'rk_nope' }, granted)).toMatchObject({
      ok: false,
      kind: 'auth',
    });
  });
  it('says when nothing answers', async () => {
    expect(
      await testConnection({ repositoryUrl: 'http://127.0.0.1:9', token: repository.token }, granted),
    ).toMatchObject({
      ok: false,
      kind: 'unreachable',
    });
  });
  it('blames a missing permission when the browser blocks the request', async () => {
    const result = await testConnection(
      { repositoryUrl: 'http://127.0.0.1:9', token: repository.token },
      { hasOriginAccess: async () => false },
    );
    expect(result).toMatchObject({ ok: false, kind: 'permission' });
  });
  it('says when the URL is not a Records API', async () => {
    const notApi = (async () => new Response('<html>hello</html>', { status: 200 })) as typeof fetch;
    expect(
      await testConnection(
        { repositoryUrl: repository.server.url, token: repository.token },
        { ...granted, fetch: notApi },
      ),
    ).toMatchObject({
      ok: false,
      kind: 'wrong-service',
    });
  });
  it('says when nothing is configured', async () => {
    expect(await testConnection({ repositoryUrl: '', token: '' }, granted)).toMatchObject({
      ok: false,
      kind: 'not-configured',
    });
  });
});
