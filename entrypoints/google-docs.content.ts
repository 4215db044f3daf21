import { defineContentScript } from 'wxt/utils/define-content-script';
import { startAgent } from '../utils/detecting/agent';
import { googleDocs } from '../utils/detectors/google-docs';
import { runDetectorList } from '../utils/detectors/runner';

/** Google Docs, Sheets and Slides: one small content script per app, holding only that app's detector. */
export default defineContentScript({
  matches: [...new Set([googleDocs].flatMap((detector) => detector.hosts))],
  runAt: 'document_idle',
  main(ctx) {
    startAgent(ctx.signal, (document, url) => runDetectorList(document, url, [googleDocs], undefined));
  },
});
