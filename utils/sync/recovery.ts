/**
 * When to look again after the repository could not be reached. The backstop is the browser's alarm, which MV3
 * release builds of Chrome never fire sooner than 30 s after it is set (developer.chrome.com/docs/extensions/
 * reference/api/alarms: "setting delayInMinutes or periodInMinutes to less than 0.5 will not be honored").
 * While the worker lives, a plain timer probes sooner — a failed probe costs one refused request — so that a
 * repository that answers again is noticed within seconds, and the drain that notices it sends everything due.
 */

/**
 * Probes while the repository stays unreachable: every second for the first minute of an outage, so that a
 * restart or a deploy is noticed within a second of the repository answering again; then every few seconds. A
 * probe is one request that fails (refused, or no answer in time), and only one is ever in flight.
 */
const PROBE_QUICK_MS = 1_000;
export const PROBE_QUICK_FOR_MS = 60_000;
const PROBE_SLOW_MS = 3_000;

/**
 * How long the probes go on after the repository was first found unreachable. Past it (a laptop on a
 * train), only the alarm and the `online` event wake the drain: a worker is not kept busy for hours of probing.
 */
export const PROBE_WINDOW_MS = 10 * 60_000;

/** The shortest alarm the browsers honour (Chrome MV3 release builds clamp shorter ones to this). */
export const ALARM_MIN_MS = 30_000;

export interface RecoveryTimers {
  now: () => number;
  setTimeout: (run: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}

export interface Recovery {
  /**
   * Call after each drain that ran: `unreachable` when its last word from the repository was no answer at all.
   * Arms the next probe, or disarms it once the repository answered.
   */
  afterDrain(unreachable: boolean): void;
  /** When the next probe fires (epoch ms), if one is armed. */
  nextProbeAt(): number | undefined;
  /** Drops an armed probe (a drain starts anyway, for another reason). */
  cancel(): void;
}

/** The probe schedule of one worker: `probe` runs a drain; at most one probe is ever armed. */
export function recoveryScheduler(
  probe: () => void,
  timers: RecoveryTimers = {
    now: Date.now,
    setTimeout: (run, ms) => setTimeout(run, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  },
): Recovery {
  let handle: unknown;
  let at: number | undefined;
  /** When the repository was first found unreachable in this outage. */
  let since: number | undefined;
  const cancel = () => {
    if (handle !== undefined) timers.clearTimeout(handle);
    handle = undefined;
    at = undefined;
  };
  return {
    afterDrain(unreachable) {
      cancel();
      if (!unreachable) {
        since = undefined;
        return;
      }
      const now = timers.now();
      since ??= now;
      if (now - since >= PROBE_WINDOW_MS) return;
      const delay = now - since < PROBE_QUICK_FOR_MS ? PROBE_QUICK_MS : PROBE_SLOW_MS;
      at = now + delay;
      handle = timers.setTimeout(() => {
        handle = undefined;
        at = undefined;
        probe();
      }, delay);
    },
    nextProbeAt: () => at,
    cancel,
  };
}

/**
 * When the backstop alarm should fire after a drain (epoch ms), or undefined for none: at the next retry that
 * falls due, but no later than ALARM_MIN_MS from now while the repository is unreachable (the browser may clamp
 * it later still), and at least a second from now.
 */
export function backstopAt(now: number, nextDue: number | undefined, unreachable: boolean): number | undefined {
  const wanted = unreachable ? Math.min(nextDue ?? Number.POSITIVE_INFINITY, now + ALARM_MIN_MS) : nextDue;
  return wanted === undefined ? undefined : Math.max(wanted, now + 1000);
}
