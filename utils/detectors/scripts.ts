import { matchesAny } from '../presets/patterns';

/** A content script the browser runs on its own: declared in the manifest or registered at run time. */
export interface PageScript {
  matches: readonly string[];
  excludeMatches?: readonly string[] | undefined;
  js: readonly string[];
}

/**
 * The script the browser itself puts into a page at this URL, if any: an app's content script on the app's hosts,
 * or one registered at run time on the hosts an admin named (site plugins, apps on their own hosts). A URL with one
 * is a known app's page, whose answer must come from that script and never from the on-demand one.
 */
export function declaredScriptFor(url: string, scripts: readonly PageScript[]): string | undefined {
  if (!URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  const script = scripts.find(
    (s) => matchesAny(s.matches, parsed) && !matchesAny(s.excludeMatches ?? [], parsed) && s.js.length > 0,
  );
  return script?.js[0];
}
