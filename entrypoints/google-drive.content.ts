import { defineContentScript } from 'wxt/utils/define-content-script';
import { startAgent } from '../utils/detecting/agent';
import { googleDrive } from '../utils/detectors/google-drive';
import { runDetectorList } from '../utils/detectors/runner';

/** Google Drive: one small content script per app, holding only that app's detector. */
export default defineContentScript({
  matches: [...new Set([googleDrive].flatMap((detector) => detector.hosts))],
  runAt: 'document_idle',
  main(ctx) {
    startAgent(ctx.signal, (document, url) => runDetectorList(document, url, [googleDrive], undefined));
  },
});
