import { defineContentScript } from 'wxt/utils/define-content-script';
import { startAgent } from '../utils/detectors/agent';

/** Injected by the background into the active tab when the user opens the popup there (activeTab). */
export default defineContentScript({
  registration: 'runtime',
  matches: [],
  main(ctx) {
    startAgent(ctx.signal);
  },
});
