import { browser } from 'wxt/browser';
import { postRecord } from '../connectors/records-api';
import type { OutboxDb } from '../outbox/db';
import { nextDueAt } from '../outbox/outbox';
import { uuidv7 } from '../records/uuidv7';
import { loadSettings } from '../settings-store';
import { type DrainReport, drain } from './drain';

export const DRAIN_ALARM = 'drain';
export const RETRY_ALARM = 'drain-retry';

/** One drain with the current settings, then an alarm for the next retry that falls due. */
export async function runDrain(db: OutboxDb): Promise<DrainReport | undefined> {
  const settings = await loadSettings();
  if (!settings.repositoryUrl || !settings.token) return undefined;
  const report = await drain({
    db,
    owner: uuidv7(),
    now: Date.now,
    send: (record, parts) => postRecord(settings, record, parts),
  });
  const due = await nextDueAt(db);
  if (due !== undefined) await browser.alarms.create(RETRY_ALARM, { when: Math.max(due, Date.now() + 1000) });
  return report;
}
