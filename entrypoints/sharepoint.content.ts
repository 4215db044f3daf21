import { defineContentScript } from 'wxt/utils/define-content-script';
import { startAgent } from '../utils/detecting/agent';
import { runDetectorList } from '../utils/detectors/runner';
import { sharepoint } from '../utils/detectors/sharepoint';

/** SharePoint Online and OneDrive: one small content script per app, holding only that app's detector. */
export default defineContentScript({
  matches: [...new Set([sharepoint].flatMap((detector) => detector.hosts))],
  runAt: 'document_idle',
  main(ctx) {
    startAgent(ctx.signal, (document, url) => runDetectorList(document, url, [sharepoint], undefined));
  },
});
