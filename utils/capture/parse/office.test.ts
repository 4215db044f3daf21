import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { Metadata } from '../../records/record';
import { OOXML_MIME_TYPES, parseOffice } from './office';

const load = (file: string) => new Uint8Array(readFileSync(join(import.meta.dirname, 'fixtures', file)));

describe('parseOffice', () => {
  it('reads core and app properties of a real .docx', () => {
    const facts = parseOffice(load('mammoth-tables.docx'), 'mammoth-tables.docx');
    expect(facts).toEqual({
      kind: 'docx',
      metadata: {
        mimeType: OOXML_MIME_TYPES.docx,
        author: ['Michael Williamson'],
        dateCreated: '2014-07-05T18:21:00Z',
        dateModified: '2014-07-05T18:22:00Z',
      },
      counts: { pages: 1, words: 8, characters: 50, paragraphs: 1, lines: 1 },
      application: 'Microsoft Office Word',
      lastModifiedBy: 'Michael Williamson',
    });
    expect(v.parse(Metadata, facts.metadata)).toEqual(facts.metadata);
  });

  it('reads the other real .docx files and a real .xlsx', () => {
    expect(parseOffice(load('mammoth-footnotes.docx'), 'a.docx').metadata.dateModified).toBe('2014-06-10T11:11:00Z');
    expect(parseOffice(load('mammoth-single-paragraph.docx'), 'b.docx').counts.words).toBe(3);
    const sheet = parseOffice(load('xlsx-populate-ranges-template.xlsx'), 'template.xlsx');
    expect(sheet).toMatchObject({ kind: 'xlsx', application: 'Microsoft Excel', lastModifiedBy: 'David Johnson' });
    expect(sheet.counts).toMatchObject({ sheets: 1 });
    expect(sheet.metadata).toMatchObject({
      mimeType: OOXML_MIME_TYPES.xlsx,
      author: ['Virtu'],
      dateCreated: '2015-11-02T23:36:42Z',
      dateModified: '2017-03-23T17:13:03Z',
    });
  });

  it('reads title, description, language and slide count of a .pptx, decoding entities', () => {
    const pptx = zipSync({
      '[Content_Types].xml': strToU8(
        '<Types><Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/></Types>',
      ),
      'docProps/core.xml': strToU8(
        '<cp:coreProperties xmlns:dc="x"><dc:title>Q3 &amp; Q4 &#8212; review</dc:title><dc:description><![CDATA[a <b> c]]></dc:description>' +
          '<dc:language>fr-FR</dc:language><dcterms:created>2024-05-06T07:08:09+02:00</dcterms:created></cp:coreProperties>',
      ),
      'docProps/app.xml': strToU8(
        '<Properties><Application>Microsoft Office PowerPoint</Application><Slides>12</Slides></Properties>',
      ),
    });
    const facts = parseOffice(pptx, 'deck.pptx');
    expect(facts.kind).toBe('pptx');
    expect(facts.title).toBe('Q3 & Q4 — review');
    expect(facts.metadata).toEqual({
      mimeType: OOXML_MIME_TYPES.pptx,
      description: 'a <b> c',
      language: 'fr-FR',
      dateCreated: '2024-05-06T05:08:09Z',
    });
    expect(facts.counts).toEqual({ slides: 12 });
  });

  it('refuses a corrupted zip, a zip that is no Office document and a non-zip, with clear errors', () => {
    const bytes = load('mammoth-tables.docx');
    const corrupted = bytes.slice(0, 4000);
    expect(() => parseOffice(corrupted, 'broken.docx')).toThrow(/broken\.docx is a damaged zip package/);
    const plainZip = zipSync({ 'notes.txt': strToU8('hello') });
    expect(() => parseOffice(plainZip, 'notes.zip')).toThrow(
      'notes.zip is a zip file but not a Word, Excel or PowerPoint document',
    );
    expect(() => parseOffice(load('postal-mime_mixed.eml'), 'x.docx')).toThrow(/not an Office document/);
  });
});
