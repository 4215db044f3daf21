import { cors } from 'hono/cors';

/**
 * The extension calls the API from its own origin; a developer's local page may too. Any other web page gets no
 * CORS headers, so a browser will not let it read our answers even if it holds a token.
 */
export function isAllowedOrigin(origin: string): boolean {
  return (
    /^(chrome|moz|safari-web)-extension:\/\/[A-Za-z0-9-]+$/.test(origin) ||
    /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/.test(origin)
  );
}

export const apiCors = () =>
  cors({
    origin: (origin) => (isAllowedOrigin(origin) ? origin : null),
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'OPTIONS'],
    allowHeaders: [
      'Authorization',
      'Content-Type',
      'Idempotency-Key',
      'If-None-Match',
      'Tus-Resumable',
      'Upload-Length',
      'Upload-Metadata',
      'Upload-Offset',
    ],
    exposeHeaders: [
      'ETag',
      'Repr-Digest',
      'Digest',
      'Retry-After',
      'Location',
      'Tus-Resumable',
      'Tus-Version',
      'Upload-Offset',
      'Upload-Length',
      'Upload-Expires',
    ],
    maxAge: 600,
  });
