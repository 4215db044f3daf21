import type { Metadata, SourceKind } from '../records/record';
import { FILE_ID, fileName, GOOGLE_TITLE_SUFFIX, resourceKey, stripTitleSuffix } from './google-docs';
import { GOOGLE_NATIVE, googleType } from './google-types';
import { attr, cleanText, textOf, toUrl } from './text';
import type { CapturePlan, Detection, Detector } from './types';

/**
 * Google Drive: the file preview page (`/file/d/<id>/view`, `/open?id=<id>`), and the files selected in a list
 * (My Drive, a folder, search…; a preview opened over a folder leaves its row selected, and the URL unchanged).
 * URL shapes and the download URL follow `shared/realdata/google-docs-drive/patterns.json` (gdown, yt-dlp).
 *
 * patterns.json has no selectors for Drive's file list. The ones used here are those public extensions rely on
 * and have kept working through Drive's redesigns: the selected item carries `aria-selected="true"` and the
 * file id in `data-id` (on itself or a descendant); its cells are `role="gridcell"`, the name cell first; the
 * type icon comes from Drive's icon service, `drive-thirdparty.googleusercontent.com/<size>/type/<MIME type>`
 * (the same icons as gdown's embeddedfolderview sample).
 */

const FILE_PATH = /^\/file\/(?:u\/(\d{1,3})\/)?d\/([A-Za-z0-9_-]{25,200})(?:\/(?:view|edit|preview))?\/?$/;
const LIST_PATH = /^\/drive\/(?:u\/(\d{1,3})\/)?(?:folders\/([A-Za-z0-9_-]{10,200})\/?)?/;
/** `<name> - Google Drive` in any UI language (`Google ドライブ`, `Google 云端硬盘`). */
const TITLE_SUFFIX = GOOGLE_TITLE_SUFFIX;
const ICON_PATH = /^\/\d{1,4}\/type\/([a-z]{1,20}\/[A-Za-z0-9.+_-]{1,120})$/;
const MAX_SELECTED_SCANNED = 2000;
const MAX_DETECTIONS = 100;

/** Not a file: selecting a folder declares nothing. */
const FOLDER = `${GOOGLE_NATIVE}folder`;
const MAX_SCRIPTS = 60;
const MAX_SCRIPT_CHARS = 3_000_000;
const DOCUMENT_TYPES = new Set([
  `${GOOGLE_NATIVE}document`,
  `${GOOGLE_NATIVE}spreadsheet`,
  `${GOOGLE_NATIVE}presentation`,
]);

/** Types a name's extension tells, for the capture part; the download's own Content-Type wins at capture. */
const EXTENSION_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  txt: 'text/plain',
  csv: 'text/csv',
  rtf: 'application/rtf',
  msg: 'application/vnd.ms-outlook',
  eml: 'message/rfc822',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  zip: 'application/zip',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
};

interface Found {
  fileId: string;
  name: string;
  mimeType?: string;
  resourceKey?: string;
  folderId?: string;
  via: string;
}

function account(url: URL, fromPath: string | undefined): string | undefined {
  const slot = fromPath ?? url.searchParams.get('authuser') ?? '';
  return /^\d{1,3}$/.test(slot) ? slot : undefined;
}

function typeFromName(name: string): string | undefined {
  const m = /\.([a-z0-9]{1,5})$/i.exec(name);
  return m ? EXTENSION_TYPES[m[1]!.toLowerCase()] : undefined;
}

/**
 * Drive's own list data, `window['_DRIVE_ivd'] = '<JSON, JS-escaped>'`: `[0]` is the folder's items, each
 * `[id, [parent ids], name, MIME type, …]` (the shape public Drive scrapers read, e.g. gdown before it moved to
 * `embeddedfolderview`). It holds the first items of the folder the page was loaded on; an id's name and type never
 * change, so it stays right after the app moves to another folder, for the items it has.
 */
export function driveItems(document: Document): Map<string, { name: string; mimeType: string }> {
  const items = new Map<string, { name: string; mimeType: string }>();
  for (const script of Array.from(document.querySelectorAll('script:not([src])')).slice(0, MAX_SCRIPTS)) {
    const text = (script.textContent ?? '').slice(0, MAX_SCRIPT_CHARS);
    const m = /_DRIVE_ivd'\]\s*=\s*'((?:[^'\\]|\\.){0,2000000})'/.exec(text);
    if (!m) continue;
    let data: unknown;
    try {
      data = JSON.parse(unescapeJs(m[1]!));
    } catch {
      continue; // Not the JSON Drive writes: the page's other signals still describe the files.
    }
    const list = Array.isArray(data) && Array.isArray(data[0]) ? (data[0] as unknown[]) : [];
    for (const item of list.slice(0, 5000)) {
      if (!Array.isArray(item)) continue;
      const [id, , name, mimeType] = item as unknown[];
      if (typeof id === 'string' && FILE_ID.test(id) && typeof mimeType === 'string' && MIME.test(mimeType)) {
        items.set(id, { name: typeof name === 'string' ? name : '', mimeType: mimeType.toLowerCase() });
      }
    }
  }
  return items;
}

const MIME = /^[a-z]{1,20}\/[A-Za-z0-9.+_-]{1,120}$/;

/** A JavaScript single-quoted string's escapes (`\x22`, `\u00e9`, `\/`, `\\`) undone. */
function unescapeJs(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[\s\S])/g, (_, sequence: string) => {
    if (sequence.length > 1) return String.fromCharCode(Number.parseInt(sequence.slice(1), 16));
    return sequence === 'n' ? '\n' : sequence === 't' ? '\t' : sequence === 'r' ? '\r' : sequence;
  });
}

/** The MIME type in a Drive type icon's URL (`…/16/type/application/pdf`). */
function typeFromIcon(row: Element): string | undefined {
  for (const img of Array.from(row.querySelectorAll('img[src*="/type/"]')).slice(0, 5)) {
    const src = toUrl(attr(img, 'src', 1000));
    if (src?.protocol !== 'https:' || !src.hostname.endsWith('.googleusercontent.com')) continue;
    const m = ICON_PATH.exec(src.pathname);
    if (m) return m[1]!.toLowerCase();
  }
  return undefined;
}

/**
 * Binary files download from drive.google.com itself (`uc?…&export=download`, as gdown does; `confirm=t` skips
 * the virus-scan page large files get). Drive answers with a redirect to drive.usercontent.google.com, which the
 * browser follows within the same request. Google-native files have no bytes in Drive: their exports live on
 * docs.google.com, another origin the content script may not fetch, so they are metadata-only here; opening
 * the file in its editor gives the google-docs detection with the export.
 */
function capturePlan(found: Found, slot: string | undefined): CapturePlan {
  const native = googleType(found.mimeType);
  if (native) return { parts: [], reason: native.reason };
  const mimeType = found.mimeType ?? typeFromName(found.name);
  // Without a type from Drive or the name, the file could be a native one (Vids, Jamboard…), which would download
  // as an error page: nothing is fetched blindly.
  if (!mimeType) return { parts: [], reason: UNKNOWN_TYPE };
  let url = `https://drive.google.com/uc?id=${found.fileId}&export=download&confirm=t`;
  if (found.resourceKey) url += `&resourcekey=${found.resourceKey}`;
  if (slot) url += `&authuser=${slot}`;
  return {
    parts: [
      {
        source: 'fetch',
        url,
        name: fileName(found.name, '', found.fileId),
        mimeType,
        role: 'primary',
      },
    ],
  };
}

function detection(found: Found, url: URL, slot: string | undefined): Detection {
  const kind: SourceKind = found.mimeType && DOCUMENT_TYPES.has(found.mimeType) ? 'document' : 'file';
  const identifiers: Record<string, string> = { fileId: found.fileId };
  if (found.resourceKey) identifiers.resourceKey = found.resourceKey;
  if (slot) identifiers.account = slot;
  if (found.folderId) identifiers.folderId = found.folderId;
  const metadata: Metadata = {};
  const mimeType = found.mimeType ?? typeFromName(found.name);
  if (mimeType) metadata.mimeType = mimeType;
  metadata.identifiers = identifiers;
  return {
    // `gdrive:<id>` is google-docs' scheme too: a Doc selected here and opened in its editor is one source.
    source: { app: 'google-drive', kind, url: url.href, sourceId: `gdrive:${found.fileId}` },
    title: found.name,
    metadata,
    capture: capturePlan(found, slot),
    via: found.via,
  };
}

const UNKNOWN_TYPE =
  'Drive does not say what kind of file this is, so it is not downloaded blindly: open the file in its own app to capture it.';

/** The preview page of one file: its id from the URL, its name from `<title>` or `og:title`. */
function detectPreview(document: Document, url: URL): Detection[] {
  const m = FILE_PATH.exec(url.pathname.slice(0, 600));
  const fileId = m ? m[2]! : url.pathname === '/open' ? (url.searchParams.get('id') ?? '').slice(0, 300) : '';
  if (!FILE_ID.test(fileId)) return [];
  const fromTitle = stripTitleSuffix(document.title, TITLE_SUFFIX);
  const ogUrl = attr(document.querySelector('meta[property="og:url"]'), 'content', 2000);
  const ogNamesFile = ogUrl.startsWith('https://drive.google.com/') && ogUrl.includes(`/d/${fileId}/`);
  // A sign-in or "no access" page at the same URL has neither: it must give nothing.
  if (fromTitle === null && !ogNamesFile) return [];
  let name = fromTitle ?? '';
  let via = 'url-id/title';
  if (!name) {
    name = cleanText(attr(document.querySelector('meta[property="og:title"]'), 'content', 2000), 1024);
    via = 'url-id/og-title';
  }
  if (!name) return [];
  const found: Found = { fileId, name, via };
  const embedded = driveItems(document).get(fileId)?.mimeType;
  if (embedded) found.mimeType = embedded;
  const key = resourceKey(url);
  if (key) found.resourceKey = key;
  return [detection(found, url, account(url, m?.[1]))];
}

/** Selection outside the file list (the folder tree, tabs, the navigation) is not a file selection. */
function outsideList(element: Element): boolean {
  const role = attr(element, 'role', 40);
  return role === 'treeitem' || role === 'tab' || !!element.closest('[role="tree"], [role="navigation"], nav');
}

function rowName(row: Element): string {
  const cell = row.getAttribute('role') === 'gridcell' ? row : row.querySelector('[role="gridcell"]');
  return textOf(cell, 1024) || cleanText(attr(row, 'aria-label', 2000), 1024);
}

/** One detection per selected file in the list, in page order, at most 100. */
function detectSelection(document: Document, url: URL): Detection[] {
  const m = LIST_PATH.exec(url.pathname.slice(0, 600));
  if (!m) return [];
  const slot = account(url, m[1]);
  const folderId = m[2] && FILE_ID.test(m[2]) ? m[2] : undefined;
  const seen = new Set<string>();
  const out: Detection[] = [];
  const selected = Array.from(document.querySelectorAll('[aria-selected="true"]')).slice(0, MAX_SELECTED_SCANNED);
  const embedded = selected.length > 0 ? driveItems(document) : new Map<string, { name: string; mimeType: string }>();
  for (const row of selected) {
    if (out.length >= MAX_DETECTIONS) break;
    if (outsideList(row)) continue;
    const holder = row.hasAttribute('data-id') ? row : row.querySelector('[data-id]');
    const fileId = attr(holder, 'data-id', 300);
    // The open folder itself can show as selected in the tree or breadcrumb; it is not a file.
    if (!FILE_ID.test(fileId) || fileId === folderId || seen.has(fileId)) continue;
    const item = embedded.get(fileId);
    // Drive's own data first; the type icon is an older signal that newer lists no longer carry.
    const mimeType = item?.mimeType ?? typeFromIcon(row);
    if (mimeType === FOLDER) continue;
    seen.add(fileId);
    const name = rowName(row) || cleanText(item?.name, 1024) || `Drive file ${fileId}`;
    const found: Found = { fileId, name, via: item ? 'aria-selected/embedded-json' : 'aria-selected' };
    if (mimeType) found.mimeType = mimeType;
    if (folderId) found.folderId = folderId;
    out.push(detection(found, url, slot));
  }
  return out;
}

function isDrive(url: URL): boolean {
  return url.protocol === 'https:' && url.hostname === 'drive.google.com';
}

export const googleDrive: Detector = {
  id: 'google-drive',
  hosts: ['https://drive.google.com/*'],
  matches: isDrive,
  expectsItem: (url) => isDrive(url) && (FILE_PATH.test(url.pathname) || url.pathname === '/open'),
  detect(document, url) {
    if (!isDrive(url)) return [];
    return url.pathname.startsWith('/drive/') ? detectSelection(document, url) : detectPreview(document, url);
  },
};
