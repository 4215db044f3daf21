/** Small helpers shared by the format parsers. Browser and Node alike: no Node built-ins. */

/** An instant as the record stores it: ISO 8601 in UTC, without milliseconds when they are zero. */
export function isoZ(date: Date): string | undefined {
  const time = date.getTime();
  if (Number.isNaN(time)) return undefined;
  return date.toISOString().replace('.000Z', 'Z');
}

/** `Name <addr>`, or the bare address when there is no display name. */
export function formatMailbox(name: string | undefined, address: string | undefined): string | undefined {
  const addr = address?.trim();
  const display = name?.trim().replace(/\s+/g, ' ');
  if (!addr) return display || undefined;
  if (!display || display === addr) return addr;
  // A name with RFC 5322 specials (a comma, above all) is quoted so the result still parses as one address.
  const phrase = /[(),:;<>@[\]\\"]/.test(display) ? `"${display.replace(/["\\]/g, '\\$&')}"` : display;
  return `${phrase} <${addr}>`;
}

/** The message, whatever was thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const UNSAFE_IN_NAME =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  /[/\\\u0000-\u001f\u007f-\u009f]+|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A name usable as a file name: no path separators or control characters, at most 255 characters. */
export function safeFileName(name: string, fallback: string): string {
  const cleaned = name
    .replace(UNSAFE_IN_NAME, '_')
    // Bidirectional overrides could make `report\u202excod.exe` read as another name.
    .replace(/[\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/g, '')
    .trim();
  if (!cleaned || cleaned === '.' || cleaned === '..') return fallback;
  if (cleaned.length <= 255) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const ext = dot > 0 && cleaned.length - dot <= 16 ? cleaned.slice(dot) : '';
  return cleaned.slice(0, 255 - ext.length) + ext;
}

const EXTENSIONS: Record<string, string> = {
  'message/rfc822': 'eml',
  'message/delivery-status': 'txt',
  'text/plain': 'txt',
  'text/html': 'html',
  'text/calendar': 'ics',
  'application/ics': 'ics',
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
};

/** A file extension for a MIME type, for parts that carry no file name. */
export function extensionFor(mimeType: string): string {
  return EXTENSIONS[mimeType.toLowerCase()] ?? (mimeType.startsWith('text/') ? 'txt' : 'bin');
}

/** Bytes as a string of char codes 0–255, so byte offsets and string indices agree. */
export function binaryString(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = '';
  for (let i = start; i < end; i += 0x8000) {
    out += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + 0x8000)));
  }
  return out;
}
