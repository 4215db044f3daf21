import type { Metadata } from '../records/record';
import { attr, cleanText, decodePart, textOf } from './text';
import type { Detection, Detector } from './types';

/**
 * Notion pages (URL grammar and selectors from `shared/realdata/notion/patterns.json`). The page id is the last
 * 32 hex digits of the last path segment (`/<workspace>/<Title-Slug>-<id>`, `/<id>?v=<viewId>` for a database),
 * or the `p=` parameter when a page is open as a peek over a database; it becomes a dashed UUID. Hosts:
 * `www.notion.so`, `notion.so`, `app.notion.com` (where Notion started redirecting in 2026) and public
 * `<workspace>.notion.site` pages.
 *
 * Title, best first: the heading of the page's own block (`[data-block-id="<uuid>"] h1`, the header's
 * `.notion-page-block`),
 * `<title>` without a " | Notion" suffix, then the slug in the URL. Created/edited by and times are not in the
 * page's markup (only in the private `/api/v3` answers), so they are left out. The record is the page itself:
 * capture is a snapshot. Nothing is detected until the page itself has rendered (`.notion-page-content` or a
 * `[data-block-id]`), so loading, login and "page not found" screens give nothing.
 */

const HEX32 = /([0-9a-f]{32})$/i;
const DASHED = /([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i;
/** A rendered page: its content or its blocks. App chrome alone (loading, "page not found", login) is not enough. */
const PAGE_MARKERS = '.notion-page-content, [data-block-id]';

interface NotionUrl {
  pageId: string;
  slug: string;
  workspace?: string;
  viewId?: string;
  /** The page under a peek (`?p=`): a database or the page it was opened from. */
  parentId?: string;
}

function isNotionHost(host: string): boolean {
  return (
    host === 'www.notion.so' ||
    host === 'notion.so' ||
    host === 'app.notion.com' ||
    /^[a-z0-9-]{1,63}\.notion\.site$/.test(host)
  );
}

/** `0123…cdef` (or already dashed) → `01234567-89ab-cdef-0123-456789abcdef`. */
export function toUuid(id: string): string | undefined {
  const hex = (HEX32.exec(id)?.[1] ?? DASHED.exec(id)?.slice(1).join('') ?? '').toLowerCase();
  return hex
    ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    : undefined;
}

export function parseNotionUrl(url: URL): NotionUrl | null {
  if (url.protocol !== 'https:' || !isNotionHost(url.hostname)) return null;
  const parts = url.pathname.slice(0, 2048).split('/').filter(Boolean);
  const last = parts[parts.length - 1] ?? '';
  const ownId = toUuid(last);
  const peekId = toUuid(url.searchParams.get('p')?.slice(0, 64) ?? '');
  const pageId = peekId ?? ownId;
  if (!pageId || parts.length > 2) return null;
  const out: NotionUrl = { pageId, slug: peekId ? '' : last.replace(HEX32, '').replace(DASHED, '') };
  if (peekId && ownId && ownId !== peekId) out.parentId = ownId;
  const view = toUuid(url.searchParams.get('v')?.slice(0, 64) ?? '');
  if (view && !peekId) out.viewId = view;
  const site = /^([a-z0-9-]+)\.notion\.site$/.exec(url.hostname)?.[1];
  const workspace = parts.length === 2 ? parts[0] : site;
  if (workspace && /^[A-Za-z0-9_-]{1,100}$/.test(workspace)) out.workspace = workspace;
  return out;
}

/** "Records-Retention-Policy-" → "Records Retention Policy". */
function slugTitle(slug: string): string {
  return cleanText(decodePart(slug).replace(/-/g, ' '), 1024);
}

function pageTitle(document: Document, page: NotionUrl): { title: string; via: string } {
  // The page's id also marks its row when a database shows it, so only a block with a title heading counts.
  for (const block of Array.from(document.querySelectorAll(`[data-block-id="${page.pageId}"]`)).slice(0, 20)) {
    const fromBlock = textOf(block.querySelector('h1, [placeholder]'), 1024);
    if (fromBlock) return { title: fromBlock, via: 'data-attribute' };
  }
  // A peek's page is not the document's title: that still names the page underneath.
  if (!page.parentId) {
    const fromTitle = textOf(document.querySelector('title'), 1024)
      .replace(/\s+[|–-]\s+Notion$/i, '')
      .trim();
    if (fromTitle && fromTitle !== 'Notion') return { title: fromTitle, via: 'title' };
  }
  return { title: slugTitle(page.slug) || 'Untitled', via: 'url-id' };
}

function detectNotion(document: Document, url: URL): Detection[] {
  const page = parseNotionUrl(url);
  if (!page || url.href.length > 8192 || !document.querySelector(PAGE_MARKERS)) return [];
  const { title, via } = pageTitle(document, page);
  const metadata: Metadata = { mimeType: 'text/html' };
  // Public pages describe themselves; in the app the description meta is Notion's own slogan.
  if (url.hostname.endsWith('.notion.site')) {
    const meta = document.querySelector('meta[name="description"], meta[property="og:description"]');
    const description = cleanText(attr(meta, 'content', 8192), 8192);
    if (description) metadata.description = description;
  }
  const identifiers: Record<string, string> = { pageId: page.pageId };
  if (page.workspace) identifiers.workspace = page.workspace;
  if (page.viewId) identifiers.viewId = page.viewId;
  if (page.parentId) identifiers.parentId = page.parentId;
  metadata.identifiers = identifiers;
  return [
    {
      source: { app: 'notion', kind: 'page', url: url.href, sourceId: `notion:${page.pageId}` },
      title,
      metadata,
      capture: { parts: [{ source: 'snapshot', name: 'page.html', role: 'primary' }] },
      via,
    },
  ];
}

export const notion: Detector = {
  id: 'notion',
  hosts: ['https://www.notion.so/*', 'https://notion.so/*', 'https://app.notion.com/*', 'https://*.notion.site/*'],
  matches: (url) => parseNotionUrl(url) !== null,
  detect: detectNotion,
  expectsItem: (url) => parseNotionUrl(url) !== null,
};
