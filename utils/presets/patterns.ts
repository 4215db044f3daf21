/**
 * The small pattern languages a presets document may hold, each parsed here once so that validation and the code
 * that runs them agree: URL globs (rules), manifest match patterns (site plugins), a JSONPath subset and URL
 * templates (site plugins). Every parser returns `undefined` or an error string instead of throwing.
 */

export const MAX_URL_PATTERN = 2048;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * A rule's `urlPattern`, a glob over the whole URL (`href`): `*` matches any run of characters, `/` included;
 * everything else, `?` too, is literal; matching ignores case. It must be absolute (start with a scheme such as
 * `https://` or with `*`). URLPattern-only syntax (`:name` groups, `(…)`, `{…}`) is refused so that an admin who
 * writes it is told rather than silently never matched.
 */
export function urlGlob(pattern: string): RegExp | string {
  if (pattern.length === 0 || pattern.length > MAX_URL_PATTERN) return `must be 1 to ${MAX_URL_PATTERN} characters`;
  if (/\s/.test(pattern)) return 'must not contain spaces';
  if (!/^([a-z*][a-z0-9+.\-*]*:\/\/|\*)/i.test(pattern)) return 'must start with a scheme (https://…) or with *';
  if (/[(){}]/.test(pattern) || /:[A-Za-z_]/.test(pattern.replace(/^[a-z*][a-z0-9+.\-*]*:\/\//i, ''))) {
    return 'URLPattern groups (:name, (…), {…}) are not supported; use * as the wildcard';
  }
  return new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 'i');
}

export interface MatchPattern {
  /** `http`, `https`, or `*` for both. */
  scheme: string;
  /** Lowercase host without the `*.` prefix. */
  host: string;
  subdomains: boolean;
  port?: string | undefined;
  path: RegExp;
}

/**
 * A WebExtension match pattern (`https://*.example.org/docs/*`): scheme `http`, `https` or `*`; a host, optionally
 * prefixed by `*.` for its subdomains, and an optional port; a path where `*` matches anything (query included).
 * Site plugins are for particular in-house apps, so `<all_urls>` and a bare `*` host are refused.
 */
export function parseMatchPattern(pattern: string): MatchPattern | string {
  if (pattern.length > MAX_URL_PATTERN) return `must be at most ${MAX_URL_PATTERN} characters`;
  if (pattern === '<all_urls>') return '<all_urls> is too broad for a site plugin; name the app’s host';
  const m = /^(\*|https?):\/\/([^/]*)(\/.*)$/.exec(pattern);
  if (!m) return 'must look like https://host/path* (scheme http, https or *, then a host, then a path)';
  const [, scheme, authority, path] = m as unknown as [string, string, string, string];
  const hm = /^(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::(\d{1,5}))?$/i.exec(authority);
  if (!hm) {
    return authority === '*' || authority.startsWith('*:')
      ? 'a host of * is too broad for a site plugin; name the app’s host'
      : `host "${authority}" is not valid (a * may only start it, as in *.example.org)`;
  }
  const regex = new RegExp(`^${path.split('*').map(escapeRegExp).join('.*')}$`);
  return { scheme, host: hm[2]!.toLowerCase(), subdomains: Boolean(hm[1]), port: hm[3], path: regex };
}

export function matchesPattern(pattern: MatchPattern, url: URL): boolean {
  const scheme = url.protocol.slice(0, -1);
  if (pattern.scheme === '*' ? scheme !== 'http' && scheme !== 'https' : scheme !== pattern.scheme) return false;
  const host = url.hostname.toLowerCase();
  if (host !== pattern.host && !(pattern.subdomains && host.endsWith(`.${pattern.host}`))) return false;
  if (pattern.port !== undefined && url.port !== pattern.port) return false;
  return pattern.path.test(url.pathname + url.search);
}

const parsedPatterns = new Map<string, MatchPattern | undefined>();

/**
 * Whether `url` is on the pages any of `patterns` names. Each pattern is parsed once and kept: the detector runner
 * asks on every re-detection inside busy pages. A pattern that does not parse matches nothing.
 */
export function matchesAny(patterns: readonly string[], url: URL): boolean {
  return patterns.some((pattern) => {
    if (!parsedPatterns.has(pattern)) {
      const parsed = parseMatchPattern(pattern);
      parsedPatterns.set(pattern, typeof parsed === 'string' ? undefined : parsed);
    }
    const parsed = parsedPatterns.get(pattern);
    return parsed !== undefined && matchesPattern(parsed, url);
  });
}

export type JsonPathSegment = string | number;

const MAX_JSON_PATH_SEGMENTS = 32;

/**
 * The JSONPath subset site plugins use: `$` then `.name`, `[0]` or `["any key"]`, e.g. `$.owner.email` or
 * `$.items[0]["doc id"]`. No wildcards, filters or recursive descent: one path names one value.
 */
export function parseJsonPath(path: string): JsonPathSegment[] | string {
  if (!path.startsWith('$')) return 'must start with $';
  const segments: JsonPathSegment[] = [];
  const token = /\.([A-Za-z_$][\w$-]*)|\[(\d{1,6})\]|\["((?:[^"\\]|\\.){1,256})"\]|\['([^'\\]{1,256})'\]/y;
  token.lastIndex = 1;
  while (token.lastIndex < path.length) {
    const at = token.lastIndex;
    const m = token.exec(path);
    if (!m) return `unsupported syntax at character ${at + 1}; use $.name, [0] or ["key"]`;
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else if (m[3] !== undefined) segments.push(JSON.parse(`"${m[3]}"`) as string);
    else segments.push(m[4]!);
    if (segments.length > MAX_JSON_PATH_SEGMENTS) return `must have at most ${MAX_JSON_PATH_SEGMENTS} steps`;
  }
  return segments;
}

/** The value at `path` in `value`, reading own properties only; `undefined` when any step is missing. */
export function readJsonPath(value: unknown, path: readonly JsonPathSegment[]): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) return undefined;
      current = current[segment];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
      if (!Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
}

/** `{name}` placeholders of a URL or file-name template, in order. */
export function templatePlaceholders(template: string): string[] {
  return [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!);
}

/** The template with each placeholder replaced by `encode(value)`; `undefined` when a value is missing. */
export function fillTemplate(
  template: string,
  values: Readonly<Record<string, string | undefined>>,
  encode: (value: string) => string,
): string | undefined {
  let missing = false;
  const filled = template.replace(/\{([^{}]*)\}/g, (_, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined || value === '') {
      missing = true;
      return '';
    }
    return encode(value);
  });
  return missing ? undefined : filled;
}
