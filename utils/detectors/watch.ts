import { throttle } from '../throttle';

/** How often a busy page is re-detected at most. */
export const REDETECT_INTERVAL_MS = 1000;

/**
 * Calls `onChange` after the page changes — DOM mutations and single-page-app navigation — at most once per
 * interval and once more after the last change. The observer callback itself only arms a timer, so a page
 * mutating thousands of times a second pays almost nothing.
 */
export function watchForChanges(onChange: () => void, signal: AbortSignal, intervalMs = REDETECT_INTERVAL_MS): void {
  const changed = throttle(onChange, intervalMs);
  const observer = new MutationObserver(changed);
  observer.observe(document.documentElement, { childList: true, subtree: true });
  addEventListener('hashchange', changed, { signal });
  addEventListener('popstate', changed, { signal });
  signal.addEventListener('abort', () => {
    observer.disconnect();
    changed.cancel();
  });
}
