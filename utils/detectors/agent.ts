import { fetchInPage } from '../capture/fetch-in-page';
import { handleMessages, sendToBackground } from '../messaging';
import type { DetectorRun } from './runner';
import { watchForChanges } from './watch';

const AGENT = Symbol.for('recordkeeper.agent');

/**
 * The content-script side: answers the background's requests to detect and to fetch the original, and reports
 * the number of declarable items when the page changes (throttled, so a busy app is not slowed). It only reads.
 */
export function startAgent(signal: AbortSignal, run: (document: Document, url: string) => DetectorRun): void {
  const scope = globalThis as { [AGENT]?: boolean };
  if (scope[AGENT]) return;
  scope[AGENT] = true;

  const detect = () => run(document, location.href);
  const stopHandling = handleMessages({
    'page.detect': () => {
      const { detections, errors } = detect();
      for (const error of errors) console.warn(`Recordkeeper detector ${error.detector}: ${error.message}`);
      return detections;
    },
    'page.fetch': ({ url }) => fetchInPage(url, location.href),
  });

  let lastCount = -1;
  const report = () => {
    const count = detect().detections.length;
    if (count === lastCount) return;
    lastCount = count;
    sendToBackground('content.detected', { count }).catch(() => {
      // The background may be restarting; the next change reports again.
      lastCount = -1;
    });
  };
  watchForChanges(report, signal);
  report();

  signal.addEventListener('abort', () => {
    stopHandling();
    scope[AGENT] = false;
  });
}
