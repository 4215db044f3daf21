import { defineContentScript } from 'wxt/utils/define-content-script';
import { startAgent } from '../utils/detecting/agent';
import { box } from '../utils/detectors/box';
import { runDetectorList } from '../utils/detectors/runner';

/** Box: one small content script per app, holding only that app's detector. */
export default defineContentScript({
  matches: [...new Set([box].flatMap((detector) => detector.hosts))],
  runAt: 'document_idle',
  main(ctx) {
    startAgent(ctx.signal, (document, url) => runDetectorList(document, url, [box], undefined));
  },
});
