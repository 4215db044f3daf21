import * as v from 'valibot';
import { BUILD, type CountBody, counterKey, type HealthEvent, NAME, PROBLEMS } from './events';

/**
 * The health counters this browser keeps: one per detector, app, build and problem, with how many page views
 * showed it and when it was first and last seen. Pure: utils/health/store.ts keeps them, the options page shows
 * them, utils/health/upload.ts sends them.
 */

/** More than any real set of detectors × apps × builds × problems; the least recently seen go first. */
export const MAX_COUNTERS = 500;

export const CounterSchema = v.object({
  detector: v.pipe(v.string(), v.regex(NAME)),
  app: v.pipe(v.string(), v.regex(NAME)),
  build: v.optional(v.pipe(v.string(), v.regex(BUILD))),
  problem: v.picklist(PROBLEMS),
  count: v.pipe(v.number(), v.integer(), v.minValue(1)),
  firstSeen: v.number(),
  lastSeen: v.number(),
});
export type Counter = v.InferOutput<typeof CounterSchema>;

export const HealthStateSchema = v.object({
  /** A random id for this browser's counts, new after each reset: the repository keeps one row per id and counter. */
  reporter: v.pipe(v.string(), v.uuid()),
  /** When counting started (install or reset). */
  since: v.number(),
  /** Bumped by every change, so the uploader knows whether there is anything new to send. */
  revision: v.pipe(v.number(), v.integer(), v.minValue(0)),
  counters: v.record(v.string(), CounterSchema),
});
export type HealthState = v.InferOutput<typeof HealthStateSchema>;

export function freshState(reporter: string, now: number): HealthState {
  return { reporter, since: now, revision: 0, counters: {} };
}

/** The state with `events` counted at `now`; the oldest counters make room when there are too many. */
export function countEvents(state: HealthState, events: readonly HealthEvent[], now: number): HealthState {
  if (events.length === 0) return state;
  const counters = { ...state.counters };
  for (const event of events) {
    const key = counterKey(event);
    const current = counters[key];
    counters[key] = current
      ? { ...current, count: current.count + 1, lastSeen: Math.max(current.lastSeen, now) }
      : {
          detector: event.detector,
          app: event.app,
          ...(event.build ? { build: event.build } : {}),
          problem: event.problem,
          count: 1,
          firstSeen: now,
          lastSeen: now,
        };
  }
  const keys = Object.keys(counters);
  if (keys.length > MAX_COUNTERS) {
    keys.sort((a, b) => counters[a]!.lastSeen - counters[b]!.lastSeen);
    for (const key of keys.slice(0, keys.length - MAX_COUNTERS)) delete counters[key];
  }
  return { ...state, revision: state.revision + 1, counters };
}

/** The counters, most recently seen first. */
export function countersOf(state: HealthState): Counter[] {
  return Object.values(state.counters).sort(
    (a, b) => b.lastSeen - a.lastSeen || a.detector.localeCompare(b.detector) || a.problem.localeCompare(b.problem),
  );
}

export function countsBody(state: HealthState): CountBody[] {
  return countersOf(state).map((counter) => ({
    detector: counter.detector,
    app: counter.app,
    ...(counter.build ? { build: counter.build } : {}),
    problem: counter.problem,
    count: counter.count,
    firstSeen: new Date(counter.firstSeen).toISOString(),
    lastSeen: new Date(counter.lastSeen).toISOString(),
  }));
}
