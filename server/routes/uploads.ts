import { Hono } from 'hono';
import { Problem } from '../problem.ts';
import type { NewUpload, UploadInfo } from '../uploads.ts';
import { type ApiContext, type ApiEnv, requestBody } from './context.ts';

/**
 * /uploads: the tus 1.0 protocol (https://tus.io/protocols/resumable-upload), core plus `creation` and
 * `expiration`: its headers, versions and answers. The bytes and the state are server/uploads.ts's.
 */

export const TUS_VERSION = '1.0.0';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const WHOLE = /^\d{1,15}$/;

/** tus Upload-Metadata: `key base64value` pairs separated by commas; a key may come without a value. */
export function parseUploadMetadata(header: string | undefined): Record<string, string> {
  const values: Record<string, string> = {};
  for (const pair of (header ?? '').split(',')) {
    const [key, value] = pair.trim().split(/\s+/, 2);
    if (!key) continue;
    values[key] = value ? Buffer.from(value, 'base64').toString('utf8') : '';
  }
  return values;
}

/** What POST /uploads asks for, from its headers; a 400 names what is wrong. */
export function newUploadOf(lengthHeader: string | undefined, metadataHeader: string | undefined): NewUpload {
  if (!lengthHeader || !WHOLE.test(lengthHeader)) {
    throw new Problem(
      'upload-length-missing',
      'Send Upload-Length with the size of the part in bytes (deferred length is not supported).',
    );
  }
  const metadata = parseUploadMetadata(metadataHeader);
  const sha256 = metadata.sha256 ?? '';
  const { record, part } = metadata;
  if (
    !/^[0-9a-f]{64}$/.test(sha256) ||
    (record !== undefined && !UUID.test(record)) ||
    (part !== undefined && !/^\d{1,6}$/.test(part))
  ) {
    throw new Problem(
      'upload-metadata-invalid',
      'Upload-Metadata must carry `sha256` (64 lowercase hex digits, base64-encoded as tus says) and may carry `record` (the record id) and `part` (its index).',
    );
  }
  return {
    length: Number(lengthHeader),
    sha256,
    recordId: record,
    part: part === undefined ? undefined : Number(part),
  };
}

const requireTus = (version: string | undefined) => {
  if (version !== TUS_VERSION) {
    throw new Problem(
      'tus-version',
      `Upload requests must carry Tus-Resumable: ${TUS_VERSION} (got ${version?.slice(0, 20) ?? 'none'}).`,
      { headers: { 'tus-version': TUS_VERSION } },
    );
  }
};

const uploadHeaders = (info: UploadInfo) => ({
  'upload-offset': String(info.offset),
  'upload-expires': info.expiresAt.toUTCString(),
  'cache-control': 'no-store',
});

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
    if (c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase() !== 'application/offset+octet-stream') {
      throw new Problem('upload-content-type', 'A PATCH must have Content-Type: application/offset+octet-stream.');
    }
    const offsetHeader = c.req.header('upload-offset');
    const offset = offsetHeader !== undefined && WHOLE.test(offsetHeader) ? Number(offsetHeader) : undefined;
    const info = await uploads.append(c.get('user'), c.req.param('id'), offset, requestBody(c));
    return c.body(null, 204, uploadHeaders(info));
  });

  return app;
}
