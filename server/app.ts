import { Readable } from 'node:stream';
import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { visibleRecord } from './access.ts';
import type { BlobStore } from './blobs.ts';
import { downloadContent } from './content.ts';
import { apiCors } from './cors.ts';
import type { Db } from './db.ts';
import { parseListQuery } from './list-query.ts';
import { openApiDocument } from './openapi.ts';
import { activePresets, matchesIfNoneMatch, putPresets } from './presets.ts';
import { notFound, Problem, problemResponse } from './problem.ts';
import { receiveRecord } from './receive.ts';
import { encodeCursor, listEvents, listRecords, receiptOf, type StoredRecord } from './records.ts';
import { authenticate, type TokenUser } from './tokens.ts';
import { DEFAULT_UPLOAD_TTL_MS, TUS_VERSION, type UploadInfo, UploadStore } from './uploads.ts';

export interface AppDeps {
  db: Db;
  blobs: BlobStore;
  limits: { maxBytes: number };
  /** Base of the receipt URLs people open, without a trailing slash. */
  publicUrl: string;
  /** Pass one in to watch uploads in progress (tests, benchmarks); the app makes its own otherwise. */
  inFlight?: Set<string>;
  /** How long an unfinished upload is kept after its last PATCH (default 24 h). */
  uploadTtlMs?: number;
  /** The uploads' clock, for tests of expiry. */
  uploadClock?: () => Date;
}

type Env = { Bindings: Partial<HttpBindings>; Variables: { user: TokenUser } };

/** Largest presets document PUT accepts; real ones are a few KB. */
const PRESETS_LIMIT = 1024 * 1024;

/** The Records API v1 under /api/v1. The routes here and server/openapi.ts list the same operations (tested). */
export function createApp(deps: AppDeps): Hono<Env> {
  const { db, blobs, publicUrl } = deps;
  const inFlight = deps.inFlight ?? new Set<string>();
  const now = monotonicClock();
  const uploads = new UploadStore(db, blobs, {
    maxBytes: deps.limits.maxBytes,
    ttlMs: deps.uploadTtlMs ?? DEFAULT_UPLOAD_TTL_MS,
    now: deps.uploadClock ?? (() => new Date()),
  });
  const app = new Hono<Env>().basePath('/api/v1');

  app.onError((error) => {
    if (error instanceof Problem) return problemResponse(error);
    console.error('Unexpected error', error);
    return problemResponse(
      new Problem(
        500,
        'internal',
        'Internal error',
        'The repository failed unexpectedly and logged why; try again later.',
      ),
    );
  });
  app.notFound((c) => problemResponse(notFound(`${c.req.method} ${c.req.path}`)));
  app.use('*', apiCors());

  // Registered before the auth middleware, so they answer without a token.
  app.get('/health', (c) => c.json({ ok: true }));
  app.get('/openapi.json', (c) => c.json(openApiDocument));

  // tus 1.0: every upload answer says which protocol version it speaks, errors included.
  app.use('/uploads/*', async (c, next) => {
    await next();
    c.res.headers.set('tus-resumable', TUS_VERSION);
  });
  app.use('/uploads', async (c, next) => {
    await next();
    c.res.headers.set('tus-resumable', TUS_VERSION);
  });

  app.use('*', async (c, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    const user = match ? await authenticate(db, match[1]!) : undefined;
    if (!user) {
      throw new Problem(
        401,
        'unauthorized',
        'Token missing, unknown or revoked',
        'Send Authorization: Bearer <token>. An administrator creates one with `npm run server -- token create --user <name>`.',
        {},
        { 'www-authenticate': 'Bearer realm="recordkeeper"' },
      );
    }
    c.set('user', user);
    await next();
  });

  const item = (stored: StoredRecord) => ({ record: stored.record, receipt: receiptOf(stored, publicUrl) });

  app.post('/records', async (c) => {
    const length = c.req.header('content-length');
    const { status, receipt } = await receiveRecord(
      { db, blobs, maxBytes: deps.limits.maxBytes, publicUrl, inFlight, now, uploads },
      {
        user: c.get('user'),
        idempotencyKey: c.req.header('idempotency-key'),
        contentType: c.req.header('content-type'),
        contentLength: length ? Number(length) : undefined,
        // Read the Node request directly when we have it: no copy through a web stream.
        body: c.env?.incoming ?? Readable.fromWeb((c.req.raw.body ?? new ReadableStream()) as never),
      },
    );
    c.header('location', `${new URL(c.req.url).pathname}/${receipt.id}`);
    return c.json(receipt, status);
  });

  const requireTus = (version: string | undefined) => {
    if (version !== TUS_VERSION) {
      throw new Problem(
        412,
        'tus-version',
        'Tus-Resumable 1.0.0 required',
        `Upload requests must carry Tus-Resumable: ${TUS_VERSION} (got ${version ?? 'none'}).`,
        {},
        { 'tus-version': TUS_VERSION },
      );
    }
  };
  const uploadHeaders = (info: UploadInfo) => ({
    'upload-offset': String(info.offset),
    'upload-expires': info.expiresAt.toUTCString(),
    'cache-control': 'no-store',
  });

  app.post('/uploads', async (c) => {
    requireTus(c.req.header('tus-resumable'));
    const info = await uploads.create(c.get('user'), c.req.header('upload-length'), c.req.header('upload-metadata'));
    return c.body(null, 201, { ...uploadHeaders(info), location: `${new URL(c.req.url).pathname}/${info.id}` });
  });

  // Hono answers HEAD with the GET handler minus the body, which is exactly tus's HEAD; a GET gets the same.
  app.get('/uploads/:id', async (c) => {
    requireTus(c.req.header('tus-resumable'));
    const info = await uploads.info(c.get('user'), c.req.param('id'));
    return c.body(null, 200, { ...uploadHeaders(info), 'upload-length': String(info.length) });
  });

  app.patch('/uploads/:id', async (c) => {
    requireTus(c.req.header('tus-resumable'));
    const info = await uploads.append(
      c.get('user'),
      c.req.param('id'),
      c.req.header('upload-offset'),
      c.req.header('content-type'),
      c.env?.incoming ?? Readable.fromWeb((c.req.raw.body ?? new ReadableStream()) as never),
    );
    return c.body(null, 204, uploadHeaders(info));
  });

  app.get('/records', async (c) => {
    const user = c.get('user');
    const query = parseListQuery((name) => c.req.query(name));
    const page = await listRecords(db, {
      ...query,
      owner: user.admin ? undefined : user.user,
      limit: query.limit + 1,
    });
    const items = page.slice(0, query.limit);
    const last = items.at(-1);
    return c.json({
      items: items.map(item),
      ...(page.length > query.limit && last ? { nextCursor: encodeCursor(last) } : {}),
    });
  });

  app.get('/records/:id', async (c) => c.json(item(await visibleRecord(db, c.req.param('id'), c.get('user')))));

  app.get('/records/:id/events', async (c) => {
    const stored = await visibleRecord(db, c.req.param('id'), c.get('user'));
    const events = await listEvents(db, stored.record.id);
    return c.json({
      items: events.map((event) => ({
        kind: event.kind,
        actor: event.actor,
        at: event.at.toISOString(),
        ...(event.detail ? { detail: event.detail } : {}),
      })),
    });
  });

  app.get('/records/:id/content/:n', (c) =>
    downloadContent({ db, blobs }, c.req.param('id'), c.req.param('n'), c.get('user')),
  );

  // Records are immutable (design.md § Records API v1): say so explicitly instead of a bare 404.
  const immutable = () => {
    throw new Problem(
      405,
      'immutable',
      'Records are immutable',
      'A record and its content cannot be changed or deleted. Declare a corrected item as a new record.',
      {},
      { allow: 'GET' },
    );
  };
  app.on(['PUT', 'PATCH', 'DELETE'], ['/records/:id', '/records/:id/content/:n'], immutable);

  app.get('/presets', async (c) => {
    const presets = await activePresets(db);
    if (!presets) throw notFound('A presets document');
    c.header('etag', presets.etag);
    c.header('cache-control', 'no-cache');
    if (matchesIfNoneMatch(c.req.header('if-none-match'), presets.etag)) return c.body(null, 304);
    return c.body(presets.body, 200, { 'content-type': 'application/json' });
  });

  app.put('/presets', async (c) => {
    const user = c.get('user');
    if (!user.admin) {
      throw new Problem(403, 'admin-only', 'Admin token required', 'Only an admin token may replace the presets.');
    }
    const presets = await putPresets(db, await readJson(c.req.raw), user.user);
    c.header('etag', presets.etag);
    return c.body(presets.body, 200, { 'content-type': 'application/json' });
  });

  return app;
}

async function readJson(request: Request): Promise<unknown> {
  if (!/^application\/(.+\+)?json\b/i.test(request.headers.get('content-type') ?? '')) {
    throw new Problem(
      400,
      'not-json',
      'Body must be JSON',
      'Send the presets document with Content-Type: application/json.',
    );
  }
  const text = await request.text();
  if (text.length > PRESETS_LIMIT) {
    throw new Problem(
      413,
      'too-large',
      'Presets too large',
      `A presets document must be under ${PRESETS_LIMIT} bytes.`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Problem(
      400,
      'presets-malformed',
      'Presets are not JSON',
      `The body is not valid JSON (${(error as Error).message}).`,
    );
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
