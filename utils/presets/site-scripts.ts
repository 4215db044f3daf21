import { browser } from 'wxt/browser';
import { matchesAny } from './patterns';
import type { Site } from './schema';

export const SITE_SCRIPT_ID = 'recordkeeper-site-plugins';

/** The browser's match patterns for the sites' pages; browsers match every port, so ports are dropped. */
export function browserPatterns(sites: readonly Site[]): string[] {
  return [
    ...new Set(
      sites.flatMap((site) => site.matches.map((pattern) => pattern.replace(/^([^:]+:\/\/[^/:]+):\d+/, '$1'))),
    ),
  ];
}

/** The sites whose pages `url` is on, for the content script of a site plugin. */
export function sitesFor(sites: readonly Site[], url: string): Site[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  return sites.filter((site) => matchesAny(site.matches, parsed));
}

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
