import { cors } from 'hono/cors';

/**
 * CORS for the API. An extension that holds the host permission for the repository calls it without CORS (Chrome
 * and Firefox exempt such requests), and no web page has any business sending a token here, so by default no
 * origin is allowed: a browser will not let any page read our answers, even one that holds a token. An
 * administrator may allow exact origins (`--cors-origin`, RK_CORS_ORIGINS), for example an extension deployed
 * without the host permission (`chrome-extension://<id>`).
 */
export function parseOrigins(text: string | undefined): string[] {
  return (text ?? '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((origin) => {
      if (!isOrigin(origin)) {
        throw new Error(
          `"${origin}" is not an origin: give scheme://host[:port] with nothing after it, such as chrome-extension://abcdefghijklmnopabcdefghijklmnop or https://intranet.example.org.`,
        );
      }
      return origin;
    });
}

const isOrigin = (text: string) =>
  /^(https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?|https?:\/\/\[[0-9A-Fa-f:.]+\](:\d{1,5})?|(chrome|moz|safari-web)-extension:\/\/[A-Za-z0-9-]+)$/.test(
    text,
  );

export const apiCors = (origins: readonly string[]) => {
  const allowed = new Set(origins);
  return cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
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
};
