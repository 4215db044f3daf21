import { browser } from 'wxt/browser';
import { type AttentionNotice, notifyAttention, outboxBadge, outboxCounts } from '../outbox/attention';
import type { OutboxDb } from '../outbox/db';
import { attentionPending, nextDueAt } from '../outbox/outbox';
import { loadPresets } from '../presets-store/store';
import { uuidv7 } from '../records/uuidv7';
import { loadConnection, openConnector, repositoryKey } from '../settings-store';
import { type DrainReport, drain } from './drain';
import { LEASE_MS } from './lease';
import type { Priority } from './priority';
import { backstopAt, type Recovery } from './recovery';

export const DRAIN_ALARM = 'drain';
export const RETRY_ALARM = 'drain-retry';

/**
 * One drain through the connector the settings name (nothing when no repository is configured), then what wakes
 * the next one: a quick probe while the repository is unreachable (`recovery`, while the worker lives), and an
 * alarm for the next retry that falls due — within 30 s while unreachable, the backstop of a stopped worker.
 * `priority`: the worker's declarations, which the drain yields to.
 */
export async function runDrain(
  db: OutboxDb,
  recovery?: Recovery,
  priority?: Priority,
): Promise<DrainReport | undefined> {
  const state = await loadConnection();
  const connector = openConnector(state, await loadPresets(repositoryKey(state)));
  if (!connector) return undefined;
  const report = await drain({ db, owner: uuidv7(), now: Date.now, connector, ...(priority ? { priority } : {}) });
  if (report.ran) recovery?.afterDrain(report.unreachable);
  // Another drain holds the lease — or held it when its service worker was stopped: look again once it expires.
  const when = report.ran ? backstopAt(Date.now(), await nextDueAt(db), report.unreachable) : Date.now() + LEASE_MS;
  if (when !== undefined) await browser.alarms.create(RETRY_ALARM, { when });
  return report;
}

export interface Signals {
  setBadge: (badge: { text: string; color: string; title: string }) => Promise<void> | void;
  notify: (notice: AttentionNotice) => Promise<void> | void;
}

/**
 * Shows the outbox on the toolbar badge (waiting / needing attention) and raises one system notification for
 * records that newly need attention. Call after every drain and declaration; pure over `db` and the callbacks.
 */
export async function showOutboxSignals(db: OutboxDb, signals: Signals, now = Date.now()): Promise<void> {
  await signals.setBadge(outboxBadge(await outboxCounts(db)));
  // Reads the rows needing attention only when one of them is new: the check is two key counts.
  if (await attentionPending(db)) await notifyAttention(db, signals.notify, now);
}
