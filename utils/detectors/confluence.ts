import type { Metadata } from '../records/record';
import { attr, cleanText } from './text';
import type { Detection, Detector } from './types';

/**
 * Confluence Cloud: the page or blog post being viewed. URL shapes, AJS meta tags and `data-testid` / `data-page-id`
 * markers are those of `shared/realdata/confluence/patterns.json`.
 *
 * The page id comes from the URL (`/pages/<id>`, `/blog/[yyyy/mm/dd/]<id>`, `viewpage.action?pageId=`), else from
 * the AJS meta tags (`ajs-page-id`, `ajs-latest-page-id`, `ajs-content-id`), else from `[data-page-id]`. Either
 * way the page must show that it is a Confluence page (an AJS page id or the Atlaskit renderer), so the home
 * dashboard, search and a page still loading give nothing. The editor (`/pages/edit-v2/<id>`) gives nothing too:
 * what it shows is an unpublished draft, while the export would fetch the published version.
 *
 * Capture is the Word export (`/wiki/exportword?pageId=`), which Confluence answers directly with a `.doc`
 * (MHTML). The PDF export is not offered: on Cloud it starts an asynchronous task and returns an HTML shell, not
 * the PDF (patterns.json, `download_export`).
 */

const PAGE_ID = /^[1-9]\d{0,19}$/;
const SPACE_KEY = /^~?[A-Za-z0-9_-]{1,255}$/;
const PAGE_PATH = /^\/wiki\/spaces\/([^/]{1,255})\/pages\/(\d{1,20})(?:\/([^/]{0,1024}))?\/?$/;
const BLOG_PATH = /^\/wiki\/spaces\/([^/]{1,255})\/blog\/(?:\d{4}\/\d{2}\/\d{2}\/)?(\d{1,20})(?:\/([^/]{0,1024}))?\/?$/;
const EDIT_PATH = /^\/wiki\/spaces\/[^/]{1,255}\/pages\/(?:edit-v2|edit|resumedraft)\//;
const VIEWPAGE_PATH = /^\/wiki\/(?:spaces\/[^/]{1,255}\/)?pages\/viewpage\.action$/;
const TITLE_SUFFIX = /\s+-\s+Confluence$/;

interface FromUrl {
  pageId?: string;
  spaceKey?: string;
  slug?: string;
  blog?: boolean;
}

function isConfluenceCloud(url: URL): boolean {
  return (
    url.protocol === 'https:' &&
    /^[a-z0-9][a-z0-9-]{0,62}\.atlassian\.net$/.test(url.hostname) &&
    url.pathname.startsWith('/wiki/')
  );
}

function decode(segment: string | undefined): string {
  if (!segment) return '';
  try {
    return decodeURIComponent(segment.replace(/\+/g, ' '));
  } catch {
    return segment.replace(/\+/g, ' ');
  }
}

/** What the URL says about the page: its id, space key and title slug where the URL carries them. */
export function pageFromUrl(url: URL): FromUrl {
  const path = url.pathname.slice(0, 2048);
  const m = PAGE_PATH.exec(path) ?? BLOG_PATH.exec(path);
  if (m) {
    return {
      pageId: PAGE_ID.test(m[2]!) ? m[2] : undefined,
      spaceKey: decode(m[1]),
      slug: decode(m[3]),
      blog: path.includes('/blog/'),
    };
  }
  if (VIEWPAGE_PATH.test(path)) {
    const id = (url.searchParams.get('pageId') ?? '').slice(0, 32);
    return PAGE_ID.test(id) ? { pageId: id } : {};
  }
  return {};
}

function meta(document: Document, name: string, max = 1024): string {
  return cleanText(attr(document.querySelector(`meta[name="${name}"]`), 'content', max), max);
}

/** The page ids the page states, best first: AJS meta tags, then `data-page-id`. */
const ID_META = ['ajs-page-id', 'ajs-latest-page-id', 'ajs-content-id'];

function idsFromPage(document: Document): string[] {
  const ids = ID_META.map((name) => meta(document, name, 32));
  const marked = document.querySelector('#main-content[data-page-id]') ?? document.querySelector('[data-page-id]');
  ids.push(attr(marked, 'data-page-id', 32));
  return ids.filter((id) => PAGE_ID.test(id));
}

/** `Title - Space name - Confluence` → `Title` (a title may itself contain ` - `, so only the ends are cut). */
function titleFromDocumentTitle(document: Document): string {
  const full = cleanText(document.querySelector('title')?.textContent ?? '', 1200);
  if (!TITLE_SUFFIX.test(full)) return '';
  const parts = full.replace(TITLE_SUFFIX, '').split(' - ');
  return cleanText((parts.length > 1 ? parts.slice(0, -1) : parts).join(' - '), 1024);
}

function fileName(title: string, pageId: string): string {
  const base = title
    .replace(/[^\p{L}\p{N} ._()-]+/gu, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
  return `${base || `page-${pageId}`}.doc`;
}

function detectPage(document: Document, url: URL): Detection[] {
  if (!isConfluenceCloud(url) || EDIT_PATH.test(url.pathname)) return [];
  const fromUrl = pageFromUrl(url);
  const fromPage = idsFromPage(document);
  const rendered = document.querySelector('[data-testid="renderer-document"], .ak-renderer-document') !== null;
  // The page must show a page: an AJS/`data-page-id` id or the renderer; the URL alone could be a page still loading.
  if (fromPage.length === 0 && !rendered) return [];
  // Ids in the page that all differ from the URL's: the single-page app is between two pages; it is re-detected.
  if (fromUrl.pageId && fromPage.length > 0 && !fromPage.includes(fromUrl.pageId)) return [];
  const pageId = fromUrl.pageId ?? fromPage[0];
  if (!pageId) return [];

  const metaTitle = meta(document, 'ajs-page-title');
  const docTitle = titleFromDocumentTitle(document);
  const slugTitle = cleanText(fromUrl.slug, 1024);
  const title = metaTitle || docTitle || slugTitle;
  if (!title) return [];

  const via = fromUrl.pageId
    ? 'url-id'
    : ID_META.some((name) => meta(document, name, 32) === pageId)
      ? 'ajs-meta'
      : 'data-attribute';
  const spaceKey = [fromUrl.spaceKey, meta(document, 'ajs-space-key', 255)].find((k) => k && SPACE_KEY.test(k));
  const contentType = meta(document, 'ajs-content-type', 32);

  const identifiers: Record<string, string> = { pageId };
  if (spaceKey) identifiers.spaceKey = spaceKey;
  const spaceName = meta(document, 'ajs-space-name', 1024);
  if (spaceName) identifiers.spaceName = spaceName;
  const kind = contentType === 'blogpost' || fromUrl.blog ? 'blogpost' : contentType === 'page' ? 'page' : '';
  if (kind) identifiers.contentType = kind;
  const version = meta(document, 'ajs-page-version', 16);
  if (/^\d{1,9}$/.test(version)) identifiers.version = version;
  const parent = meta(document, 'ajs-parent-page-id', 32);
  if (PAGE_ID.test(parent)) identifiers.parentPageId = parent;

  // Author and dates are not in the Cloud page (patterns.json: only the REST API has them); capture reads them.
  const metadata: Metadata = { mimeType: 'application/msword', identifiers };

  return [
    {
      source: {
        app: 'confluence',
        kind: 'document',
        url: url.href,
        sourceId: `confluence:${url.hostname}:${pageId}`,
      },
      title,
      metadata,
      capture: {
        parts: [
          {
            source: 'fetch',
            url: `https://${url.hostname}/wiki/exportword?pageId=${pageId}`,
            name: fileName(title, pageId),
            mimeType: 'application/msword',
            role: 'primary',
          },
        ],
      },
      via,
    },
  ];
}

export const confluence: Detector = {
  id: 'confluence',
  hosts: ['https://*.atlassian.net/wiki/*'],
  matches: isConfluenceCloud,
  detect(document, url) {
    try {
      return detectPage(document, url);
    } catch {
      return [];
    }
  },
};
