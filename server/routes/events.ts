import { Hono } from 'hono';
import { visibleRecord } from '../access.ts';
import { listEvents } from '../records.ts';
import type { ApiContext, ApiEnv } from './context.ts';

/** /records/{id}/events: the audit trail, oldest first. */
export function eventsApp(ctx: ApiContext) {
  const app = new Hono<ApiEnv>();
  app.get('/', async (c) => {
    const stored = await visibleRecord(ctx.db, c.req.param('id')!, c.get('user'));
    const events = await listEvents(ctx.db, stored.record.id);
    return c.json({
      items: events.map((event) => ({
        kind: event.kind,
        actor: event.actor,
        at: event.at.toISOString(),
        ...(event.detail ? { detail: event.detail } : {}),
      })),
    });
  });
  return app;
}
