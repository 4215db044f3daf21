import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import type { Detection } from '../../utils/detectors/types.ts';

/**
 * The apps' pages, served at their real URLs: the end-to-end page of a detector's fixtures
 * (`utils/detectors/fixtures/<site>/index.json`, the entry whose file starts with `e2e-`) or of this folder's own
 * fixtures (`tests/e2e/fixtures/<site>/index.json`), with the files the page's capture downloads (`serve`).
 */

export interface SitePage {
  site: string;
  url: string;
  html: Buffer;
  /** The detections the page gives (empty where none are listed: a site plugin's page). */
  expected: Detection[];
  /** Files served beside the page, by URL. */
  files: Record<string, Buffer>;
}

interface IndexEntry {
  file: string;
  url: string;
  expected?: string;
  serve?: Record<string, string>;
}

const ROOTS = ['utils/detectors/fixtures', 'tests/e2e/fixtures'];

export function sitePage(site: string): SitePage {
  const dir = ROOTS.map((root) => join(root, site)).find((d) => existsSync(join(d, 'index.json')));
  if (!dir) throw new Error(`No fixtures for ${site} in ${ROOTS.join(' or ')}`);
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as IndexEntry[];
  const entry = index.find((e) => e.file.startsWith('e2e-')) ?? (index.length === 1 ? index[0] : undefined);
  if (!entry) throw new Error(`${dir}/index.json has no e2e page`);
  const read = (file: string) => readFileSync(join(dir, file));
  return {
    site,
    url: entry.url,
    html: read(entry.file),
    expected: entry.expected ? JSON.parse(read(entry.expected).toString('utf8')) : [],
    files: Object.fromEntries(Object.entries(entry.serve ?? {}).map(([url, file]) => [new URL(url).href, read(file)])),
  };
}

const TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xml': 'application/xml',
  '.eml': 'message/rfc822',
};

export interface Answer {
  status: number;
  body: Buffer;
  contentType: string;
}

/**
 * What the site answers at `url`: the page itself at its URL (less the fragment, which never reaches a server),
 * each served file at its URL, and 404 for anything else, so a request the test did not plan fails loudly.
 */
export function answer(page: SitePage, url: string): Answer {
  const requested = new URL(url);
  const file = page.files[requested.href];
  if (file) {
    return { status: 200, body: file, contentType: TYPES[extname(requested.pathname)] ?? 'application/octet-stream' };
  }
  const at = new URL(page.url);
  at.hash = '';
  requested.hash = '';
  if (requested.href === at.href) return { status: 200, body: page.html, contentType: 'text/html; charset=utf-8' };
  return { status: 404, body: Buffer.from('Not found'), contentType: 'text/plain' };
}

export interface ServedSite extends SitePage {
  /** Every URL the browser requested from the site's origin, in order. */
  requests: string[];
}

/**
 * Routes the site's origin in the browser context to its fixture page and files. `files` replaces or adds served
 * files (a 40 MB download, say); serving the origin again replaces the earlier route.
 */
export async function serveSite(
  context: BrowserContext,
  site: string | SitePage,
  files: Record<string, Buffer> = {},
): Promise<ServedSite> {
  const base = typeof site === 'string' ? sitePage(site) : site;
  const served: ServedSite = { ...base, files: { ...base.files, ...files }, requests: [] };
  const origin = new URL(served.url).origin;
  await context.unroute(`${origin}/**`);
  await context.route(`${origin}/**`, (route) => {
    const url = route.request().url();
    served.requests.push(url);
    const { status, body, contentType } = answer(served, url);
    return route.fulfill({ status, body, contentType });
  });
  return served;
}
