import { defineContentScript } from 'wxt/utils/define-content-script';
import { startAgent } from '../utils/detectors/agent';
import { runDetectors } from '../utils/detectors/index';

/**
 * Injected by the background into the active tab when the user opens the popup on a site Recordkeeper has no
 * content script for (activeTab): every detector, then generic. Being injected on demand, its size costs no page.
 */
export default defineContentScript({
  registration: 'runtime',
  matches: [],
  main(ctx) {
    startAgent(ctx.signal, runDetectors);
  },
});
