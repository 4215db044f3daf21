import type { Metadata } from '../records/record';
import { attr, cleanText, decodePart, plainFileName } from './text';
import type { Detection, Detector } from './types';

/**
 * Confluence Cloud (`<site>.atlassian.net/wiki`) and Confluence Server / Data Center on the organisation's own host:
 * the page or blog post being viewed.
 *
 * The page id comes from the URL (`/pages/<id>`, `/blog/[yyyy/mm/dd/]<id>`, `viewpage.action?pageId=`), else from
 * the AJS meta tags (`ajs-page-id`, `ajs-latest-page-id`, `ajs-content-id`), else from `[data-page-id]`. Either
 * way the page must show that it is a Confluence page (an AJS page id or the Atlaskit renderer), so the home
 * dashboard, search and a page still loading give nothing. The editor (`/pages/edit-v2/<id>`) gives nothing too:
 * what it shows is an unpublished draft, while the export would fetch the published version.
 *
 * Server and Data Center live on any host, under any context path (`https://wiki.example.org/confluence/…`), with
 * the URL shapes `/display/<SPACE>/<Title>`, `/pages/viewpage.action?pageId=<id>`, `/spaces/<SPACE>/pages/<id>/…`
 * and `/x/<tiny>`. There the URL alone proves nothing, so the page must carry Confluence's own AJS page-id meta tag
 * (Server and Data Center always write the full AJS set; Cloud only some of it). `ajs-context-path` says where the
 * application lives, so the export URL is right under any context path.
 *
 * Capture is the Word export (`<context path>/exportword?pageId=`), which Confluence answers directly with a `.doc`
 * (MHTML) on Cloud, Server and Data Center alike. The PDF export is not offered: on Cloud it starts an asynchronous
 * task and returns an HTML shell, not the PDF.
 *
 * URL shapes and AJS meta names as public Confluence tools read them: the AJS set of a Server page is the one
 * `ajs-page-id`, `ajs-space-key`, `ajs-context-path`, `ajs-version-number` (see fixtures/confluence/SOURCES.md).
 */

const PAGE_ID = /^[1-9]\d{0,19}$/;
const SPACE_KEY = /^~?[A-Za-z0-9_-]{1,255}$/;
/** An optional context path (`/wiki` on Cloud, `/confluence` or nothing on Server), then the Confluence route. */
const PREFIX = '^((?:/[A-Za-z0-9._~-]{1,64}){0,3}?)';
const PAGE_PATH = new RegExp(`${PREFIX}/spaces/([^/]{1,255})/pages/(\\d{1,20})(?:/([^/]{0,1024}))?/?$`);
const BLOG_PATH = new RegExp(
  `${PREFIX}/spaces/([^/]{1,255})/blog/(?:\\d{4}/\\d{2}/\\d{2}/)?(\\d{1,20})(?:/([^/]{0,1024}))?/?$`,
);
const DISPLAY_PATH = new RegExp(`${PREFIX}/display/([^/]{1,255})/([^/]{1,1024})/?$`);
const EDIT_PATH = /\/spaces\/[^/]{1,255}\/pages\/(?:edit-v2|edit|resumedraft)\//;
const VIEWPAGE_PATH = new RegExp(`${PREFIX}/(?:spaces/[^/]{1,255}/)?pages/viewpage\\.action$`);
const TINY_PATH = new RegExp(`${PREFIX}/x/[A-Za-z0-9_-]{1,32}/?$`);
const CLOUD_HOST = /^[a-z0-9][a-z0-9-]{0,62}\.atlassian\.net$/;
const TITLE_SUFFIX = /\s+-\s+Confluence$/;
const CONTEXT_PATH = /^(?:\/[A-Za-z0-9._~-]{1,64}){0,3}$/;

interface FromUrl {
  pageId?: string;
  spaceKey?: string;
  slug?: string;
  blog?: boolean;
  /** Where Confluence lives on its host, as the URL shows it (`/wiki`, `/confluence`, or nothing). */
  contextPath?: string;
}

function isCloud(url: URL): boolean {
  return url.protocol === 'https:' && CLOUD_HOST.test(url.hostname) && url.pathname.startsWith('/wiki/');
}

/** A Confluence route on any host: Cloud's `/wiki/…`, or a Server / Data Center page shape under any context path. */
function isConfluenceUrl(url: URL): boolean {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  if (CLOUD_HOST.test(url.hostname)) return isCloud(url);
  const path = url.pathname.slice(0, 2048);
  return [PAGE_PATH, BLOG_PATH, DISPLAY_PATH, VIEWPAGE_PATH, TINY_PATH].some((shape) => shape.test(path));
}

function decode(segment: string | undefined): string {
  return segment ? decodePart(segment, true) : '';
}

/** What the URL says about the page: its id, space key and title slug where the URL carries them. */
export function pageFromUrl(url: URL): FromUrl {
  const path = url.pathname.slice(0, 2048);
  const m = PAGE_PATH.exec(path) ?? BLOG_PATH.exec(path);
  if (m) {
    return {
      pageId: PAGE_ID.test(m[3]!) ? m[3] : undefined,
      spaceKey: decode(m[2]),
      slug: decode(m[4]),
      blog: path.includes('/blog/'),
      contextPath: m[1],
    };
  }
  const display = DISPLAY_PATH.exec(path);
  if (display) return { spaceKey: decode(display[2]), slug: decode(display[3]), contextPath: display[1] };
  const viewpage = VIEWPAGE_PATH.exec(path);
  if (viewpage) {
    const id = (url.searchParams.get('pageId') ?? '').slice(0, 32);
    return PAGE_ID.test(id) ? { pageId: id, contextPath: viewpage[1] } : { contextPath: viewpage[1] };
  }
  const tiny = TINY_PATH.exec(path);
  return tiny ? { contextPath: tiny[1] } : {};
}

function meta(document: Document, name: string, max = 1024): string {
  return cleanText(attr(document.querySelector(`meta[name="${name}"]`), 'content', max), max);
}

/** The page ids the page states, best first: AJS meta tags, then `data-page-id`. */
const ID_META = ['ajs-page-id', 'ajs-latest-page-id', 'ajs-content-id'];

function idsFromMeta(document: Document): string[] {
  return ID_META.map((name) => meta(document, name, 32)).filter((id) => PAGE_ID.test(id));
}

function idsFromPage(document: Document): string[] {
  const ids = idsFromMeta(document);
  const marked = document.querySelector('#main-content[data-page-id]') ?? document.querySelector('[data-page-id]');
  const marker = attr(marked, 'data-page-id', 32);
  if (PAGE_ID.test(marker)) ids.push(marker);
  return ids;
}

/** `Title - Space name - Confluence` → `Title` (a title may itself contain ` - `, so only the ends are cut). */
function titleFromDocumentTitle(document: Document): string {
  const full = cleanText(document.querySelector('title')?.textContent ?? '', 1200);
  if (!TITLE_SUFFIX.test(full)) return '';
  const parts = full.replace(TITLE_SUFFIX, '').split(' - ');
  return cleanText((parts.length > 1 ? parts.slice(0, -1) : parts).join(' - '), 1024);
}

function fileName(title: string, pageId: string): string {
  return `${plainFileName(title) || `page-${pageId}`}.doc`;
}

/** The application's base: `ajs-context-path` when the page states it, else what the URL shows. */
function contextPath(document: Document, fromUrl: FromUrl, url: URL): string {
  const element = document.querySelector('meta[name="ajs-context-path"]');
  const stated = attr(element, 'content', 200);
  if (element && CONTEXT_PATH.test(stated) && url.pathname.startsWith(`${stated}/`)) return stated;
  return fromUrl.contextPath ?? (isCloud(url) ? '/wiki' : '');
}

function detectPage(document: Document, url: URL): Detection[] {
  if (!isConfluenceUrl(url) || EDIT_PATH.test(url.pathname)) return [];
  const cloud = isCloud(url);
  const fromUrl = pageFromUrl(url);
  // Off Cloud the URL shape is common enough (`/display/…`) that only Confluence's own AJS page id proves the app.
  const fromMeta = idsFromMeta(document);
  if (!cloud && fromMeta.length === 0) return [];
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

  const via = fromUrl.pageId ? 'url-id' : fromMeta.includes(pageId) ? 'ajs-meta' : 'data-attribute';
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
  if (!cloud) identifiers.edition = 'server';

  // Author and dates are not in the Cloud page (only the REST API has them); capture reads them.
  const metadata: Metadata = { mimeType: 'application/msword', identifiers };
  const base = `${url.origin}${contextPath(document, fromUrl, url)}`;

  return [
    {
      source: {
        app: 'confluence',
        kind: 'document',
        url: url.href,
        sourceId: `confluence:${url.host}:${pageId}`,
      },
      title,
      metadata,
      capture: {
        parts: [
          {
            source: 'fetch',
            url: `${base}/exportword?pageId=${pageId}`,
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

/** Confluence's version (`ajs-version-number`, with `ajs-build-number` where given), on Server and Cloud alike. */
export function atlassianBuild(document: Document): string | undefined {
  const version = attr(document.querySelector('meta[name="ajs-version-number"]'), 'content', 64);
  const build = attr(document.querySelector('meta[name="ajs-build-number"]'), 'content', 16);
  if (!/^[\w.-]{1,48}$/.test(version)) return undefined;
  return /^\d{1,12}$/.test(build) ? `${version}+${build}` : version;
}

export const confluence: Detector = {
  id: 'confluence',
  hosts: ['https://*.atlassian.net/wiki/*'],
  matches: isConfluenceUrl,
  detect: detectPage,
  expectsItem: (url) => isConfluenceUrl(url) && !EDIT_PATH.test(url.pathname) && pageFromUrl(url).pageId !== undefined,
  build: atlassianBuild,
};
