import { defineContentScript } from 'wxt/utils/define-content-script';
import { startAgent } from '../utils/detecting/agent';
import { pluginDetectorsFor } from '../utils/detecting/plugins';
import { runDetectorList } from '../utils/detectors/runner';

/**
 * Registered at run time on the hosts of the admin's site plugins (presets `sites`) once the extension may read
 * them: the declarative detectors of in-house apps, run by the same runner under the same rules.
 */
export default defineContentScript({
  registration: 'runtime',
  matches: [],
  async main(ctx) {
    const plugins = await pluginDetectorsFor(location.href);
    startAgent(ctx.signal, (document, url) => runDetectorList(document, url, plugins, undefined));
  },
});
