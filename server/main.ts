import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { runAdmin } from './admin.ts';
import { createApp } from './app.ts';
import { blobDirOf, FolderBlobStore } from './blobs.ts';
import { parseOrigins } from './cors.ts';
import { type Db, openDb, pgliteCheckpointsOf } from './db.ts';
import { acquireDataFolder } from './instance.ts';
import { Leases } from './leases.ts';
import { seedPresets } from './presets.ts';
import { SMALL_BLOB_MAX_BYTES, smallBlobMaxOf, TieredBlobStore } from './small-blobs.ts';
import { createToken } from './tokens.ts';
import { createUi } from './web/app.ts';

export interface ServerOptions {
  /** 0 picks a free port; `port` and `url` of the result say which. */
  port: number;
  host: string;
  /** Holds `db/` (PGlite) and `blobs/`; created when missing. One server (or CLI command) uses it at a time. */
  dataDir: string;
  /** postgres://… to keep the database in PostgreSQL instead of PGlite. */
  databaseUrl: string | undefined;
  /**
   * The blob folder; `<dataDir>/blobs` by default (or RK_BLOB_DIR). Server processes sharing one PostgreSQL share
   * one blob folder too (docs/deployment.md, "More than one server").
   */
  blobDir?: string | undefined;
  /**
   * Parts up to this many bytes are kept in the database rather than the blob folder (server/small-blobs.ts);
   * RK_SMALL_BLOB_MAX_BYTES, by default 256 KiB on either engine; 0 keeps every part in the folder.
   */
  smallBlobMaxBytes?: number | undefined;
  /** Most content bytes one record may carry. */
  maxBytes: number;
  /** Base of receipt URLs; the listening URL when not given. */
  publicUrl: string;
  /** Exact origins allowed to call the API from a browser page (CORS); none by default. */
  corsOrigins: readonly string[];
  /** Believe X-Forwarded-Proto / X-Forwarded-Host: the server runs behind a proxy that sets them. */
  trustProxy: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
  createToken(user: string, admin?: boolean): Promise<string>;
  /** Record ids this process is receiving right now. */
  inFlightKeys(): string[];
  /** The open database and blob store, for tests and tooling in the same process. */
  db: Db;
  blobs: TieredBlobStore;
}

export const DEFAULTS = {
  port: 8787,
  host: '127.0.0.1',
  dataDir: './.data',
  maxBytes: 1024 ** 3,
  databaseUrl: process.env.DATABASE_URL || undefined,
  corsOrigins: parseOrigins(process.env.RK_CORS_ORIGINS),
  trustProxy: process.env.RK_TRUST_PROXY === '1',
  smallBlobMaxBytes: smallBlobMaxOf(process.env.RK_SMALL_BLOB_MAX_BYTES),
};

/** Starts the reference repository in this process: the CLI uses it, and so do end-to-end tests and benchmarks. */
export async function startServer(options: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const { port, host, dataDir, maxBytes, databaseUrl, corsOrigins, trustProxy, smallBlobMaxBytes } = {
    ...DEFAULTS,
    ...options,
  };
  // Refused before anything is opened: a bad setting is the administrator's to mend.
  const checkpoints = databaseUrl ? undefined : pgliteCheckpointsOf(process.env);
  let blobs: TieredBlobStore | undefined;
  let db: Db | undefined;
  // The lock first: a second server on the same folder must not even open the database.
  const lease = await acquireDataFolder(dataDir, 'server', (request) => runAdmin(db!, async () => blobs!, request));
  let server: Server;
  try {
    db = await openDb({ dataDir, databaseUrl, checkpoints });
    await seedPresets(db);
    const folder = await FolderBlobStore.open(options.blobDir ?? blobDirOf(dataDir));
    blobs = new TieredBlobStore(db, folder, smallBlobMaxBytes ?? SMALL_BLOB_MAX_BYTES);
  } catch (error) {
    await db?.close();
    await lease.release();
    throw error;
  }
  const leases = new Leases(db);

  // Receipt URLs default to the listening URL, known only once the port is bound. The app is set in the same
  // event-loop turn as the listening callback, so no request can arrive before it.
  const apps: { api?: ReturnType<typeof createApp>; web?: ReturnType<typeof createUi> } = {};
  // The API and the page for people are two apps with their own error styles (problem+json vs HTML).
  const route = (request: Request, env: Parameters<ReturnType<typeof createApp>['fetch']>[1]) =>
    new URL(request.url).pathname.startsWith('/api/') ? apps.api!.fetch(request, env) : apps.web!.fetch(request, env);
  try {
    server = await new Promise<Server>((resolve, reject) => {
      const started = serve({ fetch: route, port, hostname: host }, () => resolve(started as Server)) as Server;
      started.once('error', reject);
    });
  } catch (error) {
    await db.close();
    await lease.release();
    throw error;
  }
  const actualPort = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  const publicUrl = (options.publicUrl ?? url).replace(/\/+$/, '');
  apps.api = createApp({ db, blobs, limits: { maxBytes }, leases, publicUrl, corsOrigins });
  apps.web = createUi({ db, blobs, publicUrl, trustProxy });
  await lease.setUrl(url);
  const openDbNow = db;

  return {
    url,
    port: actualPort,
    db: openDbNow,
    blobs,
    inFlightKeys: () =>
      leases
        .held()
        .filter((name) => name.startsWith('record:'))
        .map((name) => name.slice('record:'.length, 'record:'.length + 36)),
    createToken: (user, admin = false) => createToken(openDbNow, user, admin),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      leases.close();
      await openDbNow.close();
      await lease.release();
    },
  };
}
