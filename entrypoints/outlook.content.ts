import { defineContentScript } from 'wxt/utils/define-content-script';
import { startAgent } from '../utils/detecting/agent';
import { outlook } from '../utils/detectors/outlook';
import { runDetectorList } from '../utils/detectors/runner';

/** Outlook on the web: one small content script per app, holding only that app's detector. */
export default defineContentScript({
  matches: [...new Set([outlook].flatMap((detector) => detector.hosts))],
  runAt: 'document_idle',
  main(ctx) {
    startAgent(ctx.signal, (document, url) => runDetectorList(document, url, [outlook], undefined));
  },
});
