import type { OutboxDb } from '../outbox/db';
import { getRow } from '../outbox/outbox';
import type { Presets } from '../presets/schema';
import { rememberChoice } from '../records/choices';
import type { DeclareRequest, DeclareResult } from '../records/declaration';
import { choices } from '../storage';
import { forgetPrior, rememberAlias } from './prior-store';

/**
 * What a stored declaration changes beyond the outbox: the duplicate check's cached answers for the item are out
 * of date (under the app's id and under the id the record was filed under, a Message-ID say), the app's id now
 * leads to that record, and the popup remembers the profile, category and retained fields for next time.
 */
export async function afterDeclared(
  request: DeclareRequest,
  result: Extract<DeclareResult, { ok: true }>,
  deps: { db: OutboxDb; presets: Presets },
): Promise<void> {
  const appSourceId = request.detection.source.sourceId;
  // Separate storage keys and a read: at once, since the popup waits for them before it says "Declared".
  const [row] = await Promise.all([
    getRow(deps.db, result.id),
    forgetPrior(appSourceId),
    result.sourceId === appSourceId ? undefined : forgetPrior(result.sourceId),
    result.sourceId === appSourceId ? undefined : rememberAlias(appSourceId, result.sourceId),
  ]);
  const profile = deps.presets.profiles.find((p) => p.id === request.profileId);
  if (row) await choices.set(rememberChoice(await choices.get(), row.record, profile));
}
