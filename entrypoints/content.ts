import { defineContentScript } from 'wxt/utils/define-content-script';
import { startAgent } from '../utils/detectors/agent';
import { contentScriptMatches } from '../utils/detectors/index';

/** Runs on the web apps Recordkeeper knows; any other page is read on the user's gesture (page.content.ts). */
export default defineContentScript({
  matches: contentScriptMatches,
  runAt: 'document_idle',
  main(ctx) {
    startAgent(ctx.signal);
  },
});
