import * as v from 'valibot';

/**
 * Detector health (issue 14): what the runner reports, as counts without any page content. An event names the
 * detector, the app it reads, the kind of problem and the app's own build marker when the page shows one; nothing
 * else from the page ever travels. Pure: the content scripts, the background and the server all import it.
 */

/**
 * - `url-check-failed`: the detector's URL gate threw;
 * - `detect-failed`: its scrape threw;
 * - `not-a-list`: it returned something other than a list;
 * - `invalid-detection`: a detection broke the Detection schema;
 * - `missed`: the URL says an item is open, but nothing was found.
 */
export const PROBLEMS = ['url-check-failed', 'detect-failed', 'not-a-list', 'invalid-detection', 'missed'] as const;
export type HealthProblem = (typeof PROBLEMS)[number];

/** Detector ids and app names: `gmail`, `google-docs`, `site-acme-dms`. Site plugin ids come from presets. */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** A build marker is a version or build label (`9.12.0`, `16.0.10337.12109`, `boq_…_20240101.00_p0`), nothing else. */
export const BUILD = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

export const HealthEventSchema = v.object({
  detector: v.pipe(v.string(), v.regex(NAME, 'must be a detector id')),
  app: v.pipe(v.string(), v.regex(NAME, 'must be an app name')),
  problem: v.picklist(PROBLEMS),
  build: v.optional(v.pipe(v.string(), v.regex(BUILD, 'must be a build marker'))),
});
export type HealthEvent = v.InferOutput<typeof HealthEventSchema>;

/** The identity of a counter: one per detector, app, build and problem. */
export function counterKey(event: HealthEvent): string {
  return [event.detector, event.app, event.build ?? '', event.problem].join('\n');
}

/** At most this many counters in one upload (utils/health/counters.ts keeps no more). */
export const MAX_UPLOAD_COUNTS = 500;
/** The largest skeleton the repository takes, uncompressed (utils/health/skeleton.ts stops at 24 MiB). */
export const MAX_UPLOAD_SKELETON_BYTES = 24 * 1024 * 1024;
/** The largest diagnostics body, in bytes: the counts are a few KB; a masked skeleton gzips to a few percent. */
export const MAX_DIAGNOSTICS_BODY_BYTES = 4 * 1024 * 1024;

const isoTime = v.pipe(v.string(), v.maxLength(40), v.isoTimestamp('must be an ISO 8601 time'));

/** One counter as it travels: `POST /api/v1/diagnostics` (server/routes/diagnostics.ts, docs/records-api.md). */
export const CountBodySchema = v.strictObject({
  detector: v.pipe(v.string(), v.regex(NAME, 'must be a detector id')),
  app: v.pipe(v.string(), v.regex(NAME, 'must be an app name')),
  build: v.optional(v.pipe(v.string(), v.regex(BUILD, 'must be a build marker'))),
  problem: v.picklist(PROBLEMS, `must be one of ${PROBLEMS.join(', ')}`),
  count: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
  firstSeen: isoTime,
  lastSeen: isoTime,
});
export type CountBody = v.InferOutput<typeof CountBodySchema>;

/** The body of `POST /api/v1/diagnostics`: this browser's counts (its totals so far), and maybe one page skeleton. */
export const DiagnosticsBodySchema = v.strictObject({
  /** A random id per browser (new after the user resets the counts): counts replace that reporter's earlier ones. */
  reporter: v.pipe(v.string(), v.uuid('must be a UUID')),
  counts: v.pipe(v.array(CountBodySchema), v.maxLength(MAX_UPLOAD_COUNTS)),
  skeleton: v.optional(
    v.strictObject({
      /** The page address as the skeleton keeps it (ids masked unless the user kept them). */
      url: v.pipe(v.string(), v.maxLength(8192), v.url('must be a URL')),
      reason: v.picklist(['nothing', 'wrong'], 'must be nothing or wrong'),
      takenAt: isoTime,
      /** The skeleton file's size in bytes, uncompressed. */
      size: v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(MAX_UPLOAD_SKELETON_BYTES)),
      /** The skeleton file (utils/health/skeleton-file.ts), gzip-compressed, in base64. */
      gzip: v.pipe(v.string(), v.minLength(4), v.regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64')),
    }),
  ),
});
export type DiagnosticsBody = v.InferOutput<typeof DiagnosticsBodySchema>;
