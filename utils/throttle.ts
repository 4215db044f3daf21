/**
 * Calls `fn` at most once per `ms`, always with a trailing call after the last trigger, so the final state of a
 * busy page is seen without running on every mutation.
 */
export function throttle(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastRun = Number.NEGATIVE_INFINITY;
  const run = () => {
    timer = undefined;
    lastRun = Date.now();
    fn();
  };
  const throttled = () => {
    if (timer !== undefined) return;
    timer = setTimeout(run, Math.max(0, lastRun + ms - Date.now()));
  };
  throttled.cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return throttled;
}
