import type { Metadata } from '../records/record';
import { attr, cleanText, decodePart, mimeTypeFromName, safeFileName, textOf, toUrl } from './text';
import type { CapturePlan, Detection, Detector } from './types';

/**
 * Dropbox web (URL grammar from `shared/realdata/dropbox/patterns.json`, the yt-dlp extractor's):
 * - shared file links `/s/<key>/<name>` (legacy) and `/scl/fi/<id>/<name>?rlkey=<key>` (current), also behind
 *   `/e/` (embed). Identity is the canonical shared URL (without `dl`, `st` and other extras); capture is the
 *   same link with `dl=1`, the one download route patterns.json gives.
 * - the signed-in browser: `/home/<path>?preview=<name>` and `/preview/<path>`. Those URLs carry no file id,
 *   only the path, so the identity is `dropbox:path:<lower-case path>` (Dropbox paths are case-insensitive) and
 *   there is nothing to fetch: the page's own download needs per-session tokens (`/pri/get/…?w=…`) that the URL
 *   does not give, and Dropbox's page internals change too often to read them (patterns.json, stability).
 * - a file previewed in a shared folder (`/sh/<id>/<key>?preview=<name>`, `/scl/fo/<id>/<key>?rlkey=…&preview=`):
 *   identity is the folder link plus `preview`; metadata only, since `dl=1` there may zip the whole folder.
 * - folder views (`/home/<path>`, shared folders `/sh/…`, `/scl/fo/…`): each selected row (`role=row`,
 *   `aria-selected=true`) whose link is one of the file URLs above.
 * Page internals (`registerStreamedPrefetch` blobs) are not read: they are base64 protobuf and churn often.
 */

const MAX_ITEMS = 100;
const MAX_ROWS = 2000;
const KEY = /^[A-Za-z0-9_-]{1,128}$/;

interface Found {
  name: string;
  sourceId: string;
  download?: string;
  identifiers: Record<string, string>;
  via: string;
}

const decode = (segment: string) => decodePart(segment);

function isDropboxHost(host: string): boolean {
  return host === 'www.dropbox.com' || host === 'dropbox.com';
}

/** A file the URL points at, or null (folders, settings, the home root). */
export function fileFromUrl(url: URL): Found | null {
  if (url.protocol !== 'https:' || !isDropboxHost(url.hostname)) return null;
  const path = url.pathname.slice(0, 4096);
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'e') parts.shift();
  const base = 'https://www.dropbox.com';

  if (parts[0] === 's' && (parts.length === 2 || parts.length === 3) && KEY.test(parts[1]!)) {
    const canonical = `${base}/s/${parts.slice(1).join('/')}`;
    return {
      name: decode(parts[2] ?? ''),
      sourceId: canonical,
      download: `${canonical}?dl=1`,
      identifiers: { sharedLinkKey: parts[1]! },
      via: 'shared-link',
    };
  }
  if (parts[0] === 'scl' && parts[1] === 'fi' && parts.length === 4 && KEY.test(parts[2]!)) {
    const rlkey = url.searchParams.get('rlkey') ?? '';
    const query = KEY.test(rlkey) ? `?rlkey=${rlkey}` : '';
    const canonical = `${base}/scl/fi/${parts[2]}/${parts[3]}${query}`;
    return {
      name: decode(parts[3]!),
      sourceId: canonical,
      download: `${canonical}${query ? '&' : '?'}dl=1`,
      identifiers: { sharedLinkId: parts[2]! },
      via: 'shared-link',
    };
  }
  const preview = url.searchParams.get('preview');
  // A file previewed inside a shared folder. Its own download route is not known (`dl=1` on the folder link
  // may give the whole folder as a zip), so this is metadata only.
  const folderShare =
    (parts[0] === 'sh' && parts.length === 3 && KEY.test(parts[1]!) && KEY.test(parts[2]!)) ||
    (parts[0] === 'scl' && parts[1] === 'fo' && parts.length === 4 && KEY.test(parts[2]!) && KEY.test(parts[3]!));
  if (folderShare && preview) {
    const name = cleanText(preview, 1024);
    if (!name || name.includes('/')) return null;
    const rlkey = url.searchParams.get('rlkey') ?? '';
    const params = new URLSearchParams(KEY.test(rlkey) ? { rlkey, preview: name } : { preview: name });
    return {
      name,
      sourceId: `${base}/${parts.join('/')}?${params}`,
      identifiers: { sharedFolderId: parts[parts[0] === 'sh' ? 1 : 2]! },
      via: 'shared-link',
    };
  }
  if (parts[0] === 'home' && preview) {
    const folder = parts.slice(1).map(decode).join('/');
    return pathFile(folder ? `/${folder}/${preview}` : `/${preview}`);
  }
  if (parts[0] === 'preview' && parts.length > 1) return pathFile(`/${parts.slice(1).map(decode).join('/')}`);
  return null;
}

function pathFile(path: string): Found | null {
  const clean = cleanText(path, 2000);
  const name = clean.split('/').pop() ?? '';
  if (!name || /^\.+$/.test(name) || clean.split('/').includes('..')) return null;
  return { name, sourceId: `dropbox:path:${clean.toLowerCase()}`, identifiers: { path: clean }, via: 'url-path' };
}

function isFolderView(url: URL): boolean {
  const parts = url.pathname.split('/').filter(Boolean);
  return parts[0] === 'home' || parts[0] === 'sh' || (parts[0] === 'scl' && parts[1] === 'fo');
}

export function isDropbox(url: URL): boolean {
  return fileFromUrl(url) !== null || (url.protocol === 'https:' && isDropboxHost(url.hostname) && isFolderView(url));
}

function capturePlan(found: Found, name: string, mimeType: string | undefined): CapturePlan {
  if (!found.download) return { parts: [] };
  return {
    parts: [
      {
        source: 'fetch',
        url: found.download,
        name: safeFileName(name, 'dropbox-file'),
        mimeType: mimeType ?? 'application/octet-stream',
        role: 'primary',
      },
    ],
  };
}

/** `<title>` without Dropbox's suffix ("Report.pdf - Dropbox"). */
function pageTitle(document: Document): string {
  return textOf(document.querySelector('title'), 1024)
    .replace(/\s+[|–-]\s+Dropbox$/i, '')
    .trim();
}

function detection(found: Found, url: URL, via: string, fallbackTitle = ''): Detection {
  const title = cleanText(found.name, 1024) || fallbackTitle || 'Dropbox file';
  const metadata: Metadata = {};
  const mimeType = mimeTypeFromName(title);
  if (mimeType) metadata.mimeType = mimeType;
  metadata.identifiers = found.identifiers;
  return {
    source: { app: 'dropbox', kind: 'file', url: url.href, sourceId: found.sourceId },
    title,
    metadata,
    capture: capturePlan(found, title, mimeType),
    via,
  };
}

/** Files of the selected rows of a folder view, from each row's link to a file URL. */
function selectedFiles(document: Document, url: URL): Found[] {
  const out: Found[] = [];
  const seen = new Set<string>();
  const rows = document.querySelectorAll('[role="row"][aria-selected="true"]');
  for (const row of Array.from(rows).slice(0, MAX_ROWS)) {
    for (const link of Array.from(row.querySelectorAll('a[href]')).slice(0, 20)) {
      const target = toUrl(attr(link, 'href', 4096), url);
      if (!target) continue;
      const found = fileFromUrl(target);
      if (!found || found.sourceId.length > 2048) continue;
      if (!seen.has(found.sourceId)) {
        seen.add(found.sourceId);
        out.push(found);
      }
      break;
    }
    if (out.length >= MAX_ITEMS) break;
  }
  return out;
}

function detectDropbox(document: Document, url: URL): Detection[] {
  if (url.href.length > 8192) return [];
  const file = fileFromUrl(url);
  if (file) return file.sourceId.length > 2048 ? [] : [detection(file, url, file.via, pageTitle(document))];
  if (!isDropbox(url)) return [];
  return selectedFiles(document, url).map((found) => detection(found, url, 'aria'));
}

export const dropbox: Detector = {
  id: 'dropbox',
  hosts: ['https://www.dropbox.com/*'],
  matches: isDropbox,
  detect: detectDropbox,
  expectsItem: (url) => fileFromUrl(url) !== null,
};
