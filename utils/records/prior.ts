import type { PriorRecord } from '../connectors/connector';

/** What the duplicate check learnt about one source. */
export type PriorLookup = { ok: true; records: PriorRecord[] } | { ok: false; error: string };

export interface PriorCache {
  get(sourceId: string): Promise<{ at: number; lookup: PriorLookup } | undefined>;
  set(sourceId: string, entry: { at: number; lookup: PriorLookup }): Promise<void>;
}

export const PRIOR_TTL_MS = 5 * 60_000;
const MAX_PARALLEL = 4;

/**
 * Asks the repository which of these sources already have records: answers from the cache when fresh, at most a
 * few requests at a time otherwise. A failed lookup is reported per source, never thrown: the warning is a help,
 * not a gate.
 */
export async function lookupPrior(
  sourceIds: string[],
  find: (sourceId: string) => Promise<PriorRecord[]>,
  cache: PriorCache,
  now: () => number,
): Promise<Record<string, PriorLookup>> {
  const unique = [...new Set(sourceIds)];
  const result: Record<string, PriorLookup> = {};
  const queue: string[] = [];
  for (const sourceId of unique) {
    const cached = await cache.get(sourceId);
    if (cached && now() - cached.at < PRIOR_TTL_MS) result[sourceId] = cached.lookup;
    else queue.push(sourceId);
  }
  const worker = async () => {
    for (let sourceId = queue.shift(); sourceId !== undefined; sourceId = queue.shift()) {
      let lookup: PriorLookup;
      try {
        lookup = { ok: true, records: await find(sourceId) };
        await cache.set(sourceId, { at: now(), lookup });
      } catch (error) {
        lookup = { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
      result[sourceId] = lookup;
    }
  };
  await Promise.all(Array.from({ length: Math.min(MAX_PARALLEL, queue.length) }, worker));
  return result;
}

/**
 * One answer for a source known under two ids (the app's id and the Message-ID its record was filed under):
 * the records of both, newest first, without repeats. A failed half is only reported when nothing was found.
 */
export function combineLookups(a: PriorLookup | undefined, b: PriorLookup | undefined): PriorLookup | undefined {
  if (!a || !b) return a ?? b;
  if (!a.ok && !b.ok) return a;
  const records = [...(a.ok ? a.records : []), ...(b.ok ? b.records : [])];
  const unique = [...new Map(records.map((record) => [record.id, record])).values()];
  unique.sort((x, y) => (x.receivedAt < y.receivedAt ? 1 : -1));
  if (!unique.length && (!a.ok || !b.ok)) return a.ok ? b : a;
  return { ok: true, records: unique };
}
