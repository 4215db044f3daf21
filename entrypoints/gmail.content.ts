import { defineContentScript } from 'wxt/utils/define-content-script';
import { startAgent } from '../utils/detecting/agent';
import { gmail } from '../utils/detectors/gmail';
import { runDetectorList } from '../utils/detectors/runner';

/** Gmail: one small content script per app, holding only that app's detector. */
export default defineContentScript({
  matches: [...new Set([gmail].flatMap((detector) => detector.hosts))],
  runAt: 'document_idle',
  main(ctx) {
    startAgent(ctx.signal, (document, url) => runDetectorList(document, url, [gmail], undefined));
  },
});
