/**
 * Bundled by bench/detection.ts into a page: what an app's content script does while the page changes — its change
 * watcher, the app's own detectors (as `appContentScript` runs them) and the badge message — with the main-thread
 * time of each counted apart. MutationObserver is wrapped before the watcher starts so that the time spent in its
 * callback counts too. The badge message is `runtime.sendMessage` in the extension; here it is the same envelope
 * serialised and posted to a MessageChannel, the part of sending that runs on the page's thread.
 */
import { appScriptFor } from '../utils/detectors/index';
import { runDetectorList } from '../utils/detectors/runner';
import { reportCount } from '../utils/detectors/watch';

const counters = { callbackMs: 0, detectMs: 0, messageMs: 0, callbacks: 0, detections: 0, messages: 0 };

const Native = MutationObserver;
globalThis.MutationObserver = class extends Native {
  constructor(callback: MutationCallback) {
    super((records, observer) => {
      const start = performance.now();
      counters.callbacks += 1;
      callback(records, observer);
      counters.callbackMs += performance.now() - start;
    });
  }
};

const script = appScriptFor(new URL(location.href));
if (!script) throw new Error(`No app content script runs on ${location.href}`);
const channel = new MessageChannel();
const controller = new AbortController();
reportCount(
  () => {
    const start = performance.now();
    const count = runDetectorList(document, location.href, script.detectors, undefined, { onAppHost: true }).detections
      .length;
    counters.detections += 1;
    counters.detectMs += performance.now() - start;
    return count;
  },
  async (count) => {
    const start = performance.now();
    channel.port1.postMessage(JSON.stringify({ type: 'content.detected', data: { count } }));
    counters.messages += 1;
    counters.messageMs += performance.now() - start;
  },
  controller.signal,
);

(globalThis as { recordkeeperRedetect?: unknown }).recordkeeperRedetect = {
  counters,
  /** Zeroes the counters, so that the first detection (page load, not a change) is not counted. */
  reset: () => {
    for (const key of Object.keys(counters) as (keyof typeof counters)[]) counters[key] = 0;
  },
  stop: () => controller.abort(),
};
