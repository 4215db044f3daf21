import { Hono } from 'hono';
import { downloadContent } from '../content.ts';
import type { ApiContext, ApiEnv } from './context.ts';
import { immutable } from './records.ts';

/** /records/{id}/content/{n}: the bytes of one content entry, re-hashed as they stream. */
export function contentApp(ctx: ApiContext) {
  const app = new Hono<ApiEnv>();
  app.get('/:n', (c) => downloadContent(ctx, c.req.method, c.req.param('id')!, c.req.param('n'), c.get('user')));
  app.on(['PUT', 'PATCH', 'DELETE'], '/:n', immutable);
  return app;
}
