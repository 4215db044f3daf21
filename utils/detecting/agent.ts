import type { Runtime } from 'webextension-polyfill';
import { browser } from 'wxt/browser';
import { CAPTURE_PORT, type StreamMessage, streamInPage } from '../capture/stream';
import { healthReporter } from '../detectors/health';
import type { DetectorRun } from '../detectors/runner';
import { reportCount } from '../detectors/watch';
import { handleMessages, sendToBackground } from '../messaging';

const AGENT = Symbol.for('recordkeeper.agent');
const MAX_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Answers the background's capture ports: downloads the original in the page's own origin and hands it over
 * chunk by chunk, waiting for each chunk to be stored before reading on (utils/capture/stream.ts).
 */
function serveCaptureStreams(): () => void {
  const listener = (port: Runtime.Port) => {
    if (port.name !== CAPTURE_PORT || port.sender?.id !== browser.runtime.id) return;
    let acknowledge: (() => void) | undefined;
    let closed = false;
    port.onDisconnect.addListener(() => {
      closed = true;
      acknowledge?.();
    });
    const send = (message: StreamMessage) =>
      new Promise<void>((resolve, reject) => {
        if (closed) return reject(new Error('The capture was cancelled.'));
        if (message.type === 'chunk') acknowledge = resolve;
        port.postMessage(message);
        if (message.type !== 'chunk') resolve();
      });
    port.onMessage.addListener((raw: unknown) => {
      const message = raw as { type?: unknown; url?: unknown; chunkBytes?: unknown } | null;
      if (message?.type === 'ack') return acknowledge?.();
      if (typeof message?.url !== 'string') return;
      const chunkBytes = Math.min(Math.max(Number(message.chunkBytes) || 0, 64 * 1024), MAX_CHUNK_BYTES);
      streamInPage(message.url, location.href, chunkBytes, send).catch(() => port.disconnect());
    });
  };
  browser.runtime.onConnect.addListener(listener);
  return () => browser.runtime.onConnect.removeListener(listener);
}

/**
 * The content-script side: answers the background's requests to detect and to fetch the original, and reports
 * the number of declarable items when the page changes (throttled, so a busy app is not slowed). It only reads.
 */
export function startAgent(signal: AbortSignal, run: (document: Document, url: string) => DetectorRun): void {
  const scope = globalThis as { [AGENT]?: boolean };
  if (scope[AGENT]) return;
  scope[AGENT] = true;

  // Detector health: every runner error, and every "the URL names an item, nothing found", counted in the
  // background without any page content (utils/detectors/health.ts).
  const health = healthReporter({
    send: (events) => sendToBackground('content.health', { events }),
    // Only to see whether "nothing found" still holds once the page has settled; the badge follows its own watcher.
    recheck: () => void detect(),
  });
  const detect = () => {
    const url = location.href;
    const outcome = run(document, url);
    health.observe(url, outcome.health);
    return outcome;
  };
  const stopHandling = handleMessages({
    'page.detect': () => {
      const { detections, errors } = detect();
      for (const error of errors) console.warn(`Recordkeeper detector ${error.detector}: ${error.message}`);
      return detections;
    },
  });

  // The background may be restarting when a count is sent; the next change reports again.
  reportCount(
    () => detect().detections.length,
    (count) => sendToBackground('content.detected', { count }),
    signal,
  );

  const stopStreaming = serveCaptureStreams();

  signal.addEventListener('abort', () => {
    stopHandling();
    stopStreaming();
    health.stop();
    scope[AGENT] = false;
  });
}
