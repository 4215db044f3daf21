import { type OutboxDb, type OutboxRow, statesStore } from './db';
import { updateRow } from './outbox';

/** What the toolbar badge counts: records not yet in the repository, and those the user must look at. */
export interface OutboxCounts {
  waiting: number;
  needsAttention: number;
}

export async function outboxCounts(db: OutboxDb): Promise<OutboxCounts> {
  const byState = statesStore(db).index('byState');
  const count = (state: OutboxRow['state']) => byState.count(state);
  const [queued, sending, retrying, needsAttention] = await Promise.all([
    count('queued'),
    count('sending'),
    count('retrying'),
    count('needs-attention'),
  ]);
  return { waiting: queued + sending + retrying, needsAttention };
}

/**
 * The badge for the outbox (no tab given, so it shows on every tab without detections of its own): `!` plus the
 * count in red when something needs attention, the waiting count in the usual colour otherwise, empty when all
 * is sent.
 */
export function outboxBadge(counts: OutboxCounts): { text: string; color: string; title: string } {
  if (counts.needsAttention > 0) {
    return {
      text: `!${counts.needsAttention}`,
      color: '#b3261e',
      title: `${counts.needsAttention} record(s) need your attention; ${counts.waiting} waiting to be sent`,
    };
  }
  if (counts.waiting > 0) {
    return { text: String(counts.waiting), color: '#175caa', title: `${counts.waiting} record(s) waiting to be sent` };
  }
  return { text: '', color: '#175caa', title: 'Every declared record is in the repository' };
}

export interface AttentionNotice {
  /** Stable id, so a later notice replaces the earlier one instead of stacking up. */
  id: string;
  title: string;
  message: string;
  recordIds: string[];
}

/**
 * Tells the user, once per record, that records need attention: calls `notify` with one notice covering every
 * row that turned `needs-attention` since the last call, then marks them notified. Nothing is called when there
 * is nothing new. A retried row that fails again is notified again.
 */
export async function notifyAttention(
  db: OutboxDb,
  notify: (notice: AttentionNotice) => Promise<void> | void,
  now: number,
): Promise<AttentionNotice | undefined> {
  const rows = (await db.getAllFromIndex('records', 'byState', 'needs-attention')).filter(
    (row) => row.notifiedAt === undefined,
  );
  if (!rows.length) return undefined;
  const first = rows[0]!;
  const notice: AttentionNotice = {
    id: 'recordkeeper-attention',
    title: rows.length === 1 ? 'A record needs your attention' : `${rows.length} records need your attention`,
    message:
      rows.length === 1
        ? `"${first.record.title}" was not accepted: ${first.lastError ?? 'see the outbox'}. Open Recordkeeper to fix and resend it, or discard it.`
        : `The repository did not accept ${rows.length} records (first: "${first.record.title}"). Open Recordkeeper to see why.`,
    recordIds: rows.map((row) => row.id),
  };
  await notify(notice);
  for (const row of rows) await updateRow(db, row.id, { notifiedAt: now }, row.updatedAt);
  return notice;
}
