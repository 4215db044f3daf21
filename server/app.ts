import { Hono } from 'hono';
import type { BlobStore } from './blobs.ts';
import { apiCors } from './cors.ts';
import type { Db } from './db.ts';
import { Leases } from './leases.ts';
import { openApiDocument } from './openapi.ts';
import { notFound, Problem, problemResponse } from './problem.ts';
import { RecordStatements } from './records.ts';
import { contentApp } from './routes/content.ts';
import type { ApiContext, ApiEnv } from './routes/context.ts';
import { diagnosticsApp } from './routes/diagnostics.ts';
import { eventsApp } from './routes/events.ts';
import { presetsApp } from './routes/presets.ts';
import { recordsApp } from './routes/records.ts';
import { uploadsApp } from './routes/uploads.ts';
import { authenticator } from './tokens.ts';
import { DEFAULT_UPLOAD_TTL_MS, UploadStore } from './uploads.ts';

export interface AppDeps {
  db: Db;
  blobs: BlobStore;
  limits: { maxBytes: number };
  /** Base of the receipt URLs people open, without a trailing slash. */
  publicUrl: string;
  /** Origins (such as `chrome-extension://<id>`) whose pages may call the API with a token; none by default. */
  corsOrigins?: readonly string[];
  /** The database's leases (server/leases.ts); pass them in to watch what is in flight (tests). */
  leases?: Leases;
  /** How long an unfinished upload is kept after its last PATCH (default 24 h). */
  uploadTtlMs?: number;
  /** The uploads' clock, for tests of expiry. */
  uploadClock?: () => Date;
}

/**
 * The Records API v1 under /api/v1: one sub-app per resource (server/routes/), behind CORS and token
 * authentication. The routes here and server/openapi.ts list the same operations (tested).
 */
export function createApp(deps: AppDeps): Hono<ApiEnv> {
  const { db, blobs } = deps;
  const leases = deps.leases ?? new Leases(db);
  const ctx: ApiContext = {
    db,
    blobs,
    maxBytes: deps.limits.maxBytes,
    publicUrl: deps.publicUrl,
    leases,
    records: new RecordStatements(db),
    now: monotonicClock(),
    uploads: new UploadStore(db, blobs, leases, {
      maxBytes: deps.limits.maxBytes,
      ttlMs: deps.uploadTtlMs ?? DEFAULT_UPLOAD_TTL_MS,
      now: deps.uploadClock ?? (() => new Date()),
    }),
  };
  const app = new Hono<ApiEnv>().basePath('/api/v1');

  app.onError((error) => {
    if (error instanceof Problem) return problemResponse(error);
    console.error('Unexpected error', error);
    return problemResponse(
      new Problem('internal', 'The repository failed unexpectedly and logged why; try again later.'),
    );
  });
  app.notFound((c) => problemResponse(notFound(`${c.req.method} ${c.req.path.slice(0, 200)}`)));
  app.use('*', apiCors(deps.corsOrigins ?? []));

  // Registered before the auth middleware, so they answer without a token.
  app.get('/health', (c) => c.json({ ok: true }));
  app.get('/openapi.json', (c) => c.json(openApiDocument));

  const authenticate = authenticator(db);
  app.use('*', async (c, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    const user = match ? await authenticate(match[1]!) : undefined;
    if (!user) {
      throw new Problem(
        'unauthorized',
        'Send Authorization: Bearer <token>. An administrator creates one with `npm run server -- token create --user <name>`.',
        { headers: { 'www-authenticate': 'Bearer realm="recordkeeper"' } },
      );
    }
    c.set('user', user);
    await next();
  });

  app.route('/records/:id/content', contentApp(ctx));
  app.route('/records/:id/events', eventsApp(ctx));
  app.route('/records', recordsApp(ctx));
  app.route('/uploads', uploadsApp(ctx));
  app.route('/presets', presetsApp(ctx));
  app.route('/diagnostics', diagnosticsApp(ctx));
  return app;
}

/** receivedAt strictly increases within a server, so "newest first" is never a tie between two receipts. */
function monotonicClock(): () => Date {
  let last = 0;
  return () => {
    last = Math.max(Date.now(), last + 1);
    return new Date(last);
  };
}
