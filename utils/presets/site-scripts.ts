import { matchesAny } from './patterns';
import type { AppHosts, Site } from './schema';

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
