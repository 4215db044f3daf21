import DOMPurify from 'dompurify';
import type { FetchResult } from '../messaging';
import { bytesToBase64 } from './bytes';

export interface SnapshotLimits {
  /** Same-origin images inlined as data: URLs, at most this many bytes in all. */
  imageBytes: number;
  images: number;
  /** The snapshot as a whole, after sanitising. */
  totalBytes: number;
}

export const SNAPSHOT_LIMITS: SnapshotLimits = {
  imageBytes: 8 * 1024 * 1024,
  images: 100,
  totalBytes: 24 * 1024 * 1024,
};

/** The CSS the page has applied, read from its style sheets; cross-origin sheets cannot be read and stay links. */
function collectCss(document: Document): { css: string; external: string[] } {
  let css = '';
  const external: string[] = [];
  for (const sheet of Array.from(document.styleSheets)) {
    try {
      css += `${Array.from(sheet.cssRules, (rule) => rule.cssText).join('\n')}\n`;
    } catch {
      if (sheet.href) external.push(sheet.href);
    }
  }
  return { css, external };
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

async function toDataUrl(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  return `data:${blob.type || 'application/octet-stream'};base64,${bytesToBase64(bytes)}`;
}

/** Replaces same-origin images by data: URLs, within the limits, so the snapshot shows them offline. */
async function inlineImages(
  root: ParentNode,
  base: URL,
  fetchImpl: typeof fetch,
  limits: SnapshotLimits,
): Promise<void> {
  let budget = limits.imageBytes;
  const images = Array.from(root.querySelectorAll('img[src]')).slice(0, limits.images);
  for (const image of images) {
    const src = new URL(image.getAttribute('src') ?? '', base);
    if (src.origin !== base.origin) {
      image.setAttribute('src', src.href);
      continue;
    }
    try {
      const response = await fetchImpl(src.href, { credentials: 'include' });
      // Redirected to another site: the image stays a link, its bytes unread.
      if (response.url && new URL(response.url).origin !== base.origin) {
        image.setAttribute('src', src.href);
        continue;
      }
      const blob = await response.blob();
      if (!response.ok || !blob.type.startsWith('image/') || blob.size > budget) continue;
      budget -= blob.size;
      image.setAttribute('src', await toDataUrl(blob));
      image.removeAttribute('srcset');
    } catch {
      // The image stays a link; the snapshot is still complete as text.
    }
  }
}

/**
 * A self-contained, sanitised HTML copy of the page: scripts, event handlers, frames and forms removed by
 * DOMPurify; the page's CSS inlined; same-origin images inlined. It reads the page and never changes it.
 */
export async function snapshotPage(
  document: Document,
  pageUrl: string,
  capturedAt: Date,
  fetchImpl: typeof fetch = fetch,
  limits: SnapshotLimits = SNAPSHOT_LIMITS,
): Promise<FetchResult> {
  const base = new URL(pageUrl);
  const purify = DOMPurify(document.defaultView ?? window);
  const clean = purify.sanitize(document.documentElement.outerHTML, {
    WHOLE_DOCUMENT: true,
    RETURN_DOM: true,
    FORBID_TAGS: ['script', 'noscript', 'iframe', 'frame', 'object', 'embed', 'form', 'link', 'meta', 'base'],
    FORBID_ATTR: ['srcdoc', 'ping'],
  }) as HTMLElement;
  // A detached copy: inlining images never touches the page's own nodes.
  await inlineImages(clean, base, fetchImpl, limits);

  const { css, external } = collectCss(document);
  const title = document.title.slice(0, 1024);
  const head = [
    '<meta charset="utf-8">',
    `<meta name="recordkeeper:source" content="${escapeAttribute(base.href)}">`,
    `<meta name="recordkeeper:captured-at" content="${capturedAt.toISOString()}">`,
    `<base href="${escapeAttribute(base.href)}">`,
    ...external.map((href) => `<link rel="stylesheet" href="${escapeAttribute(href)}">`),
    `<style>${css.replace(/<\/style/gi, '<\\/style')}</style>`,
  ].join('\n');
  const body = clean.querySelector('body')?.outerHTML ?? '<body></body>';
  const lang = escapeAttribute(document.documentElement.getAttribute('lang') ?? '');
  const html = `<!doctype html>\n<html${lang ? ` lang="${lang}"` : ''}>\n<head>\n${head}\n<title>${escapeAttribute(title)}</title>\n</head>\n${body}\n</html>\n`;
  const bytes = new TextEncoder().encode(html);
  if (bytes.byteLength > limits.totalBytes) {
    return {
      ok: false,
      error: `The page snapshot is ${bytes.byteLength} bytes, over the ${limits.totalBytes}-byte limit.`,
    };
  }
  return { ok: true, base64: bytesToBase64(bytes), mimeType: 'text/html' };
}
