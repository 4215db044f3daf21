import type { Metadata, SourceKind } from '../records/record';
import {
  attr,
  cleanText,
  jsonObjectAt,
  mailbox,
  mimeTypeFromName,
  normaliseDate,
  queryParam,
  textOf,
  toIso,
  toUrl,
} from './text';
import type { CapturePlan, Detection, Detector } from './types';

/**
 * SharePoint Online, OneDrive for Business and OneDrive consumer, and SharePoint Server on the organisation's own
 * host, recognised there by the `_spPageContextInfo` every SharePoint page carries. URL grammars and embedded data
 * names are those public SharePoint tools read (fixtures/sharepoint/SOURCES.md). Three views give files, in order:
 *
 * 1. Office for the web viewers (`/_layouts/15/Doc.aspx?sourcedoc={guid}&file=…`, `WopiFrame.aspx`, and share
 *    links `/:w:/s/…`, `/:x:/g/…`, `/:b:/r/…`, which show the same viewer at the link's own URL): the file from the
 *    page's `_wopiContextJson` (`FileName`, `FileGetUrl` carrying `UniqueId=`, `LastModified` in epoch ms), else
 *    from the URL's `sourcedoc` guid and `file` name.
 * 2. A document library with a file preview open (`…/Forms/AllItems.aspx?id=<server-relative path>&parent=…`,
 *    OneDrive's `onedrive.aspx?id=…`): the row of the list data (`g_listData`) whose `FileRef` is that path.
 * 3. Files selected in a library (`[role=row][aria-selected=true]`): one detection per selected row, matched to
 *    its list data row by file name (`FileLeafRef`), or by `data-list-index` where the row shows no name.
 *
 * Site, web and list ids come from `_spPageContextInfo`. Embedded JSON is read from inline script text and parsed
 * with JSON.parse, never evaluated (content scripts cannot see page globals anyway).
 *
 * sourceId: `sharepoint:<UniqueId>` (lower-case guid, braces dropped). A file known only by its path (a preview
 * without list data) gets `sharepoint:<origin><server-relative path>`, and a share link whose page names no guid
 * gets `sharepoint:<link URL without query>`: both are the canonical URLs SharePoint itself uses for the file.
 *
 * Capture: the original bytes from the web's own `…/_layouts/15/download.aspx?UniqueId=<guid>` (or
 * `?SourceUrl=<path>` when only the path is known; a share link without a guid uses `<link>?download=1`), all
 * on the page's origin so the user's cookies authorise it. `FileGetUrl` itself is not used: it carries a
 * short-lived `tempauth` token. patterns.json names no same-origin PDF conversion URL, so there is no rendition
 * part. OneDrive consumer downloads come from another host (`my.microsoftpersonalcontent.com`), which the content
 * script may not fetch, so those detections are metadata only.
 */

const MAX_SCRIPTS = 60;
const MAX_SCRIPT_CHARS = 2_000_000;
const MAX_ROWS = 5000;
const MAX_SELECTED = 100;
const GUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;
/** `/:w:/s/<site>/<token>`: item type letter, link kind, then the rest. */
const SHARE_LINK = /^\/:([a-z]):\/([a-z])\/(.{1,2000})$/;
const TENANT_HOST = /^[a-z0-9][a-z0-9-]{0,62}\.sharepoint\.com$/;

type Json = Record<string, unknown>;

const DOCUMENT_EXTENSIONS = new Set([
  'doc',
  'docx',
  'docm',
  'dotx',
  'xls',
  'xlsx',
  'xlsm',
  'xlsb',
  'ppt',
  'pptx',
  'vsdx',
  'one',
  'pdf',
  'rtf',
  'odt',
  'ods',
  'odp',
  'txt',
  'md',
  'csv',
]);

function extension(name: string): string {
  const m = /\.([a-z0-9]{1,8})$/i.exec(name);
  return m ? m[1]!.toLowerCase() : '';
}

export function mimeTypeOf(name: string): string {
  return mimeTypeFromName(name) ?? 'application/octet-stream';
}

/** Bidi overrides would let a name show another extension (`report\u202excod.exe`): removed outright, where
 * cleanText would leave a space, so the name keeps its own spelling. */
function plain(value: unknown, max: number): string {
  return cleanText(typeof value === 'string' ? value.replace(/[\u202a-\u202e\u2066-\u2069]/g, '') : value, max);
}

function guidOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = GUID.exec(value.trim().slice(0, 64));
  return m ? m[1]!.toLowerCase() : undefined;
}

function str(value: unknown, max = 2048): string {
  return typeof value === 'string' ? value.slice(0, max) : typeof value === 'number' ? String(value) : '';
}

/** A query parameter by name, case-insensitively (SharePoint writes `sourcedoc`, `SourceDoc` and `sourceDoc`). */
function param(url: URL, name: string): string {
  return queryParam(url, name);
}

/**
 * The object literal assigned to `name` in an inline script (`var _wopiContextJson = {…};`), parsed as JSON.
 * The braces are matched with strings in mind, so a `}` inside a value does not end it; anything that is not
 * JSON gives `undefined`.
 */
export function assignedJson(document: Document, name: string): Json | undefined {
  const pattern = new RegExp(`\\b${name}\\s*=\\s*\\{`);
  for (const script of Array.from(document.querySelectorAll('script:not([src])')).slice(0, MAX_SCRIPTS)) {
    const text = (script.textContent ?? '').slice(0, MAX_SCRIPT_CHARS);
    const m = pattern.exec(text);
    if (!m) continue;
    const value = jsonObjectAt(text, m.index + m[0].length - 1);
    // Not JSON (a later build might write a JS literal): try the next script.
    if (value) return value;
  }
  return undefined;
}

/** A same-origin https URL, or undefined: capture may only fetch from the page's own origin. */
function sameOrigin(value: unknown, page: URL): URL | undefined {
  const text = str(value, 8192);
  const parsed = text ? toUrl(text, page) : undefined;
  // Same origin (scheme included): an on-premises farm served over http keeps its downloads on http.
  return parsed?.origin === page.origin && /^https?:$/.test(parsed.protocol) ? parsed : undefined;
}

function beforeLayouts(path: string): string | undefined {
  const i = path.toLowerCase().indexOf('/_layouts/15/');
  return i >= 0 ? path.slice(0, i) : undefined;
}

/** Server-relative path of the site behind a share link (`/:w:/s/Finance/…` → `/sites/Finance`). */
function shareLinkWeb(path: string): string | undefined {
  const m = SHARE_LINK.exec(path);
  if (!m) return undefined;
  const [first = '', second = '', third = ''] = m[3]!.split('/');
  if (m[2] === 's') return `/sites/${first}`;
  if (m[2] === 't') return `/teams/${first}`;
  if (m[2] === 'p') return `/personal/${first}`;
  if (m[2] === 'g' && ['personal', 'sites', 'teams'].includes(first) && third) return `/${first}/${second}`;
  return undefined;
}

function serverRelative(value: unknown): string | undefined {
  const path = str(value, 2048);
  return /^\/[^\\\s]*$/.test(path) && !path.startsWith('//') ? path : undefined;
}

/** The web (site) the file lives in, as an absolute URL without a trailing slash; `download.aspx` is per web. */
function webUrl(url: URL, context: Json | undefined, fileGetUrl: URL | undefined): string {
  const fromContext = sameOrigin(context?.webAbsoluteUrl, url);
  if (fromContext) return `${fromContext.origin}${fromContext.pathname.replace(/\/+$/, '')}`;
  const path =
    beforeLayouts(url.pathname) ??
    (fileGetUrl && beforeLayouts(fileGetUrl.pathname)) ??
    shareLinkWeb(url.pathname) ??
    // A library view, `<web>/<Library>/Forms/AllItems.aspx`.
    /^(.*)\/[^/]+\/Forms\/[^/]+\.aspx$/i.exec(url.pathname)?.[1] ??
    serverRelative(context?.webServerRelativeUrl) ??
    '';
  return `${url.origin}${path.replace(/\/+$/, '')}`;
}

interface FileFound {
  name: string;
  uniqueId?: string;
  /** Server-relative URL of the file (`/sites/x/Shared Documents/a.docx`). */
  path?: string;
  itemId?: string;
  dateCreated?: string;
  dateModified?: string;
  authors?: string[];
  via: string;
}

interface PageContext {
  url: URL;
  context?: Json;
  web: string;
  consumer: boolean;
}

function person(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (!first || typeof first !== 'object') return undefined;
  const p = first as Json;
  const name = cleanText(str(p.title, 1024), 200);
  return mailbox(name, str(p.email, 1024)) ?? (name || undefined);
}

function dateOf(value: unknown): string | undefined {
  if (typeof value === 'number') return toIso(new Date(value));
  return normaliseDate(str(value, 64));
}

/** One `ListData.Row` entry (`RenderListDataAsStream` shape) as a file; folders give nothing. */
function fromListRow(row: unknown, via: string): FileFound | undefined {
  if (!row || typeof row !== 'object') return undefined;
  const r = row as Json;
  if (str(r.FSObjType) === '1') return undefined;
  const name = plain(str(r.FileLeafRef, 1024), 255);
  if (!name) return undefined;
  const found: FileFound = { name, via };
  const uniqueId = guidOf(r.UniqueId);
  if (uniqueId) found.uniqueId = uniqueId;
  const path = str(r.FileRef, 2048);
  if (path.startsWith('/')) found.path = path;
  const id = str(r.ID, 20);
  if (/^\d{1,12}$/.test(id)) found.itemId = id;
  // RenderListDataAsStream writes `Modified` in the viewer's regional format and `Modified.` in ISO; only an
  // unambiguous ISO value is taken.
  const modified = dateOf(r['Modified.']) ?? dateOf(r.Modified);
  if (modified) found.dateModified = modified;
  const created = dateOf(r['Created.']) ?? dateOf(r.Created);
  if (created) found.dateCreated = created;
  const author = person(r.Author);
  if (author) found.authors = [author];
  return found;
}

function listRows(document: Document): unknown[] {
  const data = assignedJson(document, 'g_listData');
  const listData = (data?.ListData as Json | undefined) ?? data;
  const rows = listData?.Row;
  return Array.isArray(rows) ? rows.slice(0, MAX_ROWS) : [];
}

function detection(page: PageContext, file: FileFound, extra: Record<string, string>, capture: CapturePlan): Detection {
  const metadata: Metadata = { mimeType: mimeTypeOf(file.name) };
  if (file.authors?.length) metadata.author = file.authors;
  if (file.dateCreated) metadata.dateCreated = file.dateCreated;
  if (file.dateModified) metadata.dateModified = file.dateModified;
  const identifiers: Record<string, string> = {};
  if (file.uniqueId) identifiers.uniqueId = file.uniqueId;
  if (file.itemId) identifiers.listItemId = file.itemId;
  if (file.path) identifiers.serverRelativeUrl = file.path;
  const context = page.context;
  for (const [key, value] of [
    ['siteId', context?.siteId],
    ['webId', context?.webId],
    ['listId', context?.listId],
  ] as const) {
    const id = guidOf(value);
    if (id) identifiers[key] = id;
  }
  if (!page.consumer) identifiers.webUrl = page.web;
  Object.assign(identifiers, extra);
  metadata.identifiers = identifiers;
  const sourceId = file.uniqueId
    ? `sharepoint:${file.uniqueId}`
    : file.path
      ? `sharepoint:${page.url.origin}${file.path}`
      : `sharepoint:${page.url.origin}${page.url.pathname}`;
  const kind: SourceKind = DOCUMENT_EXTENSIONS.has(extension(file.name)) ? 'document' : 'file';
  return {
    source: { app: 'sharepoint', kind, url: page.url.href, sourceId: sourceId.slice(0, 2048) },
    title: file.name,
    metadata,
    capture,
    via: file.via,
  };
}

function download(page: PageContext, file: FileFound): CapturePlan {
  if (page.consumer) return { parts: [] };
  const query = file.uniqueId
    ? `UniqueId=${file.uniqueId}`
    : file.path
      ? `SourceUrl=${encodeURIComponent(file.path)}`
      : '';
  if (!query || !/^[^/\\\0]+$/.test(file.name)) return { parts: [] };
  return {
    parts: [
      {
        source: 'fetch',
        url: `${page.web}/_layouts/15/download.aspx?${query}`,
        name: file.name,
        mimeType: mimeTypeOf(file.name),
        role: 'primary',
      },
    ],
  };
}

/** View 1: an Office for the web viewer, or a share link that opens one. */
function viewerFile(document: Document, page: PageContext): Detection | undefined {
  const { url } = page;
  const wopi = assignedJson(document, '_wopiContextJson');
  const share = SHARE_LINK.exec(url.pathname);
  const fileGetUrl = sameOrigin(wopi?.FileGetUrl, url);
  const fromGetUrl = fileGetUrl ? guidOf(param(fileGetUrl, 'UniqueId')) : undefined;
  const sourcedoc = guidOf(param(url, 'sourcedoc'));
  const uniqueId = sourcedoc ?? fromGetUrl;
  const isViewer = /\/_layouts\/15\/(?:doc|wopiframe2?|xlviewer|powerpoint|wordviewer)\.aspx$/i.test(url.pathname);
  if (!wopi && !sourcedoc && !share) return undefined;
  if (!wopi && !isViewer && !sourcedoc) return undefined;

  const name =
    plain(str(wopi?.FileName, 1024), 255) ||
    plain(param(url, 'file'), 255) ||
    plain(str(wopi?.BaseFileName, 1024), 255);
  if (!name) return undefined;
  const file: FileFound = { name, via: wopi ? 'embedded-json' : 'url-id' };
  if (uniqueId) file.uniqueId = uniqueId;
  const modified = typeof wopi?.LastModified === 'number' ? toIso(new Date(wopi.LastModified)) : undefined;
  if (modified) file.dateModified = modified;

  const extra: Record<string, string> = {};
  if (share) {
    extra.shareLinkType = share[1]!;
    extra.shareLink = `${url.origin}${url.pathname}`.slice(0, 2048);
  }
  if (page.consumer) {
    const resid = param(url, 'resid') || param(url, 'id');
    if (/^[0-9A-Za-z]{1,32}![0-9A-Za-z]{1,32}$/.test(resid)) extra.resid = resid;
  }
  const found = detection(page, file, extra, { parts: [] });
  if (!uniqueId && share) {
    // No guid on the page: the link is the identity, and `?download=1` on it serves the bytes (patterns.json).
    found.source.sourceId = `sharepoint:${extra.shareLink}`;
    if (!page.consumer) {
      found.capture = {
        parts: [
          {
            source: 'fetch',
            url: `${extra.shareLink}?download=1`,
            name: file.name,
            mimeType: mimeTypeOf(file.name),
            role: 'primary',
          },
        ],
      };
    }
    return found;
  }
  if (!uniqueId && page.consumer) {
    if (!extra.resid) return undefined;
    found.source.sourceId = `sharepoint:onedrive:${extra.resid.toLowerCase()}`;
    return found;
  }
  if (!uniqueId) return undefined;
  found.capture = download(page, file);
  return found;
}

/** View 2: a library (or OneDrive) with a file preview open, `?id=<path>&parent=<folder>`. */
function previewFile(page: PageContext, rows: unknown[]): Detection | undefined {
  const { url } = page;
  const path = param(url, 'id');
  if (!path.startsWith('/') || !/\.aspx$/i.test(url.pathname)) return undefined;
  const row = rows.find((r) => r && typeof r === 'object' && str((r as Json).FileRef, 2048) === path);
  if (row && str((row as Json).FSObjType) === '1') return undefined;
  let file = row ? fromListRow(row, 'embedded-json') : undefined;
  // Without list data, `parent` (set only when a file is previewed, not when a folder is opened) says it is a file.
  if (!file && param(url, 'parent')) {
    const name = plain(path.split('/').pop(), 255);
    if (name) file = { name, path, via: 'url-path' };
  }
  if (!file) return undefined;
  file.path ??= path;
  return detection(page, file, {}, download(page, file));
}

const ROW_NAME = [
  '[data-automationid="FieldRenderer-name"]',
  '[data-id="heroField"]',
  '[data-automationid="name"]',
  '[data-automationid="NameCellLink"]',
];

function rowName(row: Element): string {
  for (const selector of ROW_NAME) {
    const element = row.querySelector(selector);
    const name = attr(element, 'title', 1024) || textOf(element, 1024);
    if (name) return plain(name, 255);
  }
  return '';
}

/** View 3: rows the user selected in a library list, each matched to its list data row. */
function selectedFiles(document: Document, page: PageContext, rows: unknown[]): Detection[] {
  const out: Detection[] = [];
  const used = new Set<unknown>();
  const selected = Array.from(document.querySelectorAll('[role="row"][aria-selected="true"]')).slice(0, MAX_SELECTED);
  for (const element of selected) {
    const name = rowName(element);
    let row: unknown;
    if (name) {
      row = rows.find((r) => !used.has(r) && r && typeof r === 'object' && str((r as Json).FileLeafRef, 1024) === name);
    } else {
      const index = attr(element, 'data-list-index', 10);
      if (/^\d{1,5}$/.test(index)) row = rows[Number(index)];
    }
    if (!row || used.has(row)) continue;
    used.add(row);
    const file = fromListRow(row, 'aria-selected');
    if (!file || (!file.uniqueId && !file.path)) continue;
    out.push(detection(page, file, {}, download(page, file)));
  }
  return out;
}

function isOnline(url: URL): boolean {
  if (url.protocol !== 'https:' || url.port !== '') return false;
  return TENANT_HOST.test(url.hostname) || url.hostname === 'onedrive.live.com';
}

/**
 * SharePoint Online and OneDrive by host; SharePoint Server (2013 to Subscription Edition) on any host by the shape
 * of its pages: an `.aspx` page or anything under `/_layouts/`. The page must then prove it is SharePoint.
 */
function isSharePoint(url: URL): boolean {
  if (isOnline(url)) return true;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  return /\.aspx$/i.test(url.pathname) || /\/_layouts\//i.test(url.pathname);
}

/** Whether an inline script assigns `_spPageContextInfo`, the page context every SharePoint Server page carries. */
function hasPageContext(document: Document): boolean {
  for (const script of Array.from(document.querySelectorAll('script:not([src])')).slice(0, MAX_SCRIPTS)) {
    if (/\b_spPageContextInfo\s*=\s*\{/.test((script.textContent ?? '').slice(0, MAX_SCRIPT_CHARS))) return true;
  }
  return false;
}

function detectFiles(document: Document, url: URL): Detection[] {
  if (!isSharePoint(url)) return [];
  // Off Microsoft's hosts only SharePoint's own page context proves the app; older versions write it as a JavaScript
  // literal rather than JSON, which still proves it, though its fields are then not read.
  if (!isOnline(url) && !hasPageContext(document)) return [];
  const context = assignedJson(document, '_spPageContextInfo');
  const consumer = url.hostname === 'onedrive.live.com';
  const wopi = consumer ? undefined : sameOrigin(assignedJson(document, '_wopiContextJson')?.FileGetUrl, url);
  const page: PageContext = { url, context, consumer, web: webUrl(url, context, wopi) };

  const viewer = viewerFile(document, page);
  if (viewer) return [viewer];
  if (consumer) return [];
  const rows = listRows(document);
  const out: Detection[] = [];
  const preview = previewFile(page, rows);
  if (preview) out.push(preview);
  for (const found of selectedFiles(document, page, rows)) {
    if (!out.some((d) => d.source.sourceId === found.source.sourceId)) out.push(found);
  }
  return out.slice(0, MAX_SELECTED);
}

export const sharepoint: Detector = {
  id: 'sharepoint',
  hosts: ['https://*.sharepoint.com/*', 'https://onedrive.live.com/*'],
  matches: isSharePoint,
  detect: detectFiles,
  expectsItem: (url) =>
    isSharePoint(url) &&
    (guidOf(param(url, 'sourcedoc')) !== undefined ||
      SHARE_LINK.test(url.pathname) ||
      (param(url, 'id').startsWith('/') && param(url, 'parent') !== '')),
  build: (document) => {
    // `siteClientTag` ends with the farm's build (`0$$16.0.10337.12109`); Online writes it too. Read from the text,
    // since older page contexts are JavaScript (`new Date(…)` among the values), not JSON.
    for (const script of Array.from(document.querySelectorAll('script:not([src])')).slice(0, MAX_SCRIPTS)) {
      const text = (script.textContent ?? '').slice(0, MAX_SCRIPT_CHARS);
      const tag = /"siteClientTag"\s*:\s*"\d{0,6}\$\$(\d{1,3}\.\d{1,3}\.\d{1,6}\.\d{1,6})"/.exec(text);
      if (tag) return tag[1];
    }
    return undefined;
  },
};
