/**
 * Declaration latency against the size of the history (issue 15 item 4), for bench/run.ts: the time from the
 * popup's `record.declare` to its answer ("Declared") for a 50 KB Gmail message, with 0, 5,000 and 10,000
 * records already in the outbox. Real Chromium with the built extension, the reference repository on loopback.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { countSeededRows, declareTimed, launchWithExtension, startRepository } from '../tests/e2e/harness.ts';
import { type Figure, median } from './figures.ts';

/** A 50 KB RFC 822 message: the Gmail fixture's headers and a plain-text body. */
export function email50k(): Buffer {
  const head = readFileSync('utils/detectors/fixtures/gmail/e2e-message.eml', 'latin1').split('\r\n\r\n')[0]!;
  const headers = head.replace(
    /Content-Type: multipart\/mixed;[^\r]*(\r\n[ \t][^\r]*)*/,
    'Content-Type: text/plain; charset="UTF-8"',
  );
  const line = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt.\r\n';
  let body = '';
  while (headers.length + body.length < 50 * 1024) body += line;
  return Buffer.from(`${headers}\r\n\r\n${body}`, 'latin1');
}

/**
 * The extension in Chromium, connected to a fresh reference repository, with its popup open on a Gmail message
 * whose original is a 50 KB message: where the declare figures are measured.
 */
export async function gmailPopup() {
  const repository = await startRepository();
  const browser = await launchWithExtension();
  const eml = email50k();
  await browser.connectTo(repository);
  const html = readFileSync('utils/detectors/fixtures/gmail/e2e-message.html');
  await browser.context.route('https://mail.google.com/**', (route) =>
    new URL(route.request().url()).searchParams.get('view') === 'att'
      ? route.fulfill({ body: eml, contentType: 'message/rfc822' })
      : route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' }),
  );
  const page = await browser.context.newPage();
  await page.goto('https://mail.google.com/mail/u/0/#inbox/FMfcgzGrbHrBdFGBXqpFZvSkcQpKkvrM');
  const tabId = await browser.tabIdOf(page);
  const popup = await browser.popup(tabId);
  await popup.getByLabel('Title').waitFor();
  return { repository, browser, popup, tabId, eml };
}

/**
 * Adds `count` rows of history to the outbox, as years of use leave it: most synced (receipt kept, content
 * released), 3% waiting to retry in a day (the repository answered 503), 2% needing attention (already notified).
 */
async function seedHistory(page: Page, from: number, count: number): Promise<void> {
  await page.evaluate(
    async ([first, n]) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open('recordkeeper-outbox');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const hour = 3_600_000;
      const t0 = Date.now() - (first + n) * hour;
      for (let batch = 0; batch < n; batch += 500) {
        const tx = db.transaction(['records', 'content', 'audit'], 'readwrite');
        for (let i = first + batch; i < first + Math.min(n, batch + 500); i++) {
          const at = t0 + i * hour;
          // UUIDv7-shaped ids that sort by time, older than anything declared during the bench.
          const id = `${at
            .toString(16)
            .padStart(12, '0')
            .replace(/^(.{8})(.{4})$/, '$1-$2')}-7000-8000-${i.toString(16).padStart(12, '0')}`;
          const sha256 = 'ab'.repeat(32);
          const record = {
            id,
            source: {
              app: 'gmail',
              kind: 'email',
              url: `https://mail.google.com/mail/u/0/#inbox/history${i}`,
              sourceId: `<history-${i}@mail.example.org>`,
            },
            title: `Case ${i}: supplier invoice for matter ${i % 997}`,
            metadata: { originator: `Person ${i % 50} <p${i % 50}@example.org>`, dateSent: new Date(at).toISOString() },
            classification: { profileId: 'general', categoryId: `C${i % 50}`, recordType: 'email' },
            tags: [`tag-${i % 20}`],
            fields: {},
            content: [{ role: 'primary', name: 'message.eml', mimeType: 'message/rfc822', size: 51200, sha256 }],
            declaredAt: new Date(at).toISOString(),
          };
          const base = { id, record, attempts: 1, createdAt: at, updatedAt: at, nextAttemptAt: at };
          const records = tx.objectStore('records');
          if (i % 50 === 7) {
            records.add({ ...base, state: 'needs-attention', lastError: 'refused (422)', notifiedAt: at });
            tx.objectStore('content').put({ recordId: id, index: 0, bytes: new ArrayBuffer(1024) });
          } else if (i % 33 === 5) {
            const later = { nextAttemptAt: Date.now() + 24 * hour, lastError: 'The repository answered 503' };
            records.add({ ...base, state: 'retrying', ...later });
            tx.objectStore('content').put({ recordId: id, index: 0, bytes: new ArrayBuffer(1024) });
          } else {
            const receipt = { id, url: `https://records.example.org/r/${id}`, receivedAt: record.declaredAt };
            records.add({
              ...base,
              state: 'synced',
              receipt: { ...receipt, content: [{ name: 'message.eml', sha256, size: 51200 }] },
            });
          }
          tx.objectStore('audit').add({ at, recordId: id, action: 'declared', detail: record.title });
        }
        await new Promise((resolve, reject) => {
          tx.oncomplete = resolve;
          tx.onerror = () => reject(tx.error);
        });
      }
      db.close();
    },
    [from, count] as const,
  );
  await countSeededRows(page, count);
}

/** Milliseconds of each of `n` declarations of the open Gmail message, one after another, from the popup. */
async function declareTimes(popup: Page, tabId: number, n: number): Promise<number[]> {
  return (await declareTimed(popup, tabId, n, 'Bench')).ms;
}

/**
 * Median declaration latency at 0, 5,000 and 10,000 records of history (target ≤ 100 ms and flat): the figure
 * is the slowest of the three medians; each is in the detail.
 */
export async function benchDeclareLatency(sizes = [0, 5000, 10_000], samples = 20): Promise<Figure> {
  const { repository, browser, popup, tabId, eml } = await gmailPopup();
  try {
    await declareTimes(popup, tabId, 5); // warms the worker, the server and PGlite
    const detail: Record<string, number> = { emailBytes: eml.byteLength, samples };
    let seeded = 0;
    const medians: number[] = [];
    for (const size of sizes) {
      await seedHistory(popup, seeded, size - seeded);
      seeded = size;
      const times = await declareTimes(popup, tabId, samples);
      const mid = Math.round(median(times) * 10) / 10;
      medians.push(mid);
      detail[`medianAt${size}`] = mid;
      detail[`p90At${size}`] = Math.round(times.sort((a, b) => a - b)[Math.floor(times.length * 0.9)]! * 10) / 10;
    }
    return { value: Math.max(...medians), unit: 'ms', target: 100, better: 'lower', detail };
  } finally {
    await browser.close();
    await repository.close();
  }
}
