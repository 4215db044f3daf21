/**
 * Browser extension match patterns (`https://*.sharepoint.com/*`), as the manifest uses them: scheme, host with
 * an optional leading `*.` wildcard, and a path glob. Compiled once per pattern.
 */
const cache = new Map<string, RegExp | null>();

function escapeRegex(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

export function compileMatchPattern(pattern: string): RegExp | null {
  const cached = cache.get(pattern);
  if (cached !== undefined) return cached;
  let compiled: RegExp | null = null;
  const m = /^(\*|https?|wss?|file|ftp):\/\/(\*|\*\.[^/*]+|[^/*]*)(\/.*)$/.exec(pattern);
  if (pattern === '<all_urls>') compiled = /^(https?|wss?|file|ftp):\/\//;
  else if (m) {
    const [, scheme, host, path] = m as unknown as [string, string, string, string];
    const schemeRe = scheme === '*' ? 'https?' : escapeRegex(scheme);
    const hostRe =
      host === '*' ? '[^/]+' : host.startsWith('*.') ? `(?:[^/]+\\.)?${escapeRegex(host.slice(2))}` : escapeRegex(host);
    const pathRe = path.split('*').map(escapeRegex).join('.*');
    compiled = new RegExp(`^${schemeRe}://${hostRe}(?::\\d+)?${pathRe}$`, 'i');
  }
  cache.set(pattern, compiled);
  return compiled;
}

/** Whether `url` is one of the pages the patterns name (the query counts as part of the path, as browsers do). */
export function matchesAny(patterns: readonly string[], url: URL): boolean {
  const target = `${url.protocol}//${url.host}${url.pathname}${url.search}`;
  return patterns.some((pattern) => compileMatchPattern(pattern)?.test(target) ?? false);
}
