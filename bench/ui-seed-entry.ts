/**
 * Bundled by bench/ui.ts and run in the extension's service worker: years of history written through the
 * outbox's own functions (enqueue, then markSynced or updateRow), exactly as declarations and drains write them,
 * then the badge's counts and the attention check the background runs after them.
 */

import { messageEntry } from '../tests/support/records';
import { notifyAttention, outboxCounts } from '../utils/outbox/attention';
import { openOutbox } from '../utils/outbox/db';
import { attentionPending, enqueue, markSynced, updateRow } from '../utils/outbox/outbox';
import type { DeclaredRecord } from '../utils/records/record';
import { uuidv7 } from '../utils/records/uuidv7';

const HOUR = 3_600_000;

/**
 * `count` declarations, oldest first, one per hour up to now. Every 20th still waits (retrying after a 503),
 * every 50th was refused (needs attention), every 200th is still queued; the rest were synced with a receipt.
 */
async function seed(count: number): Promise<{ synced: number; waiting: number }> {
  const db = await openOutbox();
  const start = Date.now() - count * HOUR;
  let synced = 0;
  for (let i = 0; i < count; i++) {
    const body = new TextEncoder().encode(`Declaration ${i}\r\n`.repeat(4));
    const bytes = body.buffer.slice(0) as ArrayBuffer;
    const declaredAt = new Date(start + i * HOUR).toISOString();
    const record: DeclaredRecord = {
      id: uuidv7(),
      source: {
        app: 'gmail',
        kind: 'email',
        url: `https://mail.google.com/mail/u/0/#inbox/bench${i}`,
        sourceId: `<bench-${i}@mail.example.org>`,
      },
      title: `Case ${i}: ${i % 3 ? 'supplier invoice' : 'grievance about shift allocation'} for matter ${i % 997}`,
      metadata: { originator: `Person ${i % 50} <p${i % 50}@dept${i % 40}.example.org>`, dateSent: declaredAt },
      classification: { profileId: `profile-${i % 200}`, categoryId: `C${i % 50}/${i % 99}`, recordType: 'email' },
      tags: [`tag-${i % 20}-${i % 50}`],
      fields: { caseNumber: `P${i % 200}-${i}` },
      content: [await messageEntry(bytes)],
      declaredAt,
    };
    const at = start + i * HOUR;
    await enqueue(db, record, [bytes], at);
    if (i % 200 === 0) continue;
    if (i % 50 === 0) {
      await updateRow(
        db,
        record.id,
        { state: 'needs-attention', attempts: 1, lastError: 'The repository refused the record (422): bad field' },
        at,
      );
    } else if (i % 20 === 0) {
      await updateRow(
        db,
        record.id,
        { state: 'retrying', attempts: 3, nextAttemptAt: Date.now() + 24 * HOUR, lastError: 'HTTP 503' },
        at,
      );
    } else {
      await markSynced(
        db,
        record.id,
        {
          id: record.id,
          url: `https://records.example.org/records/${record.id}`,
          receivedAt: new Date(at + 1000).toISOString(),
          content: record.content.map(({ name, sha256, size }) => ({ name, sha256, size })),
        },
        at + 1000,
      );
      synced++;
    }
  }
  // What the background does after every declaration and drain (utils/sync/run.ts, showOutboxSignals): count the
  // outbox for the badge, in the read-write transaction that clears the index entries each state change left
  // behind, and tell of the records refused. Without it the first count fell to the one-minute alarm during the
  // measurements, and walked the entries of 10,000 state changes at once: 267–611 ms holding the records store,
  // which the options page's first read then waited behind (docs/sync.md, "Reading by state").
  await outboxCounts(db);
  if (await attentionPending(db)) await notifyAttention(db, () => undefined, Date.now());
  db.close();
  return { synced, waiting: count - synced };
}

(globalThis as { recordkeeperSeed?: unknown }).recordkeeperSeed = seed;
