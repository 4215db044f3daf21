/**
 * Just enough XML for the small, flat metadata parts this folder reads (OOXML docProps/core.xml and app.xml, a
 * PDF's XMP packet): the text of an element by local name, entities decoded. Node has no DOMParser and these parts
 * are a few hundred bytes of fixed shape, so a parser library would only add weight. Nothing here evaluates
 * anything: DOCTYPEs and custom entities are not expanded (no billion-laughs), unknown entities stay as written.
 */

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeXmlText(text: string): string {
  return text.replace(/<!\[CDATA\[([\s\S]*?)\]\]>|&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, cdata, entity) => {
    if (cdata !== undefined) return cdata;
    const name = String(entity);
    if (name[0] !== '#') return ENTITIES[name] ?? whole;
    const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The inner markup of every element with this local name (any namespace prefix), comments removed. Self-closing
 * elements give ''.
 */
export function xmlElements(xml: string, localName: string): string[] {
  const name = `(?:[\\w.-]+:)?${escapeRegExp(localName)}`;
  const pattern = new RegExp(`<(${name})(?:\\s[^>]*?)?(?:/>|>([\\s\\S]*?)</\\1\\s*>)`, 'g');
  const stripped = xml.replace(/<!--[\s\S]*?-->/g, '');
  return [...stripped.matchAll(pattern)].map((match) => match[2] ?? '');
}

/** The text of an element's content: nested tags (`rdf:Alt/rdf:li`) dropped, entities decoded, trimmed. */
export function textOf(inner: string): string {
  const parts = inner.split(/(<!\[CDATA\[[\s\S]*?\]\]>)/);
  const text = parts.map((part, i) => (i % 2 === 1 ? part : part.replace(/<[^>]*>/g, ' '))).join('');
  return decodeXmlText(text).replace(/\s+/g, ' ').trim();
}

/** The first non-empty text of an element with this local name. */
export function xmlText(xml: string, localName: string): string | undefined {
  for (const inner of xmlElements(xml, localName)) {
    const text = textOf(inner);
    if (text) return text;
  }
  return undefined;
}

/** Texts of the `li` items of a list element (`dc:creator/rdf:Seq/rdf:li`), or its plain text. */
export function xmlList(xml: string, localName: string): string[] {
  const inner = xmlElements(xml, localName)[0];
  if (inner === undefined) return [];
  const items = xmlElements(inner, 'li').map(textOf).filter(Boolean);
  if (items.length > 0) return items;
  const text = textOf(inner);
  return text ? [text] : [];
}
