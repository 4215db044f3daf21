import { browser } from 'wxt/browser';
import type { AppHosts, Site } from '../presets/schema';
import { APP_SCRIPT_PREFIX, appHostScripts, browserPatterns } from '../presets/site-scripts';

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

/**
 * Runs each app's own content script on the hosts an admin listed for it (presets `appHosts`) once the extension may
 * read them (granted in options): one mechanism for every known app on its own host, and exactly the code that runs
 * on the app's cloud hosts. Reports the hosts still waiting for the grant.
 */
export async function syncAppScripts(appHosts: AppHosts): Promise<{ registered: string[]; needsGrant: string[] }> {
  const existing = await browser.scripting.getRegisteredContentScripts().catch(() => []);
  const ours = existing.filter((script) => script.id.startsWith(APP_SCRIPT_PREFIX)).map((script) => script.id);
  if (ours.length) await browser.scripting.unregisterContentScripts({ ids: ours });
  const registered: string[] = [];
  const needsGrant: string[] = [];
  const scripts: Parameters<typeof browser.scripting.registerContentScripts>[0] = [];
  for (const [name, patterns] of appHostScripts(appHosts)) {
    const granted: string[] = [];
    for (const pattern of patterns) {
      if (await browser.permissions.contains({ origins: [pattern] }).catch(() => false)) granted.push(pattern);
      else needsGrant.push(pattern);
    }
    if (granted.length === 0) continue;
    registered.push(...granted);
    scripts.push({
      id: `${APP_SCRIPT_PREFIX}${name}`,
      matches: granted,
      js: [`content-scripts/${name}.js`],
      runAt: 'document_idle',
      persistAcrossSessions: true,
    });
  }
  if (scripts.length) await browser.scripting.registerContentScripts(scripts);
  return { registered, needsGrant };
}
