/**
 * Declarations go first. What the user waits for between Enter and "Declared" shares the service worker's one
 * thread and the outbox's IndexedDB with the drain: a send's request and its outbox writes, and the toolbar
 * badge's counts, which visit every row waiting to retry or needing attention. So while a declaration is in
 * progress the drain takes no new record and holds back its own outbox writes; and while declarations come in a
 * run (one started within `settleMs` of the previous one's end: a tool, a bulk action), it also waits `settleMs`
 * after each, since the next is about to come. After a lone declaration it goes at once, so that declaration's
 * receipt is not delayed. It never waits longer than `maxWaitMs` at a time, so a steady stream of declarations
 * slows the drain down but cannot stop it.
 */

/** Declarations that follow each other within this are a run; the drain waits this long after each of a run. */
export const SETTLE_MS = 50;

/** The longest the drain yields at a time. Below the outbox's SENDING_STALE_MS, so a row it holds stays its own. */
export const MAX_YIELD_MS = 2_000;

export interface Priority {
  /** Runs a declaration: the drain yields to it while it runs, and for `settleMs` after it when it is part of a run. */
  during<T>(work: () => Promise<T>): Promise<T>;
  /** Resolves once no declaration runs (and, after a run, none has for `settleMs`), or after `maxWaitMs` at most. */
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
  /** Whether the latest declaration started within `settleMs` of the one before it ended. */
  let inRun = false;
  /** Woken when a declaration ends, so that a waiting drain counts its settling time from then. */
  let ended: (() => void)[] = [];
  return {
    async during(work) {
      inRun = running > 0 || timers.now() - lastEnded < settleMs;
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
        if (now >= deadline || (running === 0 && (!inRun || quietFor >= settleMs))) return;
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
