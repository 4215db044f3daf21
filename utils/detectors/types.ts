import * as v from 'valibot';
import { ContentRole, Metadata, Source } from '../records/record';

const FileName = v.pipe(v.string(), v.minLength(1), v.maxLength(255), v.regex(/^[^/\\\0]+$/, 'must be a file name'));
const MimeType = v.pipe(v.string(), v.minLength(1), v.maxLength(255));

/**
 * One content part to capture. `fetch` parts are downloaded by the content script in the page's own origin (the
 * page's cookies make that work; other origins are refused); a `snapshot` is a sanitised, self-contained HTML copy
 * of the page. An `optional` part (a PDF rendition, say) may fail without failing the declaration.
 */
export const CapturePart = v.variant('source', [
  v.object({
    source: v.literal('fetch'),
    url: v.pipe(v.string(), v.url()),
    name: FileName,
    mimeType: MimeType,
    role: ContentRole,
    optional: v.optional(v.boolean()),
  }),
  v.object({
    source: v.literal('snapshot'),
    name: FileName,
    role: ContentRole,
    optional: v.optional(v.boolean()),
  }),
]);
export type CapturePart = v.InferOutput<typeof CapturePart>;

/**
 * What capture fetches for a detection, in order; no parts means a metadata-only record, and `reason` then says why
 * (shown to the user beside the item: "Google Forms have no export format", say).
 */
export const CapturePlan = v.object({
  parts: v.pipe(v.array(CapturePart), v.maxLength(50)),
  reason: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(500))),
});
export type CapturePlan = v.InferOutput<typeof CapturePlan>;

export const Detection = v.object({
  source: Source,
  title: v.pipe(v.string(), v.minLength(1), v.maxLength(1024)),
  metadata: Metadata,
  capture: CapturePlan,
  /** Which signal the detection rests on (`json-ld`, `data-message-id`, `url-token`, …), for support and tests. */
  via: v.pipe(v.string(), v.maxLength(64)),
});
export type Detection = v.InferOutput<typeof Detection>;

/**
 * One site's detector: a cheap URL gate, then a synchronous, read-only scrape. It never clicks and never mutates
 * the page. It is written so that no page makes it throw, and it does not catch its own failures: the runner
 * isolates each detector and reports what went wrong, so a broken detector is seen (utils/detectors/runner.ts).
 */
export interface Detector {
  id: string;
  /** The app it reads, for health counts, when it differs from `id` (site plugins: `site-<id>`). */
  app?: string;
  /**
   * Manifest match patterns of the pages this detector reads; its content script runs there. Empty for
   * detectors that only run where the user invokes the extension (generic, custom-domain deployments).
   */
  hosts: string[];
  /** Cheap test on the URL alone; `detect` runs only when it passes. */
  matches(url: URL): boolean;
  detect(document: Document, url: URL): Detection[];
  /**
   * Whether the URL alone says an item is open (a message, a file, a page), so that finding nothing there is worth
   * counting: the app may have changed its page.
   */
  expectsItem?(url: URL): boolean;
  /** The app's own build or version marker, where the page shows one (a version label, never page content). */
  build?(document: Document): string | undefined;
}

/**
 * `Detector.expectsItem` for an app whose item URLs name the item: the URL is the app's (`isApp`) and `item` reads
 * an item from it.
 */
export const urlNamesItem =
  (isApp: (url: URL) => boolean, item: (url: URL) => unknown) =>
  (url: URL): boolean =>
    isApp(url) && item(url) !== undefined;
