import { defineContentScript } from 'wxt/utils/define-content-script';
import { startAgent } from '../utils/detecting/agent';
import { notion } from '../utils/detectors/notion';
import { runDetectorList } from '../utils/detectors/runner';

/** Notion: one small content script per app, holding only that app's detector. */
export default defineContentScript({
  matches: [...new Set([notion].flatMap((detector) => detector.hosts))],
  runAt: 'document_idle',
  main(ctx) {
    startAgent(ctx.signal, (document, url) => runDetectorList(document, url, [notion], undefined));
  },
});
