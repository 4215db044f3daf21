import { Hono } from 'hono';
import { newUploadOf, patchOffsetOf, requireTus, TUS_VERSION, uploadHeaders } from '../tus.ts';
import { type ApiContext, type ApiEnv, requestBody } from './context.ts';

/**
 * /uploads: wires the tus 1.0 protocol (server/tus.ts: headers, versions, answers) to the upload store
 * (server/uploads.ts: the bytes and the state).
 */
export function uploadsApp(ctx: ApiContext) {
  const { uploads } = ctx;
  const app = new Hono<ApiEnv>();

  // Every upload answer says which protocol version it speaks, errors included.
  app.use('*', async (c, next) => {
    await next();
    c.res.headers.set('tus-resumable', TUS_VERSION);
  });

  app.post('/', async (c) => {
    requireTus(c.req.header('tus-resumable'));
    const upload = newUploadOf(c.req.header('upload-length'), c.req.header('upload-metadata'));
    const info = await uploads.create(c.get('user'), upload);
    return c.body(null, 201, { ...uploadHeaders(info), location: `${new URL(c.req.url).pathname}/${info.id}` });
  });

  // Hono answers HEAD with the GET handler minus the body, which is exactly tus's HEAD; a GET gets the same.
  app.get('/:id', async (c) => {
    requireTus(c.req.header('tus-resumable'));
    const info = await uploads.info(c.get('user'), c.req.param('id'));
    return c.body(null, 200, { ...uploadHeaders(info), 'upload-length': String(info.length) });
  });

  app.patch('/:id', async (c) => {
    requireTus(c.req.header('tus-resumable'));
    const offset = patchOffsetOf(c.req.header('content-type'), c.req.header('upload-offset'));
    const info = await uploads.append(c.get('user'), c.req.param('id'), offset, requestBody(c));
    return c.body(null, 204, uploadHeaders(info));
  });

  return app;
}
