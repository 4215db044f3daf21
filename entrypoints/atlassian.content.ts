import { defineContentScript } from 'wxt/utils/define-content-script';
import { startAgent } from '../utils/detecting/agent';
import { confluence } from '../utils/detectors/confluence';
import { jira } from '../utils/detectors/jira';
import { runDetectorList } from '../utils/detectors/runner';

/** Confluence and Jira, which share atlassian.net: one small content script per app, holding only that app's detector. */
export default defineContentScript({
  matches: [...new Set([confluence, jira].flatMap((detector) => detector.hosts))],
  runAt: 'document_idle',
  main(ctx) {
    startAgent(ctx.signal, (document, url) => runDetectorList(document, url, [confluence, jira], undefined));
  },
});
