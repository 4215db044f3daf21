/**
 * JSON with comments (`//`, `/* … *\/`) and trailing commas, as admins write presets files and as
 * docs/presets-example.jsonc is written. Comments and trailing commas outside strings are removed, then the text
 * goes to JSON.parse, which throws a SyntaxError on anything else.
 */
export function parseJsonc(text: string): unknown {
  let out = '';
  let i = 0;
  /** Where in `out` a comma outside strings was last written, while only whitespace followed it. */
  let comma = -1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      out += text.slice(start, ++i);
      comma = -1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else {
      if ((c === '}' || c === ']') && comma >= 0) out = out.slice(0, comma) + out.slice(comma + 1);
      if (c === ',') comma = out.length;
      else if (!/\s/.test(c)) comma = -1;
      out += c;
      i++;
    }
  }
  return JSON.parse(out);
}
