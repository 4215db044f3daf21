import { browser } from 'wxt/browser';
import { matchesAny } from './patterns';
import type { AppHosts, Site } from './schema';

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

/** The scripts registered for apps on an organisation's own hosts are named after the app's content script. */
export const APP_SCRIPT_PREFIX = 'recordkeeper-app-';

/** The app content script (`entrypoints/<name>.content.ts`) that reads each app of presets `appHosts`. */
const APP_SCRIPT: Record<keyof AppHosts, string> = {
  confluence: 'atlassian',
  jira: 'atlassian',
  sharepoint: 'sharepoint',
  outlook: 'outlook',
};

/** Per app content script, the browser match patterns the admin listed for its apps (ports dropped). */
export function appHostScripts(appHosts: AppHosts): Map<string, string[]> {
  const scripts = new Map<string, string[]>();
  for (const [app, patterns] of Object.entries(appHosts) as [keyof AppHosts, string[] | undefined][]) {
    const name = APP_SCRIPT[app];
    if (!name || !patterns) continue;
    const list = scripts.get(name) ?? [];
    for (const pattern of patterns) {
      const browserPattern = pattern.replace(/^([^:]+:\/\/[^/:]+):\d+/, '$1');
      if (!list.includes(browserPattern)) list.push(browserPattern);
    }
    scripts.set(name, list);
  }
  return scripts;
}

/** Every host pattern of presets `appHosts`, for the one-click grant in options. */
export function appHostPatterns(appHosts: AppHosts): string[] {
  return [...new Set([...appHostScripts(appHosts).values()].flat())];
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
