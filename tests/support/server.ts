/**
 * The reference repository for the unit tests of one file or block: started before its tests on a free
 * loopback port with a temporary data folder, closed and removed after them. Test-only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type RunningServer, startServer } from '../../server/main';

export interface TestRepository {
  /** The running server; throws before the tests start. */
  readonly server: RunningServer;
  /** A token of the user `ann`. */
  readonly token: string;
}

export function referenceRepository(prefix: string): TestRepository {
  let server: RunningServer | undefined;
  let token = '';
  let dataDir = '';
  // Starting a server (PGlite) can take long on a busy machine: its promise is the readiness signal.
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), prefix));
    server = await startServer({ port: 0, dataDir });
    token = await server.createToken('ann');
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }, 180_000);
  return {
    get server() {
      if (!server) throw new Error('The reference repository has not started.');
      return server;
    },
    get token() {
      return token;
    },
  };
}
