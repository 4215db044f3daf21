import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { Metadata } from '../../records/record';
import { decodePdfText, parsePdf, parsePdfDate } from './pdf';

const load = (file: string) => new Uint8Array(readFileSync(join(import.meta.dirname, 'fixtures', file)));
const pdf = (body: string) => new TextEncoder().encode(body);

describe('parsePdf', () => {
  it('reads the Info dictionary, language and page count of a real Word-made PDF (xref stream + update)', () => {
    const facts = parsePdf(load('pdf-parse-05-versions-space.pdf'));
    expect(facts).toEqual({
      metadata: {
        mimeType: 'application/pdf',
        author: ['Alexander.vl.Russkikh'],
        dateCreated: '2018-10-18T09:50:15Z',
        dateModified: '2018-10-18T09:50:15Z',
        language: 'pt-PT',
      },
      counts: { pages: 1 },
      application: 'Microsoft® Word 2016',
      producer: 'Microsoft® Word 2016',
    });
    expect(v.parse(Metadata, facts.metadata)).toEqual(facts.metadata);
  });

  it('refuses a truncated copy, another file and an encrypted PDF with clear errors', () => {
    const bytes = load('pdf-parse-05-versions-space.pdf');
    expect(() => parsePdf(bytes.slice(0, 100_000))).toThrow('The PDF is truncated (no end-of-file marker)');
    expect(() => parsePdf(load('postal-mime_mixed.eml'))).toThrow('Not a PDF');
    const encrypted = pdf(
      '%PDF-1.4\n1 0 obj <</Type/Catalog>> endobj\ntrailer <</Root 1 0 R/Encrypt 2 0 R>>\nstartxref\n0\n%%EOF\n',
    );
    expect(() => parsePdf(encrypted)).toThrow(/encrypted/);
    const noCatalog = pdf('%PDF-1.4\ntrailer <</Root 9 0 R>>\nstartxref\n0\n%%EOF\n');
    expect(() => parsePdf(noCatalog)).toThrow(/damaged/);
  });

  it('reads escapes, PDFDocEncoding, XMP fallbacks and objects inside compressed object streams', () => {
    const xmp =
      '<x:xmpmeta><rdf:RDF><rdf:Description><dc:title><rdf:Alt><rdf:li xml:lang="x-default">Budget &amp; plan</rdf:li></rdf:Alt></dc:title>' +
      '<dc:creator><rdf:Seq><rdf:li>Ann</rdf:li><rdf:li>Bob</rdf:li></rdf:Seq></dc:creator>' +
      '<xmp:CreateDate>2024-02-01T10:00:00+01:00</xmp:CreateDate></rdf:Description></rdf:RDF></x:xmpmeta>';
    const file = pdf(
      `%PDF-1.7\n1 0 obj <</Type/Catalog/Pages 2 0 R/Metadata 4 0 R>> endobj\n2 0 obj <</Type/Pages/Count 3/Kids[]>> endobj\n` +
        `3 0 obj <</Subject(Line\\(1\\)\\nA\\351t\\200)/ModDate(D:20240301)>> endobj\n` +
        `4 0 obj <</Type/Metadata/Subtype/XML/Length ${xmp.length}>>\nstream\n${xmp}\nendstream endobj\n` +
        'trailer <</Root 1 0 R/Info 3 0 R>>\nstartxref\n0\n%%EOF\n',
    );
    const facts = parsePdf(file);
    expect(facts.title).toBe('Budget & plan');
    expect(facts.metadata.author).toEqual(['Ann', 'Bob']);
    expect(facts.metadata.description).toBe('Line(1)\nAét•');
    expect(facts.metadata.dateCreated).toBe('2024-02-01T09:00:00Z');
    expect(facts.metadata.dateModified).toBe('2024-03-01T00:00:00Z');
    expect(facts.counts).toEqual({ pages: 3 });
  });
});

describe('parsePdfDate', () => {
  it('turns PDF dates into ISO UTC', () => {
    expect(parsePdfDate("D:20181018105015+01'00'")).toBe('2018-10-18T09:50:15Z');
    expect(parsePdfDate("D:19991231235959-05'30")).toBe('2000-01-01T05:29:59Z');
    expect(parsePdfDate('D:20240229120000Z')).toBe('2024-02-29T12:00:00Z');
    expect(parsePdfDate('D:2024')).toBe('2024-01-01T00:00:00Z');
    expect(parsePdfDate('D:20241301')).toBeUndefined();
    expect(parsePdfDate('yesterday')).toBeUndefined();
  });

  it('decodes UTF-16BE and UTF-8 text strings', () => {
    expect(decodePdfText('\xfe\xff\x00H\x00\xe9')).toBe('Hé');
    expect(decodePdfText('\xef\xbb\xbf\xc3\xa9')).toBe('é');
  });
});
