/**
 * Values from records that go into response headers. A content entry's `mimeType` and `name` are whatever a client
 * declared; a header may carry neither CR, LF nor anything above U+00FF (Node refuses to send it, and a browser
 * would split the header), so what is not a well-formed value is replaced, never passed through.
 */

const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
/** RFC 9110 § 5.6.4 quoted-string, without obs-text: ASCII only. */
const QUOTED = '"(?:[\\t !#-\\[\\]-~]|\\\\[\\t -~])*"';
/** RFC 9110 § 8.3.1: type "/" subtype *( OWS ";" OWS [ name "=" ( token / quoted-string ) ] ). */
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?:[ \\t]*;[ \\t]*(?:${TOKEN}=(?:${TOKEN}|${QUOTED}))?)*$`);

export const FALLBACK_MEDIA_TYPE = 'application/octet-stream';

/** The declared media type when it is a valid RFC 9110 media type, else application/octet-stream. */
export function safeMediaType(declared: string): string {
  return declared.length <= 255 && MEDIA_TYPE.test(declared) ? declared : FALLBACK_MEDIA_TYPE;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `Content-Disposition: attachment` for a file name of any characters (RFC 6266): an ASCII `filename` for old
 * clients, with anything else replaced by `_`, and the exact name in `filename*` (RFC 8187, UTF-8, percent-encoded).
 */
export function attachmentDisposition(name: string): string {
  const wellFormed = name.replace(LONE_SURROGATE, '\uFFFD');
  const ascii = wellFormed.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(wellFormed).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
