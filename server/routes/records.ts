import { Hono, type MiddlewareHandler } from 'hono';
import { visibleRecord } from '../access.ts';
import type { Leases } from '../leases.ts';
import { parseListQuery } from '../list-query.ts';
import { Problem } from '../problem.ts';
import { receiveRecord, recordAsk } from '../receive.ts';
import { encodeCursor, listRecords, receiptOf, type StoredRecord } from '../records.ts';
import { type ApiContext, type ApiEnv, requestBody } from './context.ts';

/** Records are immutable (docs/records-api.md § Routes): say so explicitly instead of a bare 404. */
export const immutable = () => {
  throw new Problem(
    'immutable',
    'A record and its content cannot be changed or deleted. Declare a corrected item as a new record.',
    { headers: { allow: 'GET' } },
  );
};

/**
 * Runs on /records before the token's check (server/app.ts), which then also looks a POST's record up and takes its
 * lease, in the same statement (server/tokens.ts, RecordAsk).
 */
export const askForRecord =
  (leases: Leases): MiddlewareHandler<ApiEnv> =>
  async (c, next) => {
    const asking = c.req.method === 'POST' ? recordAsk(leases, c.req.header('idempotency-key')) : undefined;
    if (asking) c.set('recordAsk', asking);
    await next();
  };

/** /records: declare (POST), list with filters, read one. */
export function recordsApp(ctx: ApiContext) {
  const app = new Hono<ApiEnv>();
  const item = (stored: StoredRecord) => ({ record: stored.record, receipt: receiptOf(stored, ctx.publicUrl) });

  app.post('/', async (c) => {
    const length = c.req.header('content-length');
    const { status, receipt } = await receiveRecord(ctx, {
      user: c.get('user'),
      idempotencyKey: c.req.header('idempotency-key'),
      contentType: c.req.header('content-type'),
      contentLength: length ? Number(length) : undefined,
      body: requestBody(c),
      found: c.get('found'),
    });
    c.header('location', `${new URL(c.req.url).pathname}/${receipt.id}`);
    return c.json(receipt, status);
  });

  app.get('/', async (c) => {
    const user = c.get('user');
    const query = parseListQuery((name) => c.req.query(name));
    const page = await listRecords(ctx.db, {
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

  app.get('/:id', async (c) => c.json(item(await visibleRecord(ctx.db, c.req.param('id'), c.get('user')))));
  app.on(['PUT', 'PATCH', 'DELETE'], '/:id', immutable);
  return app;
}
