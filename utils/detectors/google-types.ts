/**
 * Every kind of Google-native file, by its Drive MIME type (`application/vnd.google-apps.*`, as Drive's API and its
 * pages name them): how it is captured. A native file has no bytes of its own in Drive, so it is either exported in
 * its own export format from its editor, or declared by its metadata alone with the reason said to the user. A
 * native file is never downloaded blindly as a binary.
 */

export const GOOGLE_NATIVE = 'application/vnd.google-apps.';

export interface GoogleType {
  /** What people call it. */
  label: string;
  /** Why nothing is captured where this type is seen without its editor (a Drive list), or has no export at all. */
  reason: string;
}

const OPEN_TO_EXPORT = (app: string, format: string) =>
  `Drive lists ${app} files without their content: open the file in ${app} to capture it as ${format}.`;

export const GOOGLE_TYPES: Record<string, GoogleType> = {
  document: { label: 'Google Docs', reason: OPEN_TO_EXPORT('Google Docs', '.docx and PDF') },
  spreadsheet: { label: 'Google Sheets', reason: OPEN_TO_EXPORT('Google Sheets', '.xlsx and PDF') },
  presentation: { label: 'Google Slides', reason: OPEN_TO_EXPORT('Google Slides', '.pptx and PDF') },
  drawing: { label: 'Google Drawings', reason: OPEN_TO_EXPORT('Google Drawings', 'SVG and PDF') },
  script: { label: 'Apps Script', reason: OPEN_TO_EXPORT('the Apps Script editor', 'its JSON project export') },
  form: {
    label: 'Google Forms',
    reason:
      'Google Forms has no export format: the form is declared by its metadata. Its responses can be declared from their linked spreadsheet.',
  },
  site: {
    label: 'Google Sites',
    reason:
      'Google Sites has no export format: the site is declared by its metadata. Declare a published page to keep what it shows.',
  },
  vid: {
    label: 'Google Vids',
    reason:
      'Google Vids gives a video file only after rendering it on request, which the extension cannot start: the video is declared by its metadata.',
  },
  jam: {
    label: 'Jamboard',
    reason: 'Jamboard files have no export the extension can fetch: the board is declared by its metadata.',
  },
  shortcut: {
    label: 'Drive shortcut',
    reason: 'A shortcut points to another file and holds no content: open the file it points to to capture that.',
  },
  map: {
    label: 'Google My Maps',
    reason: 'Google My Maps has no export the extension can fetch: the map is declared by its metadata.',
  },
  'drive-sdk': {
    label: 'Third-party shortcut',
    reason: 'This file lives in another app that Drive links to: it is declared by its metadata.',
  },
};

const UNKNOWN_NATIVE: GoogleType = {
  label: 'Google file',
  reason: 'This kind of Google file has no export the extension knows: it is declared by its metadata.',
};

/** The Google-native type of a MIME type, or undefined for an ordinary file (a PDF, a .docx…). */
export function googleType(mimeType: string | undefined): GoogleType | undefined {
  if (!mimeType?.startsWith(GOOGLE_NATIVE)) return undefined;
  return GOOGLE_TYPES[mimeType.slice(GOOGLE_NATIVE.length)] ?? UNKNOWN_NATIVE;
}
