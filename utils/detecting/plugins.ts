import type { Detector } from '../detectors/types';
import { sendToBackground } from '../messaging';
import { sitePluginDetector } from '../presets/site-plugin';

/** The admin's site plugins for this page, as detectors; none when the background cannot say. */
export async function pluginDetectorsFor(url: string): Promise<Detector[]> {
  try {
    return (await sendToBackground('content.sites', { url })).map(sitePluginDetector);
  } catch {
    return [];
  }
}
