import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { MAX_DIAGNOSTICS_BODY_BYTES } from '../../utils/health/events.ts';
import {
  listDiagnostics,
  listSkeletons,
  parseDiagnostics,
  readSkeleton,
  skeletonText,
  storeDiagnostics,
} from '../diagnostics.ts';
import { notFound, Problem } from '../problem.ts';
import type { ApiContext, ApiEnv } from './context.ts';

/**
 * /diagnostics: detector health counts (and page skeletons users chose to send) from any token; read back by admin
 * tokens only (docs/records-api.md § Diagnostics).
 */
export function diagnosticsApp(ctx: ApiContext) {
  const app = new Hono<ApiEnv>();

  // Middleware rather than a second POST handler, so that the route list stays one operation per route.
  app.use(
    '/',
    bodyLimit({
      maxSize: MAX_DIAGNOSTICS_BODY_BYTES,
      onError: () => {
        throw new Problem('too-large', `A diagnostics body must be under ${MAX_DIAGNOSTICS_BODY_BYTES} bytes.`);
      },
    }),
  );

  app.post('/', async (c) => {
    if (!/^application\/(.+\+)?json\b/i.test(c.req.header('content-type') ?? '')) {
      throw new Problem('not-json', 'Send the diagnostics with Content-Type: application/json.');
    }
    let raw: unknown;
    try {
      raw = JSON.parse(await c.req.text());
    } catch (error) {
      throw new Problem('not-json', `The body is not valid JSON (${(error as Error).message}).`);
    }
    const body = parseDiagnostics(raw);
    const skeleton = body.skeleton ? skeletonText(body.skeleton) : undefined;
    const stored = await storeDiagnostics(ctx.db, c.get('user').user, body, skeleton, ctx.now());
    return c.json({
      accepted: stored.accepted,
      ...(stored.skeletonId ? { skeleton: { id: stored.skeletonId } } : {}),
    });
  });

  app.get('/', async (c) => {
    adminOnly(c.get('user').admin);
    const [items, skeletons] = await Promise.all([listDiagnostics(ctx.db), listSkeletons(ctx.db)]);
    return c.json({ items, skeletons });
  });

  app.get('/skeletons/:id', async (c) => {
    adminOnly(c.get('user').admin);
    const body = await readSkeleton(ctx.db, c.req.param('id'));
    if (body === undefined) throw notFound('This skeleton');
    // A skeleton is a page's structure: downloaded, never run as a page of the repository's origin.
    return c.body(body, 200, {
      'content-type': 'text/html; charset=utf-8',
      'content-disposition': `attachment; filename="skeleton-${c.req.param('id')}.html"`,
      'content-security-policy': 'sandbox',
      'x-content-type-options': 'nosniff',
    });
  });

  return app;
}

function adminOnly(admin: boolean): void {
  if (!admin) throw new Problem('admin-only', 'Only an admin token may read diagnostics.');
}
