/**
 * A link received from a server (a receipt's URL, a prior record's URL) as an href, only when it is `https:` or
 * `http:`; undefined for anything else (`javascript:`, `data:`, relative or malformed), which is then shown as
 * text. A hostile or broken repository must not be able to put a script behind "Open the record".
 */
export function safeHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
}
