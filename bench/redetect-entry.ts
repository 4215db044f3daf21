/**
 * Bundled by bench/run.ts into a page: the content script's own change watcher and detectors, with the
 * main-thread time they take counted. MutationObserver is wrapped before the watcher starts so that the time
 * spent in its callback counts too.
 */
import { runDetectors } from '../utils/detectors/index';
import { watchForChanges } from '../utils/detectors/watch';

const counters = { busyMs: 0, detections: 0, callbacks: 0 };

const Native = MutationObserver;
globalThis.MutationObserver = class extends Native {
  constructor(callback: MutationCallback) {
    super((records, observer) => {
      const start = performance.now();
      counters.callbacks += 1;
      callback(records, observer);
      counters.busyMs += performance.now() - start;
    });
  }
};

const controller = new AbortController();
watchForChanges(() => {
  const start = performance.now();
  runDetectors(document, location.href);
  counters.detections += 1;
  counters.busyMs += performance.now() - start;
}, controller.signal);

(globalThis as { recordkeeperRedetect?: unknown }).recordkeeperRedetect = {
  counters,
  stop: () => controller.abort(),
};
