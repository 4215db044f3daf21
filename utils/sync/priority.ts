/**
 * Declarations go first. What the user waits for between Enter and "Declared" shares the service worker's one
 * thread and the outbox's IndexedDB with the drain: a send's request and its outbox writes, and the toolbar
 * badge's counts, which visit every row waiting to retry or needing attention. So while a declaration is in
 * progress, and for a moment after the last one (declarations come in runs: an inbox filed message by message),
 * the drain takes no new record and holds back its own outbox writes. It never waits longer than `maxWaitMs` at
 * a time, so a steady stream of declarations slows the drain down but cannot stop it.
 */

/**
 * How long after a declaration the drain waits before it takes its turn. Declarations made one after another by a
 * tool or a bulk action follow each other within a few ms, so this is enough to keep the drain out of such a run,
 * while a single declaration's receipt (the user's "declare → receipt", ≤ 250 ms) is delayed by no more.
 */
export const SETTLE_MS = 50;

/** The longest the drain yields at a time. Below the outbox's SENDING_STALE_MS, so a row it holds stays its own. */
export const MAX_YIELD_MS = 2_000;

export interface Priority {
  /** Runs a declaration: the drain yields to it while it runs and for `settleMs` after. */
  during<T>(work: () => Promise<T>): Promise<T>;
  /** Resolves once no declaration has run for `settleMs`, or after `maxWaitMs` at most. */
  idle(): Promise<void>;
}

export interface PriorityTimers {
  now: () => number;
  setTimeout: (run: () => void, ms: number) => unknown;
}

export function priorityGate(
  settleMs = SETTLE_MS,
  maxWaitMs = MAX_YIELD_MS,
  timers: PriorityTimers = { now: Date.now, setTimeout: (run, ms) => setTimeout(run, ms) },
): Priority {
  let running = 0;
  let lastEnded = Number.NEGATIVE_INFINITY;
  /** Woken when a declaration ends, so that a waiting drain counts its settling time from then. */
  let ended: (() => void)[] = [];
  return {
    async during(work) {
      running += 1;
      try {
        return await work();
      } finally {
        running -= 1;
        lastEnded = timers.now();
        const wake = ended;
        ended = [];
        for (const resolve of wake) resolve();
      }
    },
    async idle() {
      const deadline = timers.now() + maxWaitMs;
      for (;;) {
        const now = timers.now();
        const quietFor = now - lastEnded;
        if (now >= deadline || (running === 0 && quietFor >= settleMs)) return;
        const wait = Math.min(deadline - now, running ? maxWaitMs : settleMs - quietFor);
        await new Promise<void>((resolve) => {
          if (running) ended.push(resolve);
          timers.setTimeout(resolve, wait);
        });
      }
    },
  };
}

/** Nothing to yield to: the drain's default outside the worker (tests, tools). */
export const NO_PRIORITY: Priority = { during: (work) => work(), idle: async () => undefined };
