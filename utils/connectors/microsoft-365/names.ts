import type { DeclaredRecord } from '../../records/record';

/**
 * Names in a SharePoint library, derived from the record alone, so that every retry asks for the same names and
 * `@microsoft.graph.conflictBehavior=fail` turns a repeat into a 409 instead of a second copy.
 *
 * SharePoint refuses `" * : < > ? / \ |`, leading and trailing spaces, names ending in a dot, `_vti_` anywhere,
 * and a few reserved names (Microsoft's "Restrictions and limitations in OneDrive and SharePoint"); `#` and `%`
 * are allowed today but break older clients, so they go too.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are among what is replaced
const FORBIDDEN = /["*:<>?/\\|#%\u0000-\u001f\u007f]/g;
const RESERVED = /^(?:\.lock|CON|PRN|AUX|NUL|COM\d|LPT\d|desktop\.ini)$/i;
const MAX_NAME = 120;

/** A file or folder name SharePoint accepts, or `fallback` when nothing of `name` is left. */
export function safeName(name: string, fallback: string): string {
  let clean = name.normalize('NFC').replace(FORBIDDEN, '_').replace(/_vti_/gi, '_vti-').replace(/\s+/g, ' ').trim();
  if (clean.length > MAX_NAME) {
    // Keep the extension when cutting a long name.
    const dot = clean.lastIndexOf('.');
    const ext = dot > 0 && clean.length - dot <= 12 ? clean.slice(dot) : '';
    clean = clean.slice(0, MAX_NAME - ext.length).trimEnd() + ext;
  }
  clean = clean.replace(/[.\s]+$/, '');
  if (!clean || RESERVED.test(clean) || clean.startsWith('~$')) return fallback;
  return clean;
}

/** The record's folder: its title for people, its id for uniqueness and traceability. */
export function recordFolderName(record: Pick<DeclaredRecord, 'id' | 'title'>): string {
  const title = safeName(record.title, '')
    .slice(0, 60)
    .trim()
    .replace(/[.\s]+$/, '');
  return title ? `${title} (${record.id})` : record.id;
}

/** Each part's file name in the record folder, unique within it (SharePoint compares names case-insensitively). */
export function partNames(record: Pick<DeclaredRecord, 'content'>): string[] {
  const cleaned = record.content.map((entry, index) => safeName(entry.name, `part-${index + 1}`));
  const counts = new Map<string, number>();
  for (const name of cleaned) counts.set(name.toLowerCase(), (counts.get(name.toLowerCase()) ?? 0) + 1);
  const taken = new Set(cleaned.filter((name) => counts.get(name.toLowerCase()) === 1).map((n) => n.toLowerCase()));
  return cleaned.map((name, index) => {
    if (counts.get(name.toLowerCase()) === 1) return name;
    // Several parts share a name: each gets its position, and more if that is taken too.
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    let candidate = `${stem} (${index + 1})${ext}`;
    for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${stem} (${index + 1}.${n})${ext}`;
    taken.add(candidate.toLowerCase());
    return candidate;
  });
}
