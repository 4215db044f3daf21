import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { BlobStore } from './blobs.ts';
import { type Db, openDb } from './db.ts';
import { seedPresets } from './presets.ts';
import { createToken } from './tokens.ts';
import { createUi } from './ui.ts';

export interface ServerOptions {
  /** 0 picks a free port; `port` and `url` of the result say which. */
  port: number;
  host: string;
  /** Holds `db/` (PGlite) and `blobs/`; created when missing. */
  dataDir: string;
  /** postgres://… to keep the database in PostgreSQL instead of PGlite; blobs stay under `dataDir`. */
  databaseUrl: string | undefined;
  /** Most content bytes one record may carry. */
  maxBytes: number;
  /** Base of receipt URLs; the listening URL when not given. */
  publicUrl: string;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
  createToken(user: string, admin?: boolean): Promise<string>;
  /** Idempotency keys of uploads being received right now. */
  inFlightKeys(): string[];
  /** The open database and blob store, for tests and tooling in the same process. */
  db: Db;
  blobs: BlobStore;
}

export const DEFAULTS = {
  port: 8787,
  host: '127.0.0.1',
  dataDir: './.data',
  maxBytes: 1024 ** 3,
  databaseUrl: process.env.DATABASE_URL || undefined,
};

/** Starts the reference repository in this process: the CLI uses it, and so do end-to-end tests and benchmarks. */
export async function startServer(options: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const { port, host, dataDir, maxBytes, databaseUrl } = { ...DEFAULTS, ...options };
  const db = await openDb({ dataDir, databaseUrl });
  await seedPresets(db);
  const blobs = await BlobStore.open(join(dataDir, 'blobs'));
  const inFlight = new Set<string>();

  // Receipt URLs default to the listening URL, known only once the port is bound. The app is set in the same
  // event-loop turn as the listening callback, so no request can arrive before it.
  let app: ReturnType<typeof createApp> | undefined;
  let ui: ReturnType<typeof createUi> | undefined;
  // The API and the page for people are two apps with their own error styles (problem+json vs HTML).
  const route = (request: Request, env: Parameters<ReturnType<typeof createApp>['fetch']>[1]) =>
    new URL(request.url).pathname.startsWith('/api/') ? app!.fetch(request, env) : ui!.fetch(request, env);
  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve({ fetch: route, port, hostname: host }, () => resolve(started as Server)) as Server;
    started.once('error', reject);
  }).catch(async (error) => {
    await db.close();
    throw error;
  });
  const actualPort = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  const publicUrl = (options.publicUrl ?? url).replace(/\/+$/, '');
  app = createApp({ db, blobs, limits: { maxBytes }, inFlight, publicUrl });
  ui = createUi({ db, blobs, secureCookies: publicUrl.startsWith('https:') });

  return {
    url,
    port: actualPort,
    db,
    blobs,
    inFlightKeys: () => [...inFlight],
    createToken: (user, admin = false) => createToken(db, user, admin),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await db.close();
    },
  };
}
