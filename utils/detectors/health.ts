import { counterKey, type HealthEvent, type HealthProblem } from '../health/events';
import type { Problem } from './runner';

/**
 * The seam between the runner and detector health (utils/health/): the content script's reporter that sends each
 * countable event of the runner's runs (`DetectorRun.health`) once per page view. Nothing here reads the page: events carry
 * detector ids, app names, problem kinds and build markers only.
 */

/** The runner's problem kinds and the ones the repository takes are the same list (utils/health/events.ts). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const sameProblems: Same<Problem, HealthProblem> = true;
void sameProblems;

/** How long a page may take to show its item before "the URL names an item, nothing found" counts. */
export const MISSED_SETTLE_MS = 10_000;
/** At most this many distinct events per page view: a page that changes its build marker on every change floods nothing. */
export const MAX_EVENTS_PER_PAGE = 20;

export interface HealthReporterOptions {
  /** Hands new events to the background; a failure means they are sent again on the next run. */
  send(events: HealthEvent[]): Promise<unknown>;
  /** Runs the detectors again, so that a "missed" still true once the page has settled is counted. */
  recheck(): void;
  settleMs?: number;
  now?: () => number;
}

export interface HealthReporter {
  /** The events of a run on `url`; each distinct one is sent once per page view. */
  observe(url: string, events: readonly HealthEvent[]): void;
  stop(): void;
}

/**
 * Counts per page view, not per run: the agent re-detects on every change of a busy page, and a broken detector
 * would otherwise be counted a thousand times on one page. A "missed" is counted only when it still holds once the
 * page has had `settleMs` to show its item (an app still loading has not missed anything yet).
 */
export function healthReporter(options: HealthReporterOptions): HealthReporter {
  const settleMs = options.settleMs ?? MISSED_SETTLE_MS;
  const now = options.now ?? Date.now;
  let page = '';
  let since = 0;
  const sent = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;

  const cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };

  return {
    observe(url, events) {
      const at = now();
      if (url !== page) {
        page = url;
        since = at;
        sent.clear();
        cancel();
      }
      const fresh: HealthEvent[] = [];
      for (const event of events) {
        const key = counterKey(event);
        if (sent.has(key) || sent.size >= MAX_EVENTS_PER_PAGE) continue;
        if (event.problem === 'missed' && at - since < settleMs) {
          timer ??= setTimeout(
            () => {
              timer = undefined;
              options.recheck();
            },
            since + settleMs - at,
          );
          continue;
        }
        sent.add(key);
        fresh.push(event);
      }
      if (fresh.length === 0) return;
      options.send(fresh).catch(() => {
        // The background may be restarting: these count again on the next run of this page view.
        for (const event of fresh) sent.delete(counterKey(event));
      });
    },
    stop: cancel,
  };
}
