import * as v from 'valibot';
import { matchesAny } from '../presets/patterns';
import { describeIssues } from '../records/record';
import { Detection, type Detector } from './types';

const MAX_DETECTIONS = 100;

export interface DetectorRun {
  detections: Detection[];
  errors: { detector: string; message: string }[];
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs one detector and keeps what passes the Detection schema; never throws. */
function run(detector: Detector, document: Document, url: URL, errors: DetectorRun['errors']): Detection[] {
  let found: unknown;
  try {
    found = detector.detect(document, url);
  } catch (error) {
    errors.push({ detector: detector.id, message: `Detector failed on this page: ${message(error)}` });
    return [];
  }
  if (!Array.isArray(found)) {
    errors.push({ detector: detector.id, message: 'Detector returned something other than a list of detections' });
    return [];
  }
  const valid: Detection[] = [];
  for (const [index, item] of found.slice(0, MAX_DETECTIONS).entries()) {
    const result = v.safeParse(Detection, item);
    if (result.success) valid.push(result.output);
    else {
      const problems = describeIssues(result.issues).join('; ');
      errors.push({ detector: detector.id, message: `Detection ${index} was dropped as invalid: ${problems}` });
    }
  }
  return valid;
}

function matches(detector: Detector, url: URL, errors: DetectorRun['errors']): boolean {
  try {
    return detector.matches(url) === true;
  } catch (error) {
    errors.push({ detector: detector.id, message: `URL check failed: ${message(error)}` });
    return false;
  }
}

/**
 * What is declarable on this page: the detections of the first site detector that matches the URL and finds
 * something. the fallback (`generic`) runs only when the URL is on no site detector's own hosts, so a web app's own pages (the
 * Gmail inbox, say) are never offered as plain web pages. Invalid detections and detector failures are reported in
 * `errors`, never thrown.
 */
export function runDetectorList(
  document: Document,
  url: string,
  siteDetectors: readonly Detector[],
  fallback: Detector | undefined,
): DetectorRun {
  const errors: DetectorRun['errors'] = [];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return {
      detections: [],
      errors: [{ detector: 'runner', message: `Not a valid page URL: ${String(url).slice(0, 200)}` }],
    };
  }
  let knownSite = false;
  for (const detector of siteDetectors) {
    if (!matches(detector, parsed, errors)) continue;
    // A page on the app's own hosts is never offered as a plain web page; a look-alike path on another
    // host (a custom-domain deployment the detector did not recognise) still is.
    knownSite ||= matchesAny(detector.hosts, parsed);
    const detections = run(detector, document, parsed, errors);
    if (detections.length > 0) return { detections, errors };
  }
  if (knownSite || !fallback || !matches(fallback, parsed, errors)) return { detections: [], errors };
  return { detections: run(fallback, document, parsed, errors), errors };
}
