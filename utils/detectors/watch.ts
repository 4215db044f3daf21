/**
 * When a content script re-detects. Web apps change their pages all the time (a Gmail inbox re-renders rows,
 * timestamps and presence dots every few seconds), and each re-detection walks a page of tens of thousands of
 * elements, so it waits for the page to settle, and backs off while the page keeps changing on its own without
 * changing the answer. Measured by `npm run bench:detect` (bench/detection.ts, "redetectionPer1000Mutations").
 */
export interface RedetectTiming {
  /** Re-detect once the page has been still this long. */
  settleMs: number;
  /** …or after this long of uninterrupted change: the first wait, and the wait after a navigation or user input. */
  intervalMs: number;
  /** The longest wait, reached by doubling while the page keeps changing and the answer stays the same. */
  maxIntervalMs: number;
}

export const REDETECT_TIMING: RedetectTiming = { settleMs: 250, intervalMs: 1000, maxIntervalMs: 8000 };

/** What the user does that may change what is declarable (selecting a row, opening an item): waits shrink again. */
const INPUT_EVENTS = ['pointerdown', 'keydown'] as const;

/**
 * Calls `onChange` after the page changes — DOM mutations and single-page-app navigation — once the changes settle
 * (`settleMs` without a mutation), or while they go on, once per interval. `onChange` says whether its answer
 * changed; while it does not, the interval doubles up to `maxIntervalMs`. A navigation (hash, history, a new URL)
 * or the user's input brings it back to `intervalMs`. A hidden tab is not re-detected until it is shown again.
 * The observer callback only notes the time and arms a timer, so a page mutating thousands of times a second pays
 * almost nothing.
 */
export function watchForChanges(
  onChange: () => boolean,
  signal: AbortSignal,
  timing: RedetectTiming = REDETECT_TIMING,
): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let firstChange = 0;
  let lastChange = 0;
  let interval = timing.intervalMs;
  let href = location.href;
  let pendingWhileHidden = false;

  const run = () => {
    timer = undefined;
    if (document.visibilityState === 'hidden') {
      pendingWhileHidden = true;
      return;
    }
    const answerChanged = onChange();
    const navigated = location.href !== href;
    href = location.href;
    interval = answerChanged || navigated ? timing.intervalMs : Math.min(interval * 2, timing.maxIntervalMs);
  };
  const check = () => {
    const now = Date.now();
    const settledAt = lastChange + timing.settleMs;
    const deadline = firstChange + interval;
    if (now >= settledAt || now >= deadline) run();
    else timer = setTimeout(check, Math.min(settledAt, deadline) - now);
  };
  const changed = () => {
    lastChange = Date.now();
    if (timer !== undefined) return;
    firstChange = lastChange;
    timer = setTimeout(check, timing.settleMs);
  };
  const navigated = () => {
    interval = timing.intervalMs;
    changed();
  };
  const input = () => {
    interval = timing.intervalMs;
  };
  const shown = () => {
    if (document.visibilityState !== 'hidden' && pendingWhileHidden) {
      pendingWhileHidden = false;
      changed();
    }
  };

  const observer = new MutationObserver(changed);
  observer.observe(document.documentElement, { childList: true, subtree: true });
  addEventListener('hashchange', navigated, { signal });
  addEventListener('popstate', navigated, { signal });
  for (const type of INPUT_EVENTS) addEventListener(type, input, { signal, capture: true, passive: true });
  document.addEventListener('visibilitychange', shown, { signal });
  signal.addEventListener('abort', () => {
    observer.disconnect();
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  });
}

/**
 * Keeps the toolbar badge right: counts the declarable items now and after every change (as `watchForChanges`
 * paces it), and sends the count only when it differs from the last one sent. A send that fails (the background
 * restarting) is sent again on the next change.
 */
export function reportCount(
  count: () => number,
  send: (count: number) => Promise<unknown>,
  signal: AbortSignal,
  timing: RedetectTiming = REDETECT_TIMING,
): void {
  let lastCount = -1;
  const report = () => {
    const current = count();
    if (current === lastCount) return false;
    lastCount = current;
    send(current).catch(() => {
      lastCount = -1;
    });
    return true;
  };
  report();
  watchForChanges(report, signal, timing);
}
