import { type Unzipped, unzipSync } from 'fflate';
import type { Metadata } from '../../records/record';
import { errorMessage, isoZ } from './common';
import type { DocumentFacts } from './types';
import { xmlText } from './xml';

export const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

export const OOXML_MIME_TYPES = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
} as const;
export type OfficeKind = keyof typeof OOXML_MIME_TYPES;

/** The package parts read here; everything else in the zip is left compressed. */
const PARTS = ['[Content_Types].xml', 'docProps/core.xml', 'docProps/app.xml'];
/** Metadata parts are a few kilobytes; a bigger one is not worth inflating (and may be a zip bomb). */
const MAX_PART_SIZE = 1 << 20;

/** Which kind of document the package is, from its main part's content type (the file name can lie). */
function kindOf(contentTypes: string, fileName: string): OfficeKind | undefined {
  if (/wordprocessingml\.(document|template)\.main\+xml|ms-word\.(document|template)\.macroEnabled/i.test(contentTypes))
    return 'docx';
  if (/spreadsheetml\.(sheet|template)\.main\+xml|ms-excel\.(sheet|template)\.macroEnabled/i.test(contentTypes))
    return 'xlsx';
  if (/presentationml\.(presentation|template|slideshow)\.main\+xml|ms-powerpoint\..*macroEnabled/i.test(contentTypes))
    return 'pptx';
  const ext = fileName.toLowerCase().match(/\.(docx|xlsx|pptx)$/)?.[1];
  return contentTypes ? (ext as OfficeKind | undefined) : undefined;
}

const COUNTS: Record<string, string> = {
  Pages: 'pages',
  Words: 'words',
  Characters: 'characters',
  Paragraphs: 'paragraphs',
  Lines: 'lines',
  Slides: 'slides',
  Notes: 'notes',
  HiddenSlides: 'hiddenSlides',
};

function date(value: string | undefined): string | undefined {
  return value ? isoZ(new Date(value)) : undefined;
}

/**
 * Reads an Office Open XML document's own metadata (docProps/core.xml: title, creator, dates…; app.xml:
 * application and counts). Throws when the bytes are not a readable OOXML package.
 */
export function parseOffice(bytes: Uint8Array, fileName: string): DocumentFacts & { kind: OfficeKind } {
  if (!ZIP_MAGIC.every((byte, i) => bytes[i] === byte)) {
    throw new Error(`${fileName} is not an Office document (.docx/.xlsx/.pptx are zip packages)`);
  }
  let files: Unzipped;
  try {
    files = unzipSync(bytes, { filter: (file) => PARTS.includes(file.name) && file.originalSize <= MAX_PART_SIZE });
  } catch (error) {
    throw new Error(`${fileName} is a damaged zip package and cannot be read: ${errorMessage(error)}`);
  }
  const decoder = new TextDecoder();
  const part = (name: string) => (files[name] ? decoder.decode(files[name]) : '');
  const kind = kindOf(part('[Content_Types].xml'), fileName);
  if (!kind) throw new Error(`${fileName} is a zip file but not a Word, Excel or PowerPoint document`);

  const core = part('docProps/core.xml');
  const app = part('docProps/app.xml');
  const title = xmlText(core, 'title');
  const creator = xmlText(core, 'creator');
  const description = xmlText(core, 'description') ?? xmlText(core, 'subject');
  const language = xmlText(core, 'language');
  const created = date(xmlText(core, 'created'));
  const modified = date(xmlText(core, 'modified'));
  const metadata: Metadata = {
    mimeType: OOXML_MIME_TYPES[kind],
    ...(creator ? { author: [creator] } : {}),
    ...(description ? { description: description.slice(0, 8192) } : {}),
    ...(language && language.length <= 35 ? { language } : {}),
    ...(created ? { dateCreated: created } : {}),
    ...(modified ? { dateModified: modified } : {}),
  };
  const counts: Record<string, number> = {};
  for (const [element, key] of Object.entries(COUNTS)) {
    const value = Number(xmlText(app, element));
    if (Number.isInteger(value) && value >= 0 && xmlText(app, element) !== undefined) counts[key] = value;
  }
  // Excel states its sheet count only as a heading pair: `Worksheets` followed by the number.
  const sheets = app.match(/<vt:lpstr>Worksheets<\/vt:lpstr><\/vt:variant>\s*<vt:variant>\s*<vt:i4>(\d+)</)?.[1];
  if (sheets) counts.sheets = Number(sheets);
  const application = xmlText(app, 'Application');
  const lastModifiedBy = xmlText(core, 'lastModifiedBy');
  return {
    kind,
    metadata,
    counts,
    ...(title ? { title } : {}),
    ...(application ? { application } : {}),
    ...(lastModifiedBy ? { lastModifiedBy } : {}),
  };
}
