import { Readable } from 'node:stream';
import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import type { BlobStore } from './blobs.ts';
import { apiCors } from './cors.ts';
import type { Db } from './db.ts';
import { activePresets, matchesIfNoneMatch } from './presets.ts';
import { notFound, Problem, problemResponse } from './problem.ts';
import { receiveRecord } from './receive.ts';
import { decodeCursor, encodeCursor, findRecord, listRecords, receiptOf, type StoredRecord } from './records.ts';
import { authenticate, type TokenUser } from './tokens.ts';

export interface AppDeps {
  db: Db;
  blobs: BlobStore;
  limits: { maxBytes: number };
  /** Base of the receipt URLs people open, without a trailing slash. */
  publicUrl: string;
  /** Pass one in to watch uploads in progress (tests, benchmarks); the app makes its own otherwise. */
  inFlight?: Set<string>;
}

type Env = { Bindings: Partial<HttpBindings>; Variables: { user: TokenUser } };

export function createApp(deps: AppDeps): Hono<Env> {
  const { db, blobs, publicUrl } = deps;
  const inFlight = deps.inFlight ?? new Set<string>();
  const now = monotonicClock();
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

  // Registered before the auth middleware, so it answers without a token.
  app.get('/health', (c) => c.json({ ok: true }));

  app.use('*', async (c, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    const user = match ? await authenticate(db, match[1]!) : undefined;
    if (!user) {
      throw new Problem(
        401,
        'unauthorized',
        'Token missing or unknown',
        'Send Authorization: Bearer <token>. An administrator creates one with `npm run server -- token create --user <name>`.',
        {},
        { 'www-authenticate': 'Bearer realm="recordkeeper"' },
      );
    }
    c.set('user', user);
    await next();
  });

  /** The record if it exists and this token may see it: its owner's, or any for an admin. */
  const visibleRecord = async (id: string, user: TokenUser): Promise<StoredRecord> => {
    const stored = await findRecord(db, id);
    if (!stored || (!user.admin && stored.owner !== user.user)) throw notFound(`Record ${id.slice(0, 100)}`);
    return stored;
  };
  const item = (stored: StoredRecord) => ({ record: stored.record, receipt: receiptOf(stored, publicUrl) });

  app.post('/records', async (c) => {
    const length = c.req.header('content-length');
    const { status, receipt } = await receiveRecord(
      { db, blobs, maxBytes: deps.limits.maxBytes, publicUrl, inFlight, now },
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

  app.get('/records', async (c) => {
    const user = c.get('user');
    const limitText = c.req.query('limit') ?? '50';
    const limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > 100) {
      throw new Problem(
        400,
        'bad-limit',
        'Bad limit',
        `limit must be a whole number from 1 to 100, not "${limitText.slice(0, 20)}".`,
      );
    }
    const cursorText = c.req.query('cursor');
    const after = cursorText === undefined ? undefined : decodeCursor(cursorText);
    if (cursorText !== undefined && !after) {
      throw new Problem(
        400,
        'bad-cursor',
        'Bad cursor',
        'The cursor is not one this server made; pass nextCursor from the previous page as is.',
      );
    }
    const page = await listRecords(db, {
      owner: user.admin ? undefined : user.user,
      sourceId: c.req.query('sourceId'),
      after,
      limit: limit + 1,
    });
    const items = page.slice(0, limit);
    const last = items.at(-1);
    return c.json({
      items: items.map(item),
      ...(page.length > limit && last ? { nextCursor: encodeCursor(last) } : {}),
    });
  });

  app.get('/records/:id', async (c) => c.json(item(await visibleRecord(c.req.param('id'), c.get('user')))));

  app.get('/records/:id/content/:n', async (c) => {
    const stored = await visibleRecord(c.req.param('id'), c.get('user'));
    const n = c.req.param('n');
    const entry = /^\d{1,4}$/.test(n) ? stored.record.content[Number(n)] : undefined;
    if (!entry)
      throw notFound(
        `Content ${n.slice(0, 20)} of record ${stored.record.id} (it has ${stored.record.content.length})`,
      );
    const digest = Buffer.from(entry.sha256, 'hex').toString('base64');
    return new Response(Readable.toWeb(blobs.open(entry.sha256)) as ReadableStream, {
      headers: {
        'content-type': entry.mimeType,
        'content-length': String(entry.size),
        'repr-digest': `sha-256=:${digest}:`,
        digest: `sha-256=${digest}`,
        etag: `"${entry.sha256}"`,
        'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(entry.name)}`,
        // Content is whatever was declared (HTML snapshots included): never let it run as a page of this origin.
        'content-security-policy': 'sandbox',
        'x-content-type-options': 'nosniff',
      },
    });
  });

  app.get('/presets', async (c) => {
    const presets = await activePresets(db);
    if (!presets) throw notFound('A presets document');
    c.header('etag', presets.etag);
    c.header('cache-control', 'no-cache');
    if (matchesIfNoneMatch(c.req.header('if-none-match'), presets.etag)) return c.body(null, 304);
    return c.body(presets.body, 200, { 'content-type': 'application/json' });
  });

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
