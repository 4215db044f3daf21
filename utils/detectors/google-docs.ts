import type { Metadata } from '../records/record';
import { GOOGLE_NATIVE, GOOGLE_TYPES } from './google-types';
import { attr, cleanText, textOf } from './text';
import type { CapturePart, Detection, Detector } from './types';

/**
 * Google Docs, Sheets and Slides, in the editor and the viewers (`edit`, `view`, `htmlview`, `preview`): one
 * detection for the open file. URL shapes, title signals and export URLs follow
 * `shared/realdata/google-docs-drive/patterns.json` (gdown, Zotero's Docs integration).
 *
 * The file id comes from the URL only: since the 2021–2022 move to canvas rendering the page holds no document
 * text, and nothing else in it names the file as durably. The page must still look like a Docs page (title input,
 * editor chrome, `_docs_flag_initialData` or a "… - Google Docs" title), so an error or sign-in page at a file URL
 * gives nothing. Owner and dates are not in the page's markup (only Drive's API has them), so the record has none
 * until capture reads the exported file's own properties.
 */

/** A Drive file id as gdown reads it: 25 or more URL-safe characters (28 for old `0B…` ids, 33 or 44 today). */
export const FILE_ID = /^[A-Za-z0-9_-]{25,200}$/;

const EDITORS = ['document', 'spreadsheets', 'presentation'] as const;
type Editor = (typeof EDITORS)[number];

/**
 * `/a/<domain>/` (legacy Workspace prefix), the editor, `/u/N/` (account slot), `d/<id>`, then a view. Published
 * copies (`/d/e/2PACX-…/pub`) carry a publishing id, not the file id, so they do not match.
 */
const FILE_PATH =
  /^\/(?:a\/([A-Za-z0-9.-]{1,253})\/)?(document|spreadsheets|presentation)\/(?:u\/(\d{1,3})\/)?d\/([A-Za-z0-9_-]{25,200})(?:\/(?:edit|view|htmlview|preview))?\/?$/;
/** Every page of the three editors, home lists included, so the runner does not offer them as web pages. */
const EDITOR_PATH = /^\/(?:a\/[A-Za-z0-9.-]{1,253}\/)?(?:document|spreadsheets|presentation)(?:\/|$)/;
const PUBLISHED_PATH = /\/d\/e\//;

interface EditorInfo {
  untitled: string;
  /** The native Office export: the record's primary content. */
  primary: { path: string; extension: string; mimeType: string };
  pdf: string;
}

/** Export URL shapes from gdown `download.py` (Slides also offers `/export/pptx`, which the issue asks for). */
const INFO: Record<Editor, EditorInfo> = {
  document: {
    untitled: 'Untitled document',
    primary: {
      path: 'export?format=docx',
      extension: '.docx',
      mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    },
    pdf: 'export?format=pdf',
  },
  spreadsheets: {
    untitled: 'Untitled spreadsheet',
    primary: {
      path: 'export?format=xlsx',
      extension: '.xlsx',
      mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    },
    pdf: 'export?format=pdf',
  },
  presentation: {
    untitled: 'Untitled presentation',
    primary: {
      path: 'export/pptx',
      extension: '.pptx',
      mimeType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    },
    pdf: 'export/pdf',
  },
};

/**
 * `<Title> - Google Docs`, in any UI language: the product name is translated (`Google Trang tính`,
 * `Google スプレッドシート`, `Google 文档`) but always starts with "Google".
 */
export const GOOGLE_TITLE_SUFFIX = /\s[-–—]\s*Google\s[^-–—|]{1,40}$/u;
const TITLE_SUFFIX = GOOGLE_TITLE_SUFFIX;
const RESOURCE_KEY = /^[A-Za-z0-9_-]{1,100}$/;
const SMALL_ID = /^[A-Za-z0-9._-]{1,100}$/;
const MAX_SCRIPTS = 50;

export interface GoogleFileUrl {
  editor: Editor;
  fileId: string;
  domain?: string;
  account?: string;
}

export function parseDocsUrl(url: URL): GoogleFileUrl | null {
  if (url.protocol !== 'https:' || url.hostname !== 'docs.google.com') return null;
  const m = FILE_PATH.exec(url.pathname.slice(0, 600));
  if (!m) return null;
  const found: GoogleFileUrl = { editor: m[2] as Editor, fileId: m[4]! };
  if (m[1]) found.domain = m[1];
  if (m[3]) found.account = m[3];
  return found;
}

/** A file name made from a title: no path separators or characters Windows refuses, within 255 characters. */
export function fileName(title: string, extension: string, fallback: string): string {
  const base = cleanText(title, 200)
    .replace(/[/\\:*?"<>|]/g, '_')
    .replace(/^\.+/, '')
    .trim();
  return `${base || fallback}${extension}`;
}

/** `resourcekey` from the URL: link-shared files from before 2021 need it beside the id. */
export function resourceKey(url: URL): string | undefined {
  const key = (url.searchParams.get('resourcekey') ?? '').slice(0, 200);
  return RESOURCE_KEY.test(key) ? key : undefined;
}

/**
 * The page title without the app's suffix (`Plan - Google Docs` → `Plan`), or null when the suffix is not
 * there. The suffix is looked for at the raw end, so an overlong title cannot push it out of sight.
 */
export function stripTitleSuffix(raw: unknown, suffix: RegExp): string | null {
  if (typeof raw !== 'string') return null;
  const tailStart = Math.max(0, raw.length - 200);
  const m = suffix.exec(raw.slice(tailStart));
  return m ? cleanText(raw.slice(0, tailStart + m.index), 1024) : null;
}

/** Whether the document shows Docs' own markers, not just any page at a Docs URL. */
function isDocsPage(document: Document): boolean {
  if (document.querySelector('input.docs-title-input, .docs-title-input-label-inner, #docs-menubar, #docs-toolbar')) {
    return true;
  }
  if (document.querySelector('.kix-appview-editor')) return true;
  if (stripTitleSuffix(document.title, TITLE_SUFFIX) !== null) return true;
  for (const script of Array.from(document.querySelectorAll('script')).slice(0, MAX_SCRIPTS)) {
    if ((script.textContent ?? '').slice(0, 2000).includes('_docs_flag_initialData')) return true;
  }
  return false;
}

/** The title and the signal it came from: the title input, its label, `<title>`, then `og:title`. */
function titleOf(document: Document): { title: string; via: string } | null {
  const input = document.querySelector('input.docs-title-input');
  // `value` is the live value in a browser; the attribute is the value the page was served with.
  const value = input ? cleanText((input as HTMLInputElement).value || attr(input, 'value', 2000), 1024) : '';
  if (value) return { title: value, via: 'title-input' };
  const label = textOf(document.querySelector('.docs-title-input-label-inner'), 1024);
  if (label) return { title: label, via: 'title-input' };
  const title = stripTitleSuffix(document.title, TITLE_SUFFIX);
  if (title) return { title, via: 'title' };
  const og = cleanText(attr(document.querySelector('meta[property="og:title"]'), 'content', 2000), 1024);
  if (og) return { title: og, via: 'og-title' };
  return null;
}

/** Tab, sheet and slide positions inside the file: where the user was, not a different record. */
function positions(editor: Editor, url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  const tab = (url.searchParams.get('tab') ?? '').slice(0, 120);
  if (editor === 'document' && /^t\.[A-Za-z0-9_-]{1,100}$/.test(tab)) out.tab = tab;
  const hash = new URLSearchParams(url.hash.slice(1, 600));
  const gid = hash.get('gid') ?? '';
  if (editor === 'spreadsheets' && /^\d{1,12}$/.test(gid)) out.sheetId = gid;
  const slide = hash.get('slide') ?? '';
  if (editor === 'presentation' && /^id\.[A-Za-z0-9_-]{1,100}$/.test(slide)) out.slideId = slide.slice(3);
  return out;
}

/**
 * The native Office export and a PDF rendition, both on docs.google.com, under the same `/a/<domain>/` and
 * `/u/N/` prefix as the page so the export runs as the account that has the file open.
 */
function capture(file: GoogleFileUrl, title: string, key: string | undefined): CapturePart[] {
  const info = INFO[file.editor];
  const base =
    'https://docs.google.com' +
    (file.domain ? `/a/${file.domain}` : '') +
    `/${file.editor}/` +
    (file.account ? `u/${file.account}/` : '') +
    `d/${file.fileId}/`;
  const withKey = (path: string) => (key ? `${path}${path.includes('?') ? '&' : '?'}resourcekey=${key}` : path);
  return [
    {
      source: 'fetch',
      url: base + withKey(info.primary.path),
      name: fileName(title, info.primary.extension, file.fileId),
      mimeType: info.primary.mimeType,
      role: 'primary',
    },
    {
      source: 'fetch',
      url: base + withKey(info.pdf),
      name: fileName(title, '.pdf', file.fileId),
      mimeType: 'application/pdf',
      role: 'rendition',
      optional: true,
    },
  ];
}

function detectFile(document: Document, url: URL): Detection[] {
  const file = parseDocsUrl(url);
  if (!file || !isDocsPage(document)) return [];
  const info = INFO[file.editor];
  const found = titleOf(document) ?? { title: info.untitled, via: 'default-title' };
  const key = resourceKey(url);
  const identifiers: Record<string, string> = { fileId: file.fileId, editor: file.editor };
  if (key) identifiers.resourceKey = key;
  if (file.account) identifiers.account = file.account;
  if (file.domain && SMALL_ID.test(file.domain)) identifiers.domain = file.domain;
  Object.assign(identifiers, positions(file.editor, url));
  const metadata: Metadata = { mimeType: info.primary.mimeType, identifiers };
  return [
    {
      // The same scheme as google-drive: a Doc seen in Drive's list and in its editor is one source.
      source: { app: 'google-docs', kind: 'document', url: url.href, sourceId: `gdrive:${file.fileId}` },
      title: found.title,
      metadata,
      capture: { parts: capture(file, found.title, key) },
      via: `url-id/${found.via}`,
    },
  ];
}

/**
 * Google's other editors: Forms, Drawings and Vids on docs.google.com; Apps Script, Jamboard and the Sites editor on
 * their own hosts (read on the user's gesture, since the extension has no content script there). Each is exported in
 * its own export format where Google offers one on the editor's own origin, or declared by its metadata with the
 * reason (google-types.ts).
 */
interface OtherEditor {
  type: string;
  host: string;
  path: RegExp;
  suffix: RegExp;
  export?: (base: string, id: string) => { path: string; extension: string; mimeType: string; rendition?: string };
}

const OTHER_EDITORS: OtherEditor[] = [
  {
    type: 'form',
    host: 'docs.google.com',
    path: /^\/forms\/(?:u\/(\d{1,3})\/)?d\/([A-Za-z0-9_-]{25,200})\/(?:edit|viewform|viewanalytics)\/?$/,
    suffix: GOOGLE_TITLE_SUFFIX,
  },
  {
    type: 'drawing',
    host: 'docs.google.com',
    path: /^\/drawings\/(?:u\/(\d{1,3})\/)?d\/([A-Za-z0-9_-]{25,200})(?:\/(?:edit|view|preview))?\/?$/,
    suffix: GOOGLE_TITLE_SUFFIX,
    // The Drawings editor's own exports (`/drawings/d/<id>/export/svg|pdf|png`): the vector one first.
    export: (base, id) => ({
      path: `${base}/drawings/d/${id}/export/svg`,
      extension: '.svg',
      mimeType: 'image/svg+xml',
      rendition: `${base}/drawings/d/${id}/export/pdf`,
    }),
  },
  {
    type: 'vid',
    host: 'docs.google.com',
    path: /^\/videos\/(?:u\/(\d{1,3})\/)?d\/([A-Za-z0-9_-]{25,200})(?:\/(?:edit|view|preview))?\/?$/,
    suffix: GOOGLE_TITLE_SUFFIX,
  },
  {
    type: 'script',
    host: 'script.google.com',
    path: /^\/(?:u\/(\d{1,3})\/)?(?:d|home\/projects)\/([A-Za-z0-9_-]{25,200})(?:\/edit)?\/?$/,
    suffix: /\s[-–—]\s*(?:Apps Script|Google Apps Script)$/,
    // The project export Apps Script's own tools use (`feeds/download/export?format=json`), on the editor's origin.
    export: (base, id) => ({
      path: `${base}/feeds/download/export?id=${id}&format=json`,
      extension: '.json',
      mimeType: 'application/vnd.google-apps.script+json',
    }),
  },
  {
    type: 'jam',
    host: 'jamboard.google.com',
    path: /^\/(?:u\/(\d{1,3})\/)?d\/([A-Za-z0-9_-]{25,200})(?:\/(?:edit|viewer))?\/?$/,
    suffix: GOOGLE_TITLE_SUFFIX,
  },
  {
    type: 'site',
    host: 'sites.google.com',
    path: /^\/(?:u\/(\d{1,3})\/)?d\/([A-Za-z0-9_-]{25,200})(?:\/p\/[A-Za-z0-9_-]{1,200})?\/edit\/?$/,
    suffix: GOOGLE_TITLE_SUFFIX,
  },
];

function otherEditorOf(url: URL): { editor: OtherEditor; account?: string; fileId: string } | undefined {
  if (url.protocol !== 'https:') return undefined;
  for (const editor of OTHER_EDITORS) {
    if (editor.host !== url.hostname) continue;
    const m = editor.path.exec(url.pathname.slice(0, 600));
    if (m) return { editor, fileId: m[2]!, ...(m[1] ? { account: m[1] } : {}) };
  }
  return undefined;
}

function detectOtherFile(document: Document, url: URL): Detection[] {
  const found = otherEditorOf(url);
  if (!found) return [];
  const { editor, fileId, account } = found;
  const type = GOOGLE_TYPES[editor.type]!;
  // The page must be the editor's, not a sign-in or "no access" page at the same URL.
  const title = stripTitleSuffix(document.title, editor.suffix);
  const og = cleanText(attr(document.querySelector('meta[property="og:title"]'), 'content', 2000), 1024);
  if (title === null && !isDocsPage(document)) return [];
  const name = title || og || `Untitled (${type.label})`;
  const nativeType = `${GOOGLE_NATIVE}${editor.type}`;
  const identifiers: Record<string, string> = { fileId, editor: editor.type };
  if (account) identifiers.account = account;
  const key = resourceKey(url);
  if (key) identifiers.resourceKey = key;
  const exported = editor.export?.(`https://${url.hostname}${account ? `/u/${account}` : ''}`, fileId);
  const metadata: Metadata = { mimeType: exported?.mimeType ?? nativeType, identifiers };
  const parts: CapturePart[] = exported
    ? [
        {
          source: 'fetch',
          url: exported.path,
          name: fileName(name, exported.extension, fileId),
          mimeType: exported.mimeType,
          role: 'primary',
        },
        ...(exported.rendition
          ? [
              {
                source: 'fetch' as const,
                url: exported.rendition,
                name: fileName(name, '.pdf', fileId),
                mimeType: 'application/pdf',
                role: 'rendition' as const,
                optional: true,
              },
            ]
          : []),
      ]
    : [];
  return [
    {
      source: { app: 'google-docs', kind: 'document', url: url.href, sourceId: `gdrive:${fileId}` },
      title: name,
      metadata,
      capture: exported ? { parts } : { parts: [], reason: type.reason },
      via: title ? 'url-id/title' : 'url-id/og-title',
    },
  ];
}

function isDocsUrl(url: URL): boolean {
  if (otherEditorOf(url)) return true;
  return (
    url.protocol === 'https:' &&
    url.hostname === 'docs.google.com' &&
    EDITOR_PATH.test(url.pathname) &&
    !PUBLISHED_PATH.test(url.pathname)
  );
}

export const googleDocs: Detector = {
  id: 'google-docs',
  hosts: ['https://docs.google.com/*'],
  matches: isDocsUrl,
  detect: (document, url) => (otherEditorOf(url) ? detectOtherFile(document, url) : detectFile(document, url)),
  expectsItem: (url) => parseDocsUrl(url) !== null || otherEditorOf(url) !== undefined,
};
