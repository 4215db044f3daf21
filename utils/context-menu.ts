import type { Detection } from './detectors/types';

export const MENU_ID = 'declare-as-record';
/** A context-menu click counts for the popup that opens right after it, not forever. */
export const CONTEXT_TTL_MS = 2 * 60_000;

export interface PendingContext {
  kind: 'page' | 'link' | 'selection';
  at: number;
  pageUrl?: string | undefined;
  pageTitle?: string | undefined;
  linkUrl?: string | undefined;
  linkText?: string | undefined;
  selectionText?: string | undefined;
}

const clip = (text: string | undefined, max: number) => text?.replace(/\s+/g, ' ').trim().slice(0, max) || undefined;

function isWebUrl(url: string | undefined): url is string {
  try {
    return !!url && /^https?:$/.test(new URL(url).protocol);
  } catch {
    return false;
  }
}

/**
 * The popup after "Declare as record": a link becomes an item of its own, listed first; a selection travels
 * with the page's item as its description. A stale click changes nothing.
 */
export function withContext(detections: Detection[], context: PendingContext | undefined, now: number): Detection[] {
  if (!context || now - context.at > CONTEXT_TTL_MS) return detections;
  if (context.kind === 'link' && isWebUrl(context.linkUrl)) {
    const link: Detection = {
      source: { app: 'generic', kind: 'page', url: context.linkUrl, sourceId: context.linkUrl.split('#')[0]! },
      title: clip(context.linkText, 1024) ?? context.linkUrl.slice(0, 1024),
      metadata: {},
      capture: { parts: [] },
      via: 'context-menu-link',
    };
    return [link, ...detections];
  }
  const selection = clip(context.selectionText, 8192);
  if (context.kind === 'selection' && selection) {
    const [first, ...rest] = detections;
    if (first) return [{ ...first, metadata: { ...first.metadata, description: selection } }, ...rest];
    if (isWebUrl(context.pageUrl)) {
      return [
        {
          source: { app: 'generic', kind: 'page', url: context.pageUrl, sourceId: context.pageUrl.split('#')[0]! },
          title: clip(context.pageTitle, 1024) ?? context.pageUrl.slice(0, 1024),
          metadata: { description: selection },
          capture: { parts: [] },
          via: 'context-menu-selection',
        },
      ];
    }
  }
  return detections;
}
