import { sha256 } from '@noble/hashes/sha2.js';
import { evenChunks, STREAM_CHUNK_BYTES } from '../../capture/stream';
import type { OriginalCapture, StreamResult } from '../../declaring/declare';
import type { CapturePart, Detection } from '../../detectors/types';
import { ConnectorError } from '../connector';
import { checkedUrl, failure, type GraphClient, unreachable } from './graph';
import { outlookItemId, outlookOriginal } from './outlook';

/**
 * Originals through Microsoft Graph for the declare path (utils/declaring/declare.ts), when the user is signed in to
 * Microsoft 365:
 *
 * - an Outlook on the web message as its MIME source, instead of a snapshot of the page (outlook.ts);
 * - a SharePoint or OneDrive for Business file whose download from the page failed (the page's session expired,
 *   a download blocked by policy), by its ids or its address (driveitem-get.md, shares-get.md), then from the
 *   pre-authenticated `@microsoft.graph.downloadUrl` the item gives (driveitem-get-content.md § Downloading files in
 *   JavaScript apps), streamed into the outbox a chunk at a time.
 */

/** The Outlook message a detection shows, through Graph; undefined when the detection is not one message. */
export async function outlookCapture(
  graph: GraphClient,
  detection: Detection,
  withAttachments: boolean,
): Promise<OriginalCapture | undefined> {
  if (!outlookItemId(detection)) return undefined;
  const original = await outlookOriginal(graph, detection, { withAttachments });
  if (!original) return undefined;
  return {
    detection: original.detection,
    parts: original.parts,
    ...(original.warning ? { warning: original.warning } : {}),
  };
}

const enc = encodeURIComponent;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `u!` + unpadded base64url of the URL (shares-get.md § Encoding sharing URLs). */
export function encodeSharingUrl(url: string): string {
  const bytes = new TextEncoder().encode(url);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `u!${btoa(binary).replace(/=+$/, '').replaceAll('/', '_').replaceAll('+', '-')}`;
}

/**
 * Where Graph finds the file a SharePoint detection shows: by its list and list item when the page gave them
 * (driveitem-get.md: `/sites/{site-id}/lists/{list-id}/items/{item-id}/driveItem`, and "item-id … may also be the
 * unique ID of a SharePoint list item" on a library's drive); else by its address, a sharing link or the file's own
 * URL, as a sharing token (shares-get.md). Undefined when the detection is not a SharePoint or OneDrive file.
 */
export function driveItemPath(detection: Detection): string | undefined {
  if (detection.source.app !== 'sharepoint') return undefined;
  const ids = detection.metadata.identifiers ?? {};
  const web = ids.webUrl ? safeUrl(ids.webUrl) : undefined;
  if (web && GUID.test(ids.siteId ?? '') && GUID.test(ids.webId ?? '') && GUID.test(ids.listId ?? '')) {
    const site = `/sites/${enc(`${web.hostname},${ids.siteId},${ids.webId}`)}/lists/${enc(ids.listId!)}`;
    if (/^\d{1,10}$/.test(ids.listItemId ?? '')) return `${site}/items/${ids.listItemId}/driveItem`;
    if (GUID.test(ids.uniqueId ?? '')) return `${site}/drive/items/${enc(ids.uniqueId!)}`;
  }
  const address =
    (ids.shareLink && safeUrl(ids.shareLink)?.href) ||
    (web && ids.serverRelativeUrl?.startsWith('/') ? new URL(encodeURI(ids.serverRelativeUrl), web).href : '') ||
    safeUrl(detection.source.url)?.href;
  return address ? `/shares/${encodeSharingUrl(address)}/driveItem` : undefined;
}

function safeUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

interface DownloadableItem {
  id?: unknown;
  name?: unknown;
  size?: unknown;
  file?: { mimeType?: unknown };
  folder?: unknown;
  '@microsoft.graph.downloadUrl'?: unknown;
}

/**
 * A SharePoint file through Graph, streamed to `stage` in chunks of STREAM_CHUNK_BYTES (as the page's own download
 * is), hashed on the way. Undefined when the detection is not a SharePoint file; throws `ConnectorError` when Graph
 * cannot give it.
 */
export async function graphDownload(
  graph: GraphClient,
  fetchFn: typeof fetch,
  detection: Detection,
  part: Extract<CapturePart, { source: 'fetch' }>,
  stage: (chunk: number, bytes: Uint8Array) => Promise<void>,
): Promise<StreamResult | undefined> {
  const path = driveItemPath(detection);
  if (!path) return undefined;
  const item = await graph.json<DownloadableItem>(`${path}?$select=id,name,size,file,@microsoft.graph.downloadUrl`, {
    doing: `find ${part.name} in SharePoint`,
  });
  if (item.folder || typeof item['@microsoft.graph.downloadUrl'] !== 'string') {
    throw new ConnectorError(`SharePoint gave no download for ${part.name}: is it a file you can open?`, 'permanent');
  }
  const url = checkedUrl(item['@microsoft.graph.downloadUrl'], 'download URL');
  const doing = `download ${part.name} from SharePoint`;
  let response: Response;
  try {
    // Pre-authenticated: no Authorization header (driveitem-get-content.md).
    response = await fetchFn(url, { signal: AbortSignal.timeout(600_000) });
  } catch (error) {
    throw unreachable(error, doing);
  }
  if (response.status !== 200 || !response.body) throw await failure(response, doing, graph.now());
  const expected = typeof item.size === 'number' ? item.size : undefined;

  const hash = sha256.create();
  let size = 0;
  let chunks = 0;
  try {
    for await (const chunk of evenChunks(response.body, STREAM_CHUNK_BYTES)) {
      hash.update(chunk);
      await stage(chunks, chunk);
      chunks += 1;
      size += chunk.byteLength;
    }
  } catch (error) {
    throw unreachable(error, doing);
  }
  if (expected !== undefined && size !== expected) {
    throw new ConnectorError(`SharePoint sent ${size} bytes of ${part.name}, which is ${expected} bytes.`, 'retryable');
  }
  const mimeType =
    (typeof item.file?.mimeType === 'string' && item.file.mimeType) ||
    response.headers.get('Content-Type')?.split(';')[0]?.trim() ||
    part.mimeType;
  return {
    ok: true,
    size,
    chunks,
    chunkSize: chunks > 1 ? STREAM_CHUNK_BYTES : Math.max(1, size),
    sha256: Array.from(hash.digest(), (b) => b.toString(16).padStart(2, '0')).join(''),
    mimeType: mimeType.slice(0, 255),
  };
}
