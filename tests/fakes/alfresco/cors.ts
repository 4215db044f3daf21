import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Cross-origin answers for the fakes, when a browser test turns them on.
 *
 * The extension does not need them in use: the options page asks the browser for the repository's host
 * permission, and a request from the background of an extension that holds it is not subject to CORS (Chrome's
 * "Cross-origin network requests" guide: an extension service worker "can talk to remote servers outside of its
 * origin, as long as the extension requests host permissions"). A browser test cannot click the browser's
 * permission prompt, so the fakes answer instead as Alfresco does with its CORS filter enabled, configured as
 * Alfresco documents it (Alfresco/alfresco-ng2-components ALFRESCOCORS.md, "Enable CORS in CS and PS": the
 * `com.thetransactioncompany.cors.CORSFilter` in the repository's web.xml, mapped to /api/*, with
 * `cors.allowOrigin` set to the client's origin, here the extension's):
 *
 * - cors.supportedMethods `GET, HEAD, POST, PUT, DELETE, OPTIONS`;
 * - cors.supportedHeaders `origin, authorization, x-file-size, x-file-name, content-type, accept, x-file-type`;
 * - cors.supportsCredentials `true`; cors.maxAge `3600`; no cors.exposedHeaders, so a page reads only the
 *   CORS-safelisted response headers (not Retry-After).
 *
 * A request from any other origin gets no CORS headers, and a preflight asking for a method or header outside those
 * lists is refused (403, as that filter answers an invalid preflight), so a connector that sent another header
 * would fail here as it would against Alfresco.
 *
 * Returns true when the request was a preflight and has been answered.
 */
export function answerCors(req: IncomingMessage, res: ServerResponse, allowOrigin: string): boolean {
  const origin = req.headers.origin;
  if (!origin || origin !== allowOrigin) return false;
  const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
  if (!preflight) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Vary', 'Origin');
    return false;
  }
  const method = String(req.headers['access-control-request-method']).toUpperCase();
  const headers = String(req.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (!SUPPORTED_METHODS.includes(method) || headers.some((name) => !SUPPORTED_HEADERS.includes(name))) {
    res.writeHead(403, { 'Content-Type': 'text/plain' }).end('CORS preflight refused');
    return true;
  }
  res.writeHead(200, {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Allow-Methods': SUPPORTED_METHODS.join(', '),
    'Access-Control-Allow-Headers': SUPPORTED_HEADERS.join(', '),
    'Access-Control-Max-Age': '3600',
    Vary: 'Origin',
  });
  res.end();
  return true;
}

const SUPPORTED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'];
const SUPPORTED_HEADERS = [
  'origin',
  'authorization',
  'x-file-size',
  'x-file-name',
  'content-type',
  'accept',
  'x-file-type',
];
