import type { Metadata } from '../records/record';
import { attr, cleanText, jsonObjectAt, mimeTypeFromName, safeFileName, textOf, toIso, toUrl } from './text';
import type { CapturePlan, Detection, Detector } from './types';

/**
 * Box web app (URL shapes and page data from `shared/realdata/box/patterns.json`): a file preview
 * (`/file/<id>`, `/notes/<id>`), a shared link (`/s/<sharedName>`, `/v/<vanityName>`, optionally `/file/<id>`
 * inside a shared folder), and folder views (`/folder/<id>`, shared folders) where each selected row
 * (`role=row`, `aria-selected=true`, linking to `/file/<id>`) is one detection.
 *
 * Metadata comes from `Box.postStreamData` (or `Box.prefetchedData`), the JSON Box writes into the page: the
 * `/app-api/enduserapp/shared-item` entry says what a shared link points at, and the item lists under
 * `/app-api/enduserapp/item/f_<id>`, `…/folder/<id>` and `…/shared-folder` carry name, extension, owner and
 * times. Without it, the file name comes from `<title>`.
 *
 * Capture: Box's own download route on the page's origin: `index.php?rm=box_download_shared_file` with the
 * shared or vanity name and the typed id `f_<id>` for shared links, `index.php?rm=box_download_file&file_id=<id>`
 * for signed-in files. Nothing is fetched when the page says downloads are disabled (`canDownload: false`).
 */

const MAX_ITEMS = 100;
const MAX_SCRIPTS = 50;
const MAX_SCRIPT_CHARS = 5_000_000;
const MAX_LIST = 2000;
const ID = /^\d{1,20}$/;
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;
const STREAM_MARKERS = ['Box.postStreamData', 'Box.prefetchedData'];
/** Subdomains of box.com that are not the web app. */
const NOT_APP = new Set(['www', 'api', 'account', 'developer', 'developers', 'support', 'community', 'status', 'blog']);

type Json = Record<string, unknown>;

interface BoxUrl {
  origin: string;
  fileId?: string;
  folderId?: string;
  share?: { param: 'shared_name' | 'vanity_name'; name: string };
}

function isBoxHost(host: string): boolean {
  if (host === 'app.box.com') return true;
  const m = /^([a-z0-9-]{1,63})\.(?:(?:app|ent)\.)?box\.com$/.exec(host);
  return !!m && !NOT_APP.has(m[1]!);
}

/** The ids in a Box URL, or null when it is not a Box file, folder or shared-link page. */
export function parseBoxUrl(url: URL): BoxUrl | null {
  if (url.protocol !== 'https:' || !isBoxHost(url.hostname)) return null;
  const parts = url.pathname.slice(0, 1024).split('/').filter(Boolean);
  const out: BoxUrl = { origin: url.origin };
  let rest = parts;
  if ((parts[0] === 's' || parts[0] === 'v') && parts[1] && TOKEN.test(parts[1])) {
    out.share = { param: parts[0] === 's' ? 'shared_name' : 'vanity_name', name: parts[1] };
    rest = parts.slice(2);
  }
  if (rest.length === 0) return out.share ? out : null;
  const [kind, id] = rest;
  if (!id || !ID.test(id) || rest.length > 2) return null;
  if (kind === 'file' || (kind === 'notes' && !out.share)) out.fileId = id;
  else if (kind === 'folder') out.folderId = id;
  else return null;
  return out;
}

/** `Box.postStreamData = {…};` and `Box.prefetchedData = {…};` from the page's inline scripts, merged. */
export function boxStreamData(document: Document): Json {
  // No prototype, so a `__proto__` key in the page's JSON is just a key.
  const data: Json = Object.create(null);
  for (const script of Array.from(document.querySelectorAll('script:not([src])')).slice(0, MAX_SCRIPTS)) {
    const text = (script.textContent ?? '').slice(0, MAX_SCRIPT_CHARS);
    for (const marker of STREAM_MARKERS) {
      const at = text.indexOf(marker);
      if (at < 0) continue;
      const eq = /^\s*=\s*/.exec(text.slice(at + marker.length, at + marker.length + 20));
      const brace = eq ? at + marker.length + eq[0].length : -1;
      if (brace < 0 || text[brace] !== '{') continue;
      const value = jsonObjectAt(text, brace);
      if (value) for (const [key, entry] of Object.entries(value).slice(0, 500)) data[key] = entry;
    }
  }
  return data;
}

function record(value: unknown): Json | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function idText(value: unknown): string | undefined {
  const id = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  return typeof id === 'string' && ID.test(id) ? id : undefined;
}

function itemId(item: Json): string | undefined {
  const typed = typeof item.typedID === 'string' ? /^f_(\d{1,20})$/.exec(item.typedID)?.[1] : undefined;
  return idText(item.id) ?? idText(item.itemID) ?? typed;
}

/** Every item list in the page data: the file's own entry, folder listings and shared-folder listings. */
function itemLists(data: Json): Json[][] {
  const lists: Json[][] = [];
  for (const [key, value] of Object.entries(data).slice(0, 200)) {
    if (!/^\/app-api\/enduserapp\/(?:item\/f_\d+|folder\/\d+|shared-folder|file\/\d+\/sidebar)$/.test(key)) continue;
    const items = record(value)?.items;
    if (Array.isArray(items)) lists.push(items.slice(0, MAX_LIST).filter((i): i is Json => !!record(i)));
  }
  return lists;
}

function findItem(data: Json, fileId: string): Json | undefined {
  for (const list of itemLists(data)) {
    const found = list.find((item) => item.type !== 'folder' && itemId(item) === fileId);
    if (found) return found;
  }
  return undefined;
}

/** Box writes times as epoch seconds; milliseconds are accepted too. */
function epoch(value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return undefined;
  return toIso(new Date(value < 1e11 ? value * 1000 : value));
}

/** `<title>` without Box's suffix ("Report.pdf | Powered by Box", "Report.pdf - Box"). */
function pageTitle(document: Document): string {
  return textOf(document.querySelector('title'), 1024)
    .replace(/\s+(?:[|–-]\s+)?(?:Powered by Box|Box)$/i, '')
    .trim();
}

function capturePlan(
  box: BoxUrl,
  fileId: string,
  name: string,
  mimeType: string | undefined,
  item?: Json,
): CapturePlan {
  if (item?.canDownload === false) return { parts: [] };
  const query = box.share
    ? `rm=box_download_shared_file&${box.share.param}=${encodeURIComponent(box.share.name)}&file_id=f_${fileId}`
    : `rm=box_download_file&file_id=${fileId}`;
  return {
    parts: [
      {
        source: 'fetch',
        url: `${box.origin}/index.php?${query}`,
        name: safeFileName(name, `box-${fileId}`),
        mimeType: mimeType ?? 'application/octet-stream',
        role: 'primary',
      },
    ],
  };
}

function detection(
  box: BoxUrl,
  fileId: string,
  item: Json | undefined,
  fallbackTitle: string,
  url: URL,
  via: string,
): Detection {
  const extension =
    typeof item?.extension === 'string' && /^[A-Za-z0-9]{1,10}$/.test(item.extension) ? item.extension : '';
  let name = cleanText(item?.name, 1024);
  // Some listings give the name without its extension, beside it.
  if (name && extension && !name.toLowerCase().endsWith(`.${extension.toLowerCase()}`)) {
    name = `${name.slice(0, 1023 - extension.length)}.${extension}`;
  }
  const title = name || fallbackTitle || `Box file ${fileId}`;
  const metadata: Metadata = {};
  const mimeType = mimeTypeFromName(title, extension);
  if (mimeType) metadata.mimeType = mimeType;
  const created = epoch(item?.contentCreated) ?? epoch(item?.created);
  const modified = epoch(item?.contentUpdated) ?? epoch(item?.date);
  if (created) metadata.dateCreated = created;
  if (modified) metadata.dateModified = modified;
  const owner = cleanText(item?.ownerName, 1024);
  if (owner) metadata.owner = owner;
  const description = cleanText(item?.description, 8192);
  if (description) metadata.description = description;
  const identifiers: Record<string, string> = { fileId, typedId: `f_${fileId}` };
  if (box.share) identifiers[box.share.param === 'shared_name' ? 'sharedName' : 'vanityName'] = box.share.name;
  const parent = idText(item?.parentFolderID) ?? box.folderId;
  if (parent) identifiers.parentFolderId = parent;
  const versions = item?.versionCount;
  if (typeof versions === 'number' && Number.isSafeInteger(versions) && versions >= 0) {
    identifiers.versionCount = String(versions);
  }
  if (url.hostname !== 'app.box.com') identifiers.host = url.hostname;
  metadata.identifiers = identifiers;
  return {
    source: { app: 'box', kind: 'file', url: url.href, sourceId: `box:${fileId}` },
    title,
    metadata,
    capture: capturePlan(box, fileId, title, mimeType, item),
    via: item ? 'embedded-json' : via,
  };
}

/** File ids of the selected rows of a folder view: ARIA selection, id from the row's `/file/<id>` link. */
function selectedFileIds(document: Document, url: URL): string[] {
  const ids: string[] = [];
  const rows = document.querySelectorAll('[role="row"][aria-selected="true"], [role="option"][aria-selected="true"]');
  for (const row of Array.from(rows).slice(0, MAX_LIST)) {
    for (const link of Array.from(row.querySelectorAll('a[href]')).slice(0, 20)) {
      const href = toUrl(attr(link, 'href', 2048), url);
      const id = href && parseBoxUrl(href)?.fileId;
      if (id) {
        if (!ids.includes(id)) ids.push(id);
        break;
      }
    }
    if (ids.length >= MAX_ITEMS) break;
  }
  return ids;
}

function detectBox(document: Document, url: URL): Detection[] {
  const box = parseBoxUrl(url);
  if (!box || url.href.length > 8192) return [];
  const data = boxStreamData(document);
  if (box.fileId) {
    return [detection(box, box.fileId, findItem(data, box.fileId), pageTitle(document), url, 'url-id')];
  }
  if (box.share && !box.folderId) {
    const shared = record(data['/app-api/enduserapp/shared-item']);
    const type = shared?.itemType ?? shared?.type;
    const id = idText(shared?.itemID);
    if (type === 'file' && id)
      return [detection(box, id, findItem(data, id), pageTitle(document), url, 'embedded-json')];
  }
  // A folder (or a shared folder): only what the user selected.
  const out: Detection[] = [];
  for (const id of selectedFileIds(document, url)) {
    const item = findItem(data, id);
    const name = item ? '' : textOf(document.querySelector(`a[href*="/file/${id}"]`), 1024);
    out.push(detection(box, id, item, name, url, 'aria'));
  }
  return out;
}

export const box: Detector = {
  id: 'box',
  hosts: ['https://app.box.com/*', 'https://*.app.box.com/*', 'https://*.ent.box.com/*'],
  matches: (url) => parseBoxUrl(url) !== null,
  detect: detectBox,
  expectsItem: (url) => parseBoxUrl(url)?.fileId !== undefined,
};
