import * as v from 'valibot';
import { storage } from 'wxt/utils/storage';
import { countEvents, freshState, type HealthState, HealthStateSchema } from './counters';
import type { HealthEvent } from './events';
import { type DiagnosticsPolicy, DiagnosticsPolicySchema, diagnosticsPolicyOf, NO_DIAGNOSTICS } from './policy';

/**
 * Background only: the health counters, the diagnostics policy as last read, and how the last upload went, each a
 * WXT storage item validated when read back (a value another version wrote is never trusted by a cast).
 */

export const UploadStatusSchema = v.object({
  /** The counters' revision the repository last acknowledged. */
  sentRevision: v.pipe(v.number(), v.integer(), v.minValue(-1)),
  lastSentAt: v.optional(v.number()),
  lastAttemptAt: v.optional(v.number()),
  lastError: v.optional(v.pipe(v.string(), v.maxLength(2000))),
});
export type UploadStatus = v.InferOutput<typeof UploadStatusSchema>;

const NEVER_SENT: UploadStatus = { sentRevision: -1 };

const countsItem = storage.defineItem<unknown>('local:health.counts');
const policyItem = storage.defineItem<unknown>('local:health.policy');
const uploadItem = storage.defineItem<unknown>('local:health.upload');

function parsed<S extends v.GenericSchema>(schema: S, raw: unknown): v.InferOutput<S> | undefined {
  if (raw === null || raw === undefined) return undefined;
  const result = v.safeParse(schema, raw);
  if (result.success) return result.output;
  console.warn('Recordkeeper: a stored health item is unreadable and was reset');
  return undefined;
}

/**
 * Runs `work` alone among this extension's contexts (Web Locks), so that two tabs reporting at once never lose a
 * count. Where the browser has no Web Locks (tests), one chain per worker does the same.
 */
let chain: Promise<unknown> = Promise.resolve();
function exclusively<T>(work: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (locks) return locks.request('recordkeeper-health', work) as Promise<T>;
  const next = chain.then(work, work);
  chain = next.catch(() => undefined);
  return next;
}

export async function readHealth(now = Date.now()): Promise<HealthState> {
  return parsed(HealthStateSchema, await countsItem.getValue()) ?? freshState(crypto.randomUUID(), now);
}

/** The counts, stored first when there are none yet, so that their reporter id stays the same from now on. */
export function ensureHealth(now = Date.now()): Promise<HealthState> {
  return exclusively(async () => {
    const stored = parsed(HealthStateSchema, await countsItem.getValue());
    if (stored) return stored;
    const fresh = freshState(crypto.randomUUID(), now);
    await countsItem.setValue(fresh);
    return fresh;
  });
}

/** Counts the events a content script reported. */
export function recordHealth(events: readonly HealthEvent[], now = Date.now()): Promise<HealthState> {
  return exclusively(async () => {
    const next = countEvents(await readHealth(now), events, now);
    await countsItem.setValue(next);
    return next;
  });
}

/** Starts counting again under a new reporter id; the repository keeps what it was sent before. */
export function clearHealth(now = Date.now()): Promise<HealthState> {
  return exclusively(async () => {
    const next = freshState(crypto.randomUUID(), now);
    await Promise.all([countsItem.setValue(next), uploadItem.setValue(NEVER_SENT)]);
    return next;
  });
}

export async function readDiagnosticsPolicy(): Promise<DiagnosticsPolicy> {
  return parsed(DiagnosticsPolicySchema, await policyItem.getValue()) ?? NO_DIAGNOSTICS;
}

/**
 * Reads the diagnostics switches from enterprise policy and keeps them, so that no later reader waits on
 * `storage.managed` (its first answer can take seconds). Browsers without policy answer with nothing: all off.
 */
export async function refreshDiagnosticsPolicy(readManaged: () => Promise<unknown>): Promise<DiagnosticsPolicy> {
  let managed: unknown;
  try {
    managed = await readManaged();
  } catch {
    managed = {};
  }
  const policy = diagnosticsPolicyOf(managed);
  await policyItem.setValue(policy);
  return policy;
}

export async function readUploadStatus(): Promise<UploadStatus> {
  return parsed(UploadStatusSchema, await uploadItem.getValue()) ?? NEVER_SENT;
}

export function writeUploadStatus(status: UploadStatus): Promise<void> {
  return uploadItem.setValue(status);
}
