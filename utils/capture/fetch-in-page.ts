import type { FetchResult } from '../messaging';
import { bytesToBase64 } from './bytes';

/** Content crosses extension messaging as JSON; past this it waits for the chunked transfer of issue 7. */
export const MAX_IN_PAGE_BYTES = 32 * 1024 * 1024;

/**
 * Fetches a capture URL from inside the page, with the page's own cookies. Only the page's own origin is
 * allowed: a content script must never become a way to read other sites.
 */
export async function fetchInPage(url: string, pageUrl: string, fetchImpl: typeof fetch = fetch): Promise<FetchResult> {
  const target = new URL(url);
  if (target.origin !== new URL(pageUrl).origin) {
    return { ok: false, error: `Refused to fetch ${target.origin}: capture only reads the page's own site.` };
  }
  let response: Response;
  try {
    response = await fetchImpl(target.href, { credentials: 'include', redirect: 'follow' });
  } catch (error) {
    return { ok: false, error: `Could not download the original: ${error instanceof Error ? error.message : error}` };
  }
  if (!response.ok) {
    return { ok: false, error: `The site refused to give the original (HTTP ${response.status}).` };
  }
  const declared = Number(response.headers.get('Content-Length') ?? 0);
  if (declared > MAX_IN_PAGE_BYTES) {
    return { ok: false, error: `The original is ${declared} bytes; this version captures up to ${MAX_IN_PAGE_BYTES}.` };
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.byteLength > MAX_IN_PAGE_BYTES) {
    return {
      ok: false,
      error: `The original is ${bytes.byteLength} bytes; this version captures up to ${MAX_IN_PAGE_BYTES}.`,
    };
  }
  const mimeType = response.headers.get('Content-Type')?.split(';')[0]?.trim() || 'application/octet-stream';
  return { ok: true, base64: bytesToBase64(bytes), mimeType };
}
