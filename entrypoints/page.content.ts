import { defineContentScript } from 'wxt/utils/define-content-script';
import { startAgent } from '../utils/detecting/agent';
import { pluginDetectorsFor } from '../utils/detecting/plugins';
import { generic } from '../utils/detectors/generic';
import { siteDetectors } from '../utils/detectors/index';
import { runDetectorList } from '../utils/detectors/runner';

/**
 * Injected by the background into the active tab when the user opens the popup on a site Recordkeeper has no
 * content script for (activeTab): the admin's site plugins, every built-in detector, then generic. Being injected
 * on demand, its size costs no page.
 */
export default defineContentScript({
  registration: 'runtime',
  matches: [],
  async main(ctx) {
    const detectors = [...(await pluginDetectorsFor(location.href)), ...siteDetectors];
    startAgent(ctx.signal, (document, url) => runDetectorList(document, url, detectors, generic));
  },
});
