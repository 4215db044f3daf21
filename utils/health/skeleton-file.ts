import * as v from 'valibot';

/**
 * A skeleton file: a first comment saying what it is (`<!--recordkeeper-skeleton {…}-->`), then the skeleton's HTML
 * (utils/health/skeleton.ts). The comment carries the page address as the skeleton keeps it, when it was taken and
 * why; `npm run inspect -- skeleton.html` reads the address from it. It is placed before the doctype, where the HTML
 * parser keeps it as a comment of the document and parses the rest as any page.
 */

export const SKELETON_MARK = '<!--recordkeeper-skeleton ';

export const SkeletonHeaderSchema = v.object({
  format: v.literal(1),
  url: v.pipe(v.string(), v.maxLength(8192)),
  takenAt: v.pipe(v.string(), v.isoTimestamp()),
  reason: v.picklist(['nothing', 'wrong']),
  truncated: v.optional(v.boolean()),
  extension: v.optional(v.pipe(v.string(), v.maxLength(64))),
});
export type SkeletonHeader = v.InferOutput<typeof SkeletonHeaderSchema>;

/** JSON that cannot end a comment: `-`, `<` and `>` as \u escapes, which JSON.parse reads back. */
function commentSafe(value: unknown): string {
  return JSON.stringify(value).replace(/[-<>]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function skeletonFile(header: SkeletonHeader, body: string): string {
  return `${SKELETON_MARK}${commentSafe(header)}-->\n${body}`;
}

/** The header of a skeleton file, or undefined when the text is not one. */
export function skeletonHeaderOf(text: string): SkeletonHeader | undefined {
  if (!text.startsWith(SKELETON_MARK)) return undefined;
  const end = text.indexOf('-->', SKELETON_MARK.length);
  if (end < 0) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text.slice(SKELETON_MARK.length, end));
  } catch {
    return undefined;
  }
  const parsed = v.safeParse(SkeletonHeaderSchema, json);
  return parsed.success ? parsed.output : undefined;
}

/** A file name for the download: the app's host and the time, nothing else of the page. */
export function skeletonFileName(url: string, takenAt: string): string {
  const host = URL.canParse(url) ? new URL(url).hostname.replace(/[^a-z0-9.-]/gi, '_') : 'page';
  return `skeleton-${host}-${takenAt
    .slice(0, 19)
    .replace(/[^0-9T]/g, '')
    .replace('T', '-')}.html`;
}
