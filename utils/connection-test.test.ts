import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../server/main';
import { type ConnectionDeps, testConnection as probe } from './connection-test';
import { connectorDefinitions } from './connectors/index';
import { memoryCredentials } from './connectors/memory';
import { buildDefaults, connectionState, type Options } from './settings';

let server: RunningServer;
let dataDir: string;
let token: string;
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

// Starting a server (PGlite) can take long on a busy machine: its promise is the readiness signal.
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'rk-conn-'));
  server = await startServer({ port: 0, dataDir });
  token = await server.createToken('ann');
}, 180_000);
afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
}, 180_000);

describe('testConnection against the reference repository', { timeout: 120_000 }, () => {
  it('passes with the right URL and token', async () => {
    expect(await testConnection({ repositoryUrl: server.url, token }, granted)).toMatchObject({
      ok: true,
      presetsVersion: expect.any(Number),
    });
  });
  it('says the token was refused', async () => {
    expect(await testConnection({ repositoryUrl: server.url, token: 'rk_nope' }, granted)).toMatchObject({
      ok: false,
      kind: 'auth',
    });
  });
  it('says when nothing answers', async () => {
    expect(await testConnection({ repositoryUrl: 'http://127.0.0.1:9', token }, granted)).toMatchObject({
      ok: false,
      kind: 'unreachable',
    });
  });
  it('blames a missing permission when the browser blocks the request', async () => {
    const result = await testConnection(
      { repositoryUrl: 'http://127.0.0.1:9', token },
      { hasOriginAccess: async () => false },
    );
    expect(result).toMatchObject({ ok: false, kind: 'permission' });
  });
  it('says when the URL is not a Records API', async () => {
    const notApi = (async () => new Response('<html>hello</html>', { status: 200 })) as typeof fetch;
    expect(await testConnection({ repositoryUrl: server.url, token }, { ...granted, fetch: notApi })).toMatchObject({
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
