import { defineContentScript } from 'wxt/utils/define-content-script';
import { startAgent } from '../utils/detecting/agent';
import { dropbox } from '../utils/detectors/dropbox';
import { runDetectorList } from '../utils/detectors/runner';

/** Dropbox: one small content script per app, holding only that app's detector. */
export default defineContentScript({
  matches: [...new Set([dropbox].flatMap((detector) => detector.hosts))],
  runAt: 'document_idle',
  main(ctx) {
    startAgent(ctx.signal, (document, url) => runDetectorList(document, url, [dropbox], undefined));
  },
});
