import * as v from 'valibot';
import { Metadata, Source } from '../records/record';

/**
 * What to fetch so the record carries the item's own content. `url` is fetched by the content script in the
 * page's origin (the page's cookies make it work); `snapshot` asks for a sanitised HTML copy of the page.
 */
export const CapturePlan = v.variant('kind', [
  v.object({
    kind: v.literal('fetch'),
    url: v.pipe(v.string(), v.url()),
    /** File name of the content part, e.g. `message.eml`. */
    name: v.pipe(v.string(), v.minLength(1), v.maxLength(255)),
    mimeType: v.pipe(v.string(), v.minLength(1), v.maxLength(255)),
  }),
  v.object({ kind: v.literal('none') }),
]);
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
 * One site's detector: a cheap URL gate, then a synchronous, read-only scrape. It never clicks, never mutates
 * the page and never throws into it: the runner catches and reports.
 */
export interface Detector {
  id: string;
  /** Cheap test on the URL alone; `detect` runs only when it passes. */
  matches(url: URL): boolean;
  detect(document: Document, url: URL): Detection[];
}
