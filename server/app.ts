import { Hono, type MiddlewareHandler } from 'hono';
import type { BlobStore } from './blobs.ts';
import { apiCors } from './cors.ts';
import type { Db } from './db.ts';
import { Leases } from './leases.ts';
import { openApiDocument } from './openapi.ts';
import { notFound, Problem, problemResponse } from './problem.ts';
import { largestBody } from './receive.ts';
import { RecordStatements } from './records.ts';
import { contentApp } from './routes/content.ts';
import type { ApiContext, ApiEnv } from './routes/context.ts';
import { diagnosticsApp } from './routes/diagnostics.ts';
import { eventsApp } from './routes/events.ts';
import { presetsApp } from './routes/presets.ts';
import { askForRecord, recordsApp } from './routes/records.ts';
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

const API = '/api/v1';

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
  const app = new Hono<ApiEnv>().basePath(API);

  app.onError((error) => {
    if (error instanceof Problem) return problemResponse(error);
    console.error('Unexpected error', error);
    return problemResponse(
      new Problem('internal', 'The repository failed unexpectedly and logged why; try again later.'),
    );
  });
  app.notFound((c) => problemResponse(notFound(`${c.req.method} ${c.req.path.slice(0, 200)}`)));
  app.use('*', answerAfterBody(largestBody(deps.limits.maxBytes)));
  app.use('*', apiCors(deps.corsOrigins ?? []));

  // Registered before the auth middleware, so they answer without a token.
  app.get('/health', (c) => c.json({ ok: true }));
  app.get('/openapi.json', (c) => c.json(openApiDocument));

  // What a route asks the token's check to do on its way, registered before the check: POST /records has its
  // record looked up, and leased, by the same statement (server/tokens.ts, RecordAsk).
  app.use('/records', askForRecord(leases));
  const authenticate = authenticator(db);
  app.use('*', async (c, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    const asking = c.get('recordAsk');
    const authenticated = match ? await authenticate(match[1]!, asking?.ask) : undefined;
    if (!authenticated) {
      throw new Problem(
        'unauthorized',
        'Send Authorization: Bearer <token>. An administrator creates one with `npm run server -- token create --user <name>`.',
        { headers: { 'www-authenticate': 'Bearer realm="recordkeeper"' } },
      );
    }
    c.set('user', authenticated.user);
    if (asking && authenticated.record) c.set('found', asking.found(authenticated.record, authenticated.user));
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

/**
 * An answer ready before the request's body was read to its end (every refusal: no token, no Idempotency-Key, a tus
 * PATCH at the wrong offset, a record refused after its first part) goes out once the client has sent the rest,
 * read and thrown away, so the client reads the answer. Left to itself, @hono/node-server drains an unread body
 * for only 500 ms or 64 MiB, then closes the socket under a client that is still sending, which sees a reset
 * instead of the answer. Only up to `limit` bytes, the largest body any route accepts: a body declared larger is
 * not read at all, and one that turns out larger is not read further; either way the answer says Connection: close.
 */
function answerAfterBody(limit: number): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    await next();
    const incoming = c.env?.incoming;
    if (!incoming || incoming.readableEnded || incoming.destroyed) return;
    if (!hasBody(c.req.header('content-length'), c.req.header('transfer-encoding'))) return;
    const declared = Number(c.req.header('content-length') ?? 0);
    if (declared > limit || !(await discardBody(c.req.raw.body, limit))) c.res.headers.set('connection', 'close');
  };
}

/** HTTP/1.1 (RFC 9112 §6.3): a request has a body when it says Transfer-Encoding or a Content-Length above 0. */
const hasBody = (length: string | undefined, encoding: string | undefined) =>
  encoding !== undefined || (length !== undefined && length !== '0');

/**
 * Reads the rest of the request's body and throws it away: true once it ended; false when more than `limit` bytes
 * were still coming, when the client went away, or when a handler still holds the body's reader. It reads the
 * Request's stream, the one handlers read (`c.req.text()`, Hono's bodyLimit), not the Node stream under it:
 * @hono/node-server makes that stream with `Readable.toWeb`, which pauses the Node stream whenever its own queue is
 * full, so a reader of the Node stream beside it would stall (server/diagnostics.test.ts, a body over the limit).
 */
async function discardBody(body: ReadableStream<Uint8Array> | null, limit: number): Promise<boolean> {
  if (!body || body.locked) return false;
  const reader = body.getReader();
  let left = limit;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return true;
      left -= value.byteLength;
      if (left < 0) return false;
    }
  } catch {
    // The client went away mid-body: nobody is left to read the answer, and the connection is closed.
    return false;
  } finally {
    reader.releaseLock();
  }
}

/** receivedAt strictly increases within a server, so "newest first" is never a tie between two receipts. */
function monotonicClock(): () => Date {
  let last = 0;
  return () => {
    last = Math.max(Date.now(), last + 1);
    return new Date(last);
  };
}
