import type { Connector } from '../connectors/connector';
import { combineLookups, lookupPrior, type PriorCache, type PriorLookup } from '../records/prior';
import { priorAnswers, sourceAliases } from '../storage';

/**
 * Background only: duplicate-check answers kept in session storage, which the browser clears on exit and which
 * content scripts cannot read.
 */
export const sessionPriorCache: PriorCache = {
  get: (sourceId) => priorAnswers.get(sourceId),
  set: (sourceId, entry) => priorAnswers.set(sourceId, entry),
};

/** After a declaration the cached answer for its source is out of date. */
export function forgetPrior(sourceId: string): Promise<void> {
  return priorAnswers.remove(sourceId);
}

/** Remembers that the item an app calls `appSourceId` was filed under `recordSourceId` (its Message-ID, say). */
export function rememberAlias(appSourceId: string, recordSourceId: string): Promise<void> {
  return sourceAliases.set(appSourceId, recordSourceId);
}

export function aliasesOf(sourceIds: string[]): Promise<Record<string, string>> {
  return sourceAliases.getMany(sourceIds);
}

/**
 * What the repository already holds for each of these sources (`records.prior`), under the app's id and under
 * the id its record was filed under. A connector that cannot look records up says so for every source: the
 * warning is a help, never a gate.
 */
export async function priorRecords(
  sourceIds: string[],
  connector: Connector | undefined,
): Promise<Record<string, PriorLookup>> {
  if (!connector) return {};
  const find = connector.findBySource?.bind(connector);
  if (!find || !connector.describe().findsBySource) {
    const error = `this repository (${connector.id}) cannot look up earlier declarations`;
    return Object.fromEntries(sourceIds.map((id) => [id, { ok: false, error } satisfies PriorLookup]));
  }
  const aliases = await aliasesOf(sourceIds);
  const found = await lookupPrior([...sourceIds, ...Object.values(aliases)], find, sessionPriorCache, Date.now);
  const answer: Record<string, PriorLookup> = {};
  for (const id of sourceIds) {
    const combined = combineLookups(found[id], aliases[id] === undefined ? undefined : found[aliases[id]]);
    if (combined) answer[id] = combined;
  }
  return answer;
}
