import { sha256 } from '@noble/hashes/sha2.js';
import { base64ToBytes, bytesToBase64 } from './bytes';

/**
 * Originals of any size cross from the page to the background as a stream of chunks over a port, one chunk in
 * flight at a time: the content script sends a chunk and waits for the background to store it in the outbox
 * before reading on. Chrome's extension messaging carries JSON, so each chunk travels as base64; memory on both
 * sides stays at about one chunk.
 */

export const CAPTURE_PORT = 'recordkeeper-capture';
export const STREAM_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Where an app's originals may land after a redirect, besides the page's own origin: the download hosts the apps
 * themselves redirect to (a Docs or Drive export ends on `*.googleusercontent.com`, a Dropbox download on
 * `*.dropboxusercontent.com`, a Box download on `*.boxcloud.com`). Anything else is another site, which a
 * redirect must not let the capture read with the user's cookies (Firefox's content scripts fetch with the
 * extension's host permissions).
 */
const DOWNLOAD_HOSTS: readonly (readonly [page: string, download: string])[] = [
  ['google.com', 'googleusercontent.com'],
  ['dropbox.com', 'dropboxusercontent.com'],
  ['box.com', 'boxcloud.com'],
];

const within = (host: string, domain: string) => host === domain || host.endsWith(`.${domain}`);

/** Whether a download that started on the page's origin may be read where its redirects ended. */
export function redirectAllowed(pageUrl: string, finalUrl: string): boolean {
  if (!finalUrl) return true; // no redirect to judge (a Response built in a test, or an opaque one)
  const page = new URL(pageUrl);
  const final = new URL(finalUrl);
  if (final.origin === page.origin) return true;
  return (
    final.protocol === 'https:' &&
    DOWNLOAD_HOSTS.some(([app, download]) => within(page.hostname, app) && within(final.hostname, download))
  );
}

export type StreamMessage =
  | { type: 'chunk'; base64: string }
  | { type: 'end'; mimeType: string }
  | { type: 'error'; error: string };

/**
 * A body cut into chunks of exactly `chunkBytes` (the last one shorter), whatever sizes the network delivers:
 * chunk n of a stored part then starts at n × chunkBytes.
 */
export async function* evenChunks(body: ReadableStream<Uint8Array>, chunkBytes: number): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const take = (bytes: number) => {
    const chunk = new Uint8Array(bytes);
    let offset = 0;
    const rest: Uint8Array[] = [];
    for (const piece of pending) {
      const taken = Math.min(piece.byteLength, bytes - offset);
      chunk.set(piece.subarray(0, taken), offset);
      offset += taken;
      if (taken < piece.byteLength) rest.push(piece.subarray(taken));
    }
    pending = rest;
    pendingBytes -= bytes;
    return chunk;
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    pending.push(value);
    pendingBytes += value.byteLength;
    while (pendingBytes >= chunkBytes) yield take(chunkBytes);
  }
  if (pendingBytes > 0) yield take(pendingBytes);
}

/** The content script's side: fetch in the page's own origin and hand the body over chunk by chunk. */
export async function streamInPage(
  url: string,
  pageUrl: string,
  chunkBytes: number,
  send: (message: StreamMessage) => Promise<void>,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  const target = new URL(url);
  if (target.origin !== new URL(pageUrl).origin) {
    await send({ type: 'error', error: `Refused to fetch ${target.origin}: capture only reads the page's own site.` });
    return;
  }
  let response: Response;
  try {
    response = await fetchImpl(target.href, { credentials: 'include', redirect: 'follow' });
  } catch (error) {
    await send({
      type: 'error',
      error: `Could not download the original: ${error instanceof Error ? error.message : error}`,
    });
    return;
  }
  if (!redirectAllowed(pageUrl, response.url)) {
    await response.body?.cancel().catch(() => undefined);
    await send({
      type: 'error',
      error: `Refused to read ${new URL(response.url).origin}: the download was redirected away from the page's own site.`,
    });
    return;
  }
  if (!response.ok || !response.body) {
    await send({ type: 'error', error: `The site refused to give the original (HTTP ${response.status}).` });
    return;
  }
  try {
    for await (const chunk of evenChunks(response.body, chunkBytes)) {
      await send({ type: 'chunk', base64: bytesToBase64(chunk) });
    }
  } catch (error) {
    await send({ type: 'error', error: `The download broke off: ${error instanceof Error ? error.message : error}` });
    return;
  }
  const mimeType = response.headers.get('Content-Type')?.split(';')[0]?.trim() || 'application/octet-stream';
  await send({ type: 'end', mimeType });
}

export interface StreamedPart {
  size: number;
  chunks: number;
  /** Every chunk but the last has this size, so chunk n starts at n × chunkSize. */
  chunkSize: number;
  sha256: string;
  mimeType: string;
}

/**
 * The background's side: store each chunk as it comes (`stage`), hash it as it passes, and answer with the part's
 * size and digest. Anything that is not a well-formed message ends the capture with an error.
 */
export function receiveStream(stage: (chunk: number, bytes: Uint8Array) => Promise<void>): {
  accept(message: unknown): Promise<'more' | StreamedPart>;
} {
  const hash = sha256.create();
  let size = 0;
  let chunks = 0;
  let chunkSize = 0;
  let lastWasShort = false;
  return {
    async accept(message: unknown) {
      const m = message as Partial<StreamMessage> | null;
      if (m?.type === 'chunk' && typeof m.base64 === 'string') {
        const bytes = base64ToBytes(m.base64);
        // Only the last chunk may be shorter: chunk n must start at n × chunkSize for the outbox to read it back.
        if (lastWasShort || (chunks > 0 && bytes.byteLength > chunkSize)) {
          throw new Error('The page sent the original in uneven pieces.');
        }
        if (chunks === 0) chunkSize = bytes.byteLength;
        lastWasShort = bytes.byteLength < chunkSize;
        hash.update(bytes);
        await stage(chunks, bytes);
        chunks += 1;
        size += bytes.byteLength;
        return 'more';
      }
      if (m?.type === 'end' && typeof m.mimeType === 'string') {
        const digest = Array.from(hash.digest(), (b) => b.toString(16).padStart(2, '0')).join('');
        return { size, chunks, chunkSize: Math.max(1, chunkSize), sha256: digest, mimeType: m.mimeType.slice(0, 255) };
      }
      if (m?.type === 'error' && typeof m.error === 'string') throw new Error(m.error.slice(0, 1000));
      throw new Error('The page sent something that is not part of the original.');
    },
  };
}
