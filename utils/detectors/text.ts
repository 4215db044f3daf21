/** Plain-text helpers shared by the detectors: everything read from a page passes through them. */

const SKIPPED_ELEMENTS = new Set(['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT']);
/** Bounds the work on hostile markup (deep nesting, huge text nodes). */
const MAX_NODES = 2000;
const MAX_RAW = 100_000;

/**
 * Page text made safe to show and store: no control characters (bidirectional overrides included, which can
 * disguise a file name), no markup-looking tags (a title such as
 * `Hi<script>…</script>` keeps `Hi`), whitespace collapsed, trimmed and cut to `max` characters.
 */
export function cleanText(value: unknown, max: number): string {
  if (typeof value !== 'string') return '';
  return (
    value
      .slice(0, MAX_RAW)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g, ' ')
      .replace(/<\/?[a-z][^<>]*>/gi, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, max)
      .trim()
  );
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
