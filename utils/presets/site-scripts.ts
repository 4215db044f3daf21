import { matchesAny } from './patterns';
import type { Site } from './schema';

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
