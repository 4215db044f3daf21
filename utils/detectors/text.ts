/** Plain-text helpers shared by the detectors: everything read from a page passes through them. */

const SKIPPED_ELEMENTS = new Set(['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT']);
/** Bounds the work on hostile markup (deep nesting, huge text nodes). */
const MAX_NODES = 2000;
const MAX_RAW = 100_000;

/** Lone surrogates: half a character, which no database or JSON encoder downstream can store. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The text without lone surrogates (`String.prototype.toWellFormed` is not in Firefox 115). */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

/**
 * Page text made safe to show and store: no control characters (U+0000 and bidirectional overrides included, which
 * can disguise a file name), no lone surrogates, no markup-looking tags (a title such as `Hi<script>…</script>`
 * keeps `Hi`), whitespace collapsed, trimmed and cut to `max` characters without splitting a character in two.
 */
export function cleanText(value: unknown, max: number): string {
  if (typeof value !== 'string') return '';
  const text = value
    .slice(0, MAX_RAW)
    .replace(LONE_SURROGATE, '')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g, ' ')
    .replace(/<\/?[a-z][^<>]*>/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return cut(text, max).trim();
}

/** At most `max` UTF-16 units, never ending on the first half of a surrogate pair. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\ud800-\udbff]/.test(text[max - 1] ?? '') ? max - 1 : max;
  return text.slice(0, end);
}

/** A URL, or undefined when the text is not one: `new URL` would throw (URL.canParse: Chrome 120, Firefox 115). */
export function toUrl(text: unknown, base?: URL | string): URL | undefined {
  if (typeof text !== 'string') return undefined;
  const href = text.trim().slice(0, 8192);
  return URL.canParse(href, base) ? new URL(href, base) : undefined;
}

/** A percent-encoded URL part decoded, or left as it is when it is not valid percent-encoding. */
export function decodePart(text: string, plusIsSpace = false): string {
  const value = plusIsSpace ? text.replace(/\+/g, ' ') : text;
  try {
    return decodeURIComponent(value);
  } catch {
    // Malformed escapes (`%E0%A4%A`) are the page's own; the raw text is what it shows.
    return value;
  }
}

/**
 * A URL's query parameters as `[name, value]` pairs, read with `forEach`: in Firefox's content-script sandbox the
 * iterators of `URLSearchParams` (`keys()`, `entries()`, `for…of`) come from the page's compartment and are not
 * iterable there, so they are never used on a URL.
 */
export function queryPairs(url: URL): [string, string][] {
  const pairs: [string, string][] = [];
  url.searchParams.forEach((value, key) => {
    if (pairs.length < 200) pairs.push([key, value]);
  });
  return pairs;
}

/** A query parameter by name, ignoring case (SharePoint writes `sourcedoc`, `SourceDoc` and `sourceDoc`). */
export function queryParam(url: URL, name: string, max = 4096): string {
  const wanted = name.toLowerCase();
  return (queryPairs(url).find(([key]) => key.toLowerCase() === wanted)?.[1] ?? '').slice(0, max);
}

/** An element's text without the text of scripts and styles inside it (`textContent` would include it). */
export function textOf(element: Element | null | undefined, max: number): string {
  if (!element) return '';
  let out = '';
  let visited = 0;
  const stack: Node[] = [element];
  while (stack.length > 0 && out.length < MAX_RAW && visited++ < MAX_NODES) {
    const node = stack.pop()!;
    if (node.nodeType === 3) out += node.nodeValue ?? '';
    else if (node.nodeType === 1 && !SKIPPED_ELEMENTS.has((node as Element).tagName.toUpperCase())) {
      const children = node.childNodes;
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
  }
  return cleanText(out, max);
}

/** An attribute value, cut before any regex runs on it. */
export function attr(element: Element | null | undefined, name: string, max = 4096): string {
  const value = element?.getAttribute(name);
  return typeof value === 'string' ? value.slice(0, max).trim() : '';
}

const EMAIL = /^[^\s<>@",;]{1,64}@[^\s<>@",;]{1,255}$/;

/** `Name <addr>`, or just `addr` when there is no name (or the name is the address). */
export function mailbox(name: unknown, email: unknown): string | undefined {
  const address = cleanText(email, 320);
  if (!EMAIL.test(address)) return undefined;
  const display = cleanText(name, 200).replace(/[<>]/g, '');
  return display && display !== address ? `${display} <${address}>` : address;
}

/** A character an address's local part may hold, as mail headers show it (no space, brackets, quotes or separators). */
const LOCAL_CHAR = /[^\s<>@",;:()[\]]/;
/** A domain with a top-level label, read from the start of the text after an `@`. */
const DOMAIN = /^[a-z0-9.-]{1,253}\.[a-z]{2,63}/i;

/**
 * The first address in free text (a title, a label): what `/[^\s<>@",;:()[\]]{1,64}@[a-z0-9.-]{1,253}\.[a-z]{2,63}/i`
 * finds, found from each `@` instead of from every position, so that a long attribute without an address (a
 * hostile page's kilobyte of letters) costs one `indexOf` rather than 64 steps per character.
 */
export function emailIn(text: string): string | undefined {
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    const domain = DOMAIN.exec(text.slice(at + 1, at + 318))?.[0];
    if (!domain) continue;
    let start = at;
    while (start > 0 && at - start < 64 && LOCAL_CHAR.test(text[start - 1]!)) start--;
    if (start < at) return text.slice(start, at + 1 + domain.length);
  }
  return undefined;
}

/** ISO 8601 with `Z`, without the `.000` when there are no milliseconds. */
export function toIso(date: Date): string | undefined {
  const time = date.getTime();
  if (!Number.isFinite(time) || time < Date.UTC(1000, 0, 1) || time > Date.UTC(9999, 11, 31)) return undefined;
  return date.toISOString().replace('.000Z', 'Z');
}

const ISO_DATE = /^(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?$/;
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const RFC_2822 =
  /^(?:[a-z]{3},\s*)?(\d{1,2})\s+([a-z]{3})[a-z]*\s+(\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s+([+-]\d{4}|UT|GMT|Z)$/i;
export const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): Date | undefined {
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
  // Date.UTC rolls 31 Feb over to March; a date that does not survive the round trip was not a date.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  if (h > 23 || mi > 59 || s > 59) return undefined;
  return date;
}

function offsetMinutes(zone: string | undefined): number {
  if (!zone || /^(z|ut|gmt)$/i.test(zone)) return 0;
  const digits = zone.replace(':', '');
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5) || 0);
  return digits.startsWith('-') ? -minutes : minutes;
}

/**
 * A machine-written date (schema.org, Highwire, Dublin Core, Open Graph, RFC 2822 headers) as ISO 8601 with `Z`.
 * A date without a time becomes midnight UTC (`2019-05-17` → `2019-05-17T00:00:00Z`; a bare year or month
 * takes the first day); a date-time without an offset is read as UTC, since the page gives no zone.
 * Anything else is dropped (`undefined`) rather than guessed.
 */
export function normaliseDate(value: unknown): string | undefined {
  const text = cleanText(value, 64);
  if (!text) return undefined;
  let m = ISO_DATE.exec(text);
  if (m) {
    const date = utc(Number(m[1]), Number(m[2] ?? 1), Number(m[3] ?? 1));
    return date && toIso(date);
  }
  m = ISO_DATE_TIME.exec(text);
  if (m) {
    const ms = Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3));
    const date = utc(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, Number(m[6] ?? 0), ms);
    return date && toIso(new Date(date.getTime() - offsetMinutes(m[8]) * 60_000));
  }
  m = RFC_2822.exec(text);
  if (m) {
    const month = MONTHS.indexOf(m[2]!.toLowerCase()) + 1;
    const date = month > 0 ? utc(+m[3]!, month, +m[1]!, +m[4]!, +m[5]!, Number(m[6] ?? 0)) : undefined;
    return date && toIso(new Date(date.getTime() - offsetMinutes(m[7]) * 60_000));
  }
  return undefined;
}

const MIME: Record<string, string> = {
  pdf: 'application/pdf',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  odp: 'application/vnd.oasis.opendocument.presentation',
  rtf: 'application/rtf',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  html: 'text/html',
  htm: 'text/html',
  xml: 'application/xml',
  json: 'application/json',
  eml: 'message/rfc822',
  msg: 'application/vnd.ms-outlook',
  zip: 'application/zip',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  svg: 'image/svg+xml',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
  boxnote: 'application/vnd.box.boxnote+json',
  paper: 'application/vnd.dropbox.paper',
  docm: 'application/vnd.ms-word.document.macroEnabled.12',
  dotx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.template',
  xlsm: 'application/vnd.ms-excel.sheet.macroEnabled.12',
  xlsb: 'application/vnd.ms-excel.sheet.binary.macroEnabled.12',
  vsdx: 'application/vnd.ms-visio.drawing',
  one: 'application/onenote',
};

const UNIT: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const SIZE = /^([\d.,]+)\s*(bytes?|b|kb|k|mb|m|gb|g)$/i;

/**
 * The date in `span.g3[title]` is written in the viewer's locale and time zone, with no zone in it
 * ("Thu, Dec 4, 2014 at 2:02 PM", "Nov 20, 2026, 9:14 AM", "24 Nov 2022, 07:11"). English month names in any
 * order are understood and read in the browser's time zone, which is the one Gmail renders in. Other
 * languages give `undefined` and the caller falls back to the time inside the message id.
 */
export function parseDisplayDate(title: string): string | undefined {
  const text = cleanText(title, 100)
    .toLowerCase()
    .replace(/[\u00a0\u202f]/g, ' ');
  const time =
    /(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap])\.?\s?m\b\.?/.exec(text) ?? /(\d{1,2}):(\d{2})(?::(\d{2}))?/.exec(text);
  const rest = time ? text.replace(time[0], ' ') : text;
  const month = /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b/.exec(rest);
  const year = /\b(\d{4})\b/.exec(rest);
  const day = /\b(\d{1,2})\b/.exec(rest.replace(year?.[0] ?? '', ' '));
  if (!time || !month || !year || !day) return undefined;
  let hour = Number(time[1]);
  if (time[4]) {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (time[4] === 'p' ? 12 : 0);
  }
  const [y, mo, d] = [Number(year[1]), MONTHS.indexOf(month[1]!), Number(day[1])];
  const date = new Date(y, mo, d, hour, Number(time[2]), Number(time[3] ?? 0));
  if (date.getFullYear() !== y || date.getMonth() !== mo || date.getDate() !== d || date.getHours() !== hour) {
    return undefined;
  }
  return toIso(date);
}

/** "12 KB" → 12288 (Gmail rounds, so this is approximate). */
export function parseSize(text: string): number | undefined {
  const m = SIZE.exec(cleanText(text, 32));
  if (!m) return undefined;
  const value = Number(m[1]!.replace(',', '.'));
  const size = Math.round(value * (UNIT[m[2]![0]!.toLowerCase()] ?? 1));
  return Number.isSafeInteger(size) && size >= 0 ? size : undefined;
}

/** The media type a file name's extension stands for, when it is a common one (Box and Dropbox use it). */
export function mimeTypeFromName(name: string, extension?: string): string | undefined {
  const ext = (extension || /\.([A-Za-z0-9]{1,10})$/.exec(name)?.[1] || '').toLowerCase();
  return Object.hasOwn(MIME, ext) ? MIME[ext] : undefined;
}

/** A name usable as a content part's file name: no path separators, at most 255 characters. */
export function safeFileName(name: string, fallback: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is not allowed in a file name
  const cleaned = cleanText(name, 1024).replace(/[/\\\u0000]/g, '_');
  if (!cleaned || /^\.+$/.test(cleaned)) return fallback;
  if (cleaned.length <= 255) return cleaned;
  const ext = /\.[A-Za-z0-9]{1,10}$/.exec(cleaned)?.[0] ?? '';
  return cleaned.slice(0, 255 - ext.length).trim() + ext;
}

/** `name` kept to letters, digits, spaces and `._()-` (anything else becomes `_`), on one line, at most 200 characters. */
export function plainFileName(name: string): string {
  return name
    .replace(/[^\p{L}\p{N} ._()-]+/gu, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

/** The JSON object literal that starts at `text[start]`, by brace matching (strings respected), then JSON.parse. */
export function jsonObjectAt(text: string, start: number): Record<string, unknown> | null {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      try {
        const value: unknown = JSON.parse(text.slice(start, i + 1));
        return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
      } catch {
        return null;
      }
    }
  }
  return null;
}
