import { unzlibSync } from 'fflate';
import type { Metadata } from '../../records/record';
import { binaryString, errorMessage } from './common';
import type { DocumentFacts } from './types';
import { xmlList, xmlText } from './xml';

/**
 * A PDF's own metadata: the document information dictionary (PDF 1.x `/Info`), with the XMP packet as a fallback
 * for what Info lacks, the page count and the catalog's `/Lang`. This is a small reader of the file's object
 * syntax rather than pdf-lib or pdf.js: those are 200 kB–1 MB minified to read a handful of strings, and this
 * is a few kB. It finds objects by scanning for `N G obj` (so damaged xref tables do not matter) and looks into
 * compressed object streams when an object is not found outside them.
 */

class PdfName {
  constructor(readonly name: string) {}
}
/** A string's raw bytes, one char code per byte. */
class PdfString {
  constructor(readonly raw: string) {}
}
class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
}
type PdfValue = number | boolean | null | PdfName | PdfString | PdfRef | PdfValue[] | PdfDict;
type PdfDict = Map<string, PdfValue>;

const WHITESPACE = '\0\t\n\f\r ';
const DELIMITERS = '()<>[]{}/%';

/** Reads one PDF object (a dictionary, string, number…) from `text` at `start`. */
class Lexer {
  constructor(
    private readonly text: string,
    public pos: number,
  ) {}

  private skip(): void {
    const { text } = this;
    while (this.pos < text.length) {
      const c = text[this.pos]!;
      if (WHITESPACE.includes(c)) this.pos++;
      else if (c === '%')
        while (this.pos < text.length && text[this.pos] !== '\n' && text[this.pos] !== '\r') this.pos++;
      else break;
    }
  }

  private token(): string {
    const start = this.pos;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos]!;
      if (WHITESPACE.includes(c) || DELIMITERS.includes(c)) break;
      this.pos++;
    }
    return this.text.slice(start, this.pos);
  }

  value(depth = 0): PdfValue {
    if (depth > 100) throw new Error('objects nested too deeply');
    this.skip();
    const { text } = this;
    const c = text[this.pos];
    if (c === undefined) throw new Error('unexpected end of file');
    if (c === '<' && text[this.pos + 1] === '<') {
      this.pos += 2;
      const dict: PdfDict = new Map();
      for (;;) {
        this.skip();
        if (text.startsWith('>>', this.pos)) {
          this.pos += 2;
          return dict;
        }
        const key = this.value(depth + 1);
        if (!(key instanceof PdfName)) throw new Error('dictionary key is not a name');
        dict.set(key.name, this.value(depth + 1));
      }
    }
    if (c === '[') {
      this.pos++;
      const array: PdfValue[] = [];
      for (;;) {
        this.skip();
        if (text[this.pos] === ']') {
          this.pos++;
          return array;
        }
        if (this.pos >= text.length) throw new Error('unterminated array');
        array.push(this.value(depth + 1));
      }
    }
    if (c === '(') return this.literal();
    if (c === '<') {
      const end = text.indexOf('>', this.pos);
      if (end < 0) throw new Error('unterminated hex string');
      const hex = text.slice(this.pos + 1, end).replace(/[^0-9a-fA-F]/g, '');
      this.pos = end + 1;
      const padded = hex.length % 2 ? `${hex}0` : hex;
      let raw = '';
      for (let i = 0; i < padded.length; i += 2)
        raw += String.fromCharCode(Number.parseInt(padded.slice(i, i + 2), 16));
      return new PdfString(raw);
    }
    if (c === '/') {
      this.pos++;
      return new PdfName(
        this.token().replace(/#([0-9a-fA-F]{2})/g, (_, h) => String.fromCharCode(Number.parseInt(h, 16))),
      );
    }
    const word = this.token();
    if (word === '') throw new Error(`unexpected character ${JSON.stringify(c)}`);
    if (word === 'true' || word === 'false') return word === 'true';
    if (word === 'null') return null;
    const number = Number(word);
    if (Number.isNaN(number)) throw new Error(`unexpected ${JSON.stringify(word.slice(0, 20))}`);
    // `12 0 R` is a reference: look ahead for the generation number and the R.
    const ref = /^\s+(\d+)\s+R(?=[\s/<>[\]()%]|$)/.exec(text.slice(this.pos, this.pos + 32));
    if (ref && Number.isInteger(number)) {
      this.pos += ref[0].length;
      return new PdfRef(number, Number(ref[1]));
    }
    return number;
  }

  private literal(): PdfString {
    const { text } = this;
    let depth = 0;
    let raw = '';
    this.pos++;
    while (this.pos < text.length) {
      const c = text[this.pos++]!;
      if (c === '\\') {
        const next = text[this.pos++] ?? '';
        const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };
        if (next in simple) raw += simple[next];
        else if (next >= '0' && next <= '7') {
          let octal = next;
          while (octal.length < 3 && text[this.pos]! >= '0' && text[this.pos]! <= '7') octal += text[this.pos++];
          raw += String.fromCharCode(Number.parseInt(octal, 8) & 0xff);
        } else if (next === '\r') {
          if (text[this.pos] === '\n') this.pos++;
        } else if (next !== '\n') raw += next;
      } else if (c === '(') {
        depth++;
        raw += c;
      } else if (c === ')') {
        if (depth === 0) return new PdfString(raw);
        depth--;
        raw += c;
      } else raw += c;
    }
    throw new Error('unterminated string');
  }
}

/** PDFDocEncoding where it differs from Latin-1 (ISO 32000-1 Annex D). */
const PDF_DOC: Record<number, number> = {
  128: 0x2022,
  129: 0x2020,
  130: 0x2021,
  131: 0x2026,
  132: 0x2014,
  133: 0x2013,
  134: 0x0192,
  135: 0x2044,
  136: 0x2039,
  137: 0x203a,
  138: 0x2212,
  139: 0x2030,
  140: 0x201e,
  141: 0x201c,
  142: 0x201d,
  143: 0x2018,
  144: 0x2019,
  145: 0x201a,
  146: 0x2122,
  147: 0xfb01,
  148: 0xfb02,
  149: 0x0141,
  150: 0x0152,
  151: 0x0160,
  152: 0x0178,
  153: 0x017d,
  154: 0x0131,
  155: 0x0142,
  156: 0x0153,
  157: 0x0161,
  158: 0x017e,
  160: 0x20ac,
};

function bytesOf(raw: string): Uint8Array {
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/** A text string: UTF-16BE with a BOM, UTF-8 with a BOM (PDF 2.0), else PDFDocEncoding. */
export function decodePdfText(raw: string): string {
  let text: string;
  if (raw.startsWith('\xfe\xff')) text = new TextDecoder('utf-16be').decode(bytesOf(raw.slice(2)));
  else if (raw.startsWith('\xef\xbb\xbf')) text = new TextDecoder().decode(bytesOf(raw.slice(3)));
  else text = Array.from(raw, (c) => String.fromCharCode(PDF_DOC[c.charCodeAt(0)] ?? c.charCodeAt(0))).join('');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed here.
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').trim();
}

/** `D:YYYYMMDDHHmmSSOHH'mm'` (every part after the year optional) as ISO 8601 UTC; no offset is read as UTC. */
export function parsePdfDate(value: string): string | undefined {
  const m = /^\s*(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?\s*(?:([+\-Zz])\s*(\d{2})?'?(\d{2})?'?)?/.exec(
    value,
  );
  if (!m) return undefined;
  const [year, month = 1, day = 1, hour = 0, minute = 0, second = 0] = m
    .slice(1, 7)
    .map((p) => (p ? Number(p) : undefined));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const sign = m[7] === '-' ? -1 : 1;
  const offset = m[7] && m[7].toUpperCase() !== 'Z' ? sign * (Number(m[8] ?? 0) * 60 + Number(m[9] ?? 0)) : 0;
  const time = Date.UTC(year!, month - 1, day, hour, minute, second) - offset * 60_000;
  const date = new Date(time);
  return Number.isNaN(time) ? undefined : date.toISOString().replace('.000Z', 'Z');
}

class PdfFile {
  private objectStreams?: Map<number, { text: string; offset: number }>;

  constructor(readonly text: string) {}

  /** The last definition of object `num` (incremental updates append newer ones), or undefined. */
  object(num: number): PdfValue | undefined {
    const pattern = new RegExp(`(?:^|[^0-9])${num}\\s+\\d+\\s+obj\\b`, 'g');
    let last: RegExpExecArray | null = null;
    for (let m = pattern.exec(this.text); m; m = pattern.exec(this.text)) last = m;
    if (last) return new Lexer(this.text, last.index + last[0].length).value();
    const packed = this.packedObjects().get(num);
    return packed ? new Lexer(packed.text, packed.offset).value() : undefined;
  }

  resolve(value: PdfValue | undefined, hops = 0): PdfValue | undefined {
    return value instanceof PdfRef && hops < 16 ? this.resolve(this.object(value.num), hops + 1) : value;
  }

  dict(value: PdfValue | undefined): PdfDict | undefined {
    const resolved = this.resolve(value);
    return resolved instanceof Map ? resolved : undefined;
  }

  /** The raw data of the stream that follows object `num`'s dictionary. */
  streamData(num: number): { dict: PdfDict; data: string } | undefined {
    const pattern = new RegExp(`(?:^|[^0-9])${num}\\s+\\d+\\s+obj\\b`, 'g');
    let last: RegExpExecArray | null = null;
    for (let m = pattern.exec(this.text); m; m = pattern.exec(this.text)) last = m;
    if (!last) return undefined;
    const lexer = new Lexer(this.text, last.index + last[0].length);
    const dict = lexer.value();
    if (!(dict instanceof Map)) return undefined;
    return this.streamAfter(dict, lexer.pos);
  }

  private streamAfter(dict: PdfDict, pos: number): { dict: PdfDict; data: string } | undefined {
    const keyword = /^\s*stream\r?\n/.exec(this.text.slice(pos, pos + 32));
    if (!keyword) return undefined;
    const start = pos + keyword[0].length;
    const length = this.resolve(dict.get('Length'));
    const fits =
      typeof length === 'number' && /^\s*endstream/.test(this.text.slice(start + length, start + length + 20));
    const end = fits ? start + (length as number) : this.text.indexOf('endstream', start);
    return end < 0 ? undefined : { dict, data: this.text.slice(start, end) };
  }

  /** Objects kept in compressed object streams (PDF 1.5+), read once and only when needed. */
  private packedObjects(): Map<number, { text: string; offset: number }> {
    if (this.objectStreams) return this.objectStreams;
    const found = new Map<number, { text: string; offset: number }>();
    for (const m of this.text.matchAll(/(?:^|[^0-9])\d+\s+\d+\s+obj\s*<<[^>]{0,300}?\/Type\s*\/ObjStm/g)) {
      try {
        const lexer = new Lexer(this.text, this.text.indexOf('<<', m.index));
        const dict = lexer.value() as PdfDict;
        const stream = this.streamAfter(dict, lexer.pos);
        const filter = dict.get('Filter');
        if (!stream || !(filter instanceof PdfName && filter.name === 'FlateDecode')) continue;
        const text = binaryString(unzlibSync(bytesOf(stream.data.replace(/\s+$/, ''))));
        const first = Number(dict.get('First'));
        const header = text.slice(0, first).trim().split(/\s+/).map(Number);
        for (let i = 0; i + 1 < header.length; i += 2) {
          if (!found.has(header[i]!)) found.set(header[i]!, { text, offset: first + header[i + 1]! });
        }
      } catch {
        // A damaged object stream only hides the objects inside it; the others are still read.
      }
    }
    this.objectStreams = found;
    return found;
  }

  /** Trailer entries, newest first: classic `trailer` dictionaries and cross-reference stream dictionaries. */
  trailers(): PdfDict[] {
    const dicts: { at: number; dict: PdfDict }[] = [];
    for (const m of this.text.matchAll(/trailer\s*<</g)) {
      try {
        dicts.push({ at: m.index, dict: new Lexer(this.text, this.text.indexOf('<<', m.index)).value() as PdfDict });
      } catch {}
    }
    for (const m of this.text.matchAll(/obj\s*<<[^>]{0,300}?\/Type\s*\/XRef\b/g)) {
      try {
        dicts.push({ at: m.index, dict: new Lexer(this.text, this.text.indexOf('<<', m.index)).value() as PdfDict });
      } catch {}
    }
    return dicts.sort((a, b) => b.at - a.at).map((d) => d.dict);
  }
}

function text(dict: PdfDict | undefined, key: string): string | undefined {
  const value = dict?.get(key);
  return value instanceof PdfString ? decodePdfText(value.raw) || undefined : undefined;
}

/**
 * Reads a PDF's title, author, subject, creator/producer, dates, language and page count. Throws on a file that
 * is not a PDF, is truncated, damaged or encrypted (its strings are then unreadable without the key).
 */
export function parsePdf(bytes: Uint8Array): DocumentFacts {
  const head = binaryString(bytes, 0, Math.min(bytes.length, 1024));
  if (!head.includes('%PDF-')) throw new Error('Not a PDF: the file does not start with %PDF-');
  const tail = binaryString(bytes, Math.max(0, bytes.length - 2048));
  if (!tail.includes('%%EOF') && !tail.includes('startxref')) {
    throw new Error('The PDF is truncated (no end-of-file marker); download or save it again');
  }
  const file = new PdfFile(binaryString(bytes));
  const trailers = file.trailers();
  const entry = (key: string) => trailers.find((t) => t.has(key))?.get(key);
  if (entry('Encrypt') !== undefined) {
    throw new Error('The PDF is encrypted; its metadata cannot be read (save an unprotected copy to declare it)');
  }
  let info: PdfDict | undefined;
  let catalog: PdfDict | undefined;
  try {
    info = file.dict(entry('Info'));
    catalog = file.dict(entry('Root'));
  } catch (error) {
    throw new Error(`The PDF is damaged and its metadata cannot be read: ${errorMessage(error)}`);
  }
  if (!catalog) throw new Error('The PDF is damaged: its document catalog (/Root) was not found');

  let xmp = '';
  const metadataRef = catalog.get('Metadata');
  if (metadataRef instanceof PdfRef) {
    const stream = file.streamData(metadataRef.num);
    // XMP is normally left uncompressed so that tools can find it; a compressed one is skipped.
    if (stream && !stream.dict.has('Filter')) xmp = new TextDecoder().decode(bytesOf(stream.data));
  }

  const title = text(info, 'Title') ?? xmlList(xmp, 'title')[0];
  const authorText = text(info, 'Author');
  const author = authorText ? [authorText] : xmlList(xmp, 'creator');
  const description = text(info, 'Subject') ?? xmlList(xmp, 'description')[0];
  const created = parsePdfDate(text(info, 'CreationDate') ?? '') ?? isoOrUndefined(xmlText(xmp, 'CreateDate'));
  const modified = parsePdfDate(text(info, 'ModDate') ?? '') ?? isoOrUndefined(xmlText(xmp, 'ModifyDate'));
  const lang = text(catalog, 'Lang') ?? xmlList(xmp, 'language')[0];
  const application = text(info, 'Creator') ?? xmlText(xmp, 'CreatorTool');
  const producer = text(info, 'Producer') ?? xmlText(xmp, 'Producer');

  const counts: Record<string, number> = {};
  try {
    const pages = file.resolve(file.dict(catalog.get('Pages'))?.get('Count'));
    if (typeof pages === 'number' && Number.isInteger(pages) && pages >= 0) counts.pages = pages;
  } catch {
    // The page count is a nicety; a damaged page tree does not make the rest unreadable.
  }

  const metadata: Metadata = {
    mimeType: 'application/pdf',
    ...(author.length ? { author } : {}),
    ...(description ? { description: description.slice(0, 8192) } : {}),
    ...(created ? { dateCreated: created } : {}),
    ...(modified ? { dateModified: modified } : {}),
    ...(lang && lang.length <= 35 ? { language: lang } : {}),
  };
  return {
    metadata,
    counts,
    ...(title ? { title } : {}),
    ...(application ? { application } : {}),
    ...(producer ? { producer } : {}),
  };
}

function isoOrUndefined(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString().replace('.000Z', 'Z');
}
