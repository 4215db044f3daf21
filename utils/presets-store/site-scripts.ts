import { browser } from 'wxt/browser';
import type { Site } from '../presets/schema';
import { browserPatterns } from '../presets/site-scripts';

export const SITE_SCRIPT_ID = 'recordkeeper-site-plugins';

/**
 * Runs the site plugins' content script on the plugin hosts the extension may read (granted in options, or
 * already granted); reports the hosts still waiting for the one-click grant.
 */
export async function syncSiteScripts(sites: readonly Site[]): Promise<{ registered: string[]; needsGrant: string[] }> {
  const patterns = browserPatterns(sites);
  const granted: string[] = [];
  for (const pattern of patterns) {
    if (await browser.permissions.contains({ origins: [pattern] }).catch(() => false)) granted.push(pattern);
  }
  const existing = await browser.scripting.getRegisteredContentScripts({ ids: [SITE_SCRIPT_ID] }).catch(() => []);
  if (existing.length) await browser.scripting.unregisterContentScripts({ ids: [SITE_SCRIPT_ID] });
  if (granted.length) {
    await browser.scripting.registerContentScripts([
      {
        id: SITE_SCRIPT_ID,
        matches: granted,
        js: ['content-scripts/sites.js'],
        runAt: 'document_idle',
        persistAcrossSessions: true,
      },
    ]);
  }
  return { registered: granted, needsGrant: patterns.filter((pattern) => !granted.includes(pattern)) };
}
