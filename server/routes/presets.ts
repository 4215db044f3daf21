import { Hono } from 'hono';
import { activePresets, matchesIfNoneMatch, putPresets } from '../presets.ts';
import { notFound, Problem } from '../problem.ts';
import type { ApiContext, ApiEnv } from './context.ts';

/** Largest presets document PUT accepts; real ones are a few KB. */
const PRESETS_LIMIT = 1024 * 1024;

/** /presets: the active presets document for every token; a new version from an admin token. */
export function presetsApp(ctx: ApiContext) {
  const app = new Hono<ApiEnv>();

  app.get('/', async (c) => {
    const presets = await activePresets(ctx.db);
    if (!presets) throw notFound('A presets document');
    c.header('etag', presets.etag);
    c.header('cache-control', 'no-cache');
    if (matchesIfNoneMatch(c.req.header('if-none-match'), presets.etag)) return c.body(null, 304);
    return c.body(presets.body, 200, { 'content-type': 'application/json' });
  });

  app.put('/', async (c) => {
    const user = c.get('user');
    if (!user.admin) throw new Problem('admin-only', 'Only an admin token may replace the presets.');
    const presets = await putPresets(ctx.db, await readJson(c.req.raw), user.user);
    c.header('etag', presets.etag);
    return c.body(presets.body, 200, { 'content-type': 'application/json' });
  });

  return app;
}

async function readJson(request: Request): Promise<unknown> {
  if (!/^application\/(.+\+)?json\b/i.test(request.headers.get('content-type') ?? '')) {
    throw new Problem('not-json', 'Send the presets document with Content-Type: application/json.');
  }
  const text = await request.text();
  if (text.length > PRESETS_LIMIT) {
    throw new Problem('too-large', `A presets document must be under ${PRESETS_LIMIT} bytes.`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Problem('presets-malformed', `The body is not valid JSON (${(error as Error).message}).`);
  }
}
