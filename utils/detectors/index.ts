import * as v from 'valibot';
import { describeIssues } from '../records/record';
import { generic } from './generic';
import { gmail } from './gmail';
import { Detection, type Detector } from './types';

/** Detectors for particular web apps, tried in this order. */
const siteDetectors: Detector[] = [gmail];

/** Every detector: the site detectors first, `generic` last as the fallback for sites no detector knows. */
export const detectors: Detector[] = [...siteDetectors, generic];

/** Where the content script runs: every site detector's pages. Anything else is read on the user's gesture. */
export const contentScriptMatches: string[] = [...new Set(siteDetectors.flatMap((detector) => detector.hosts))];

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
 * something. `generic` runs only when no site detector claims the URL, so a web app's own pages (the Gmail
 * inbox, say) are never offered as plain web pages. Invalid detections and detector failures are reported in
 * `errors`, never thrown.
 */
export function runDetectors(document: Document, url: string): DetectorRun {
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
  let siteMatched = false;
  for (const detector of siteDetectors) {
    if (!matches(detector, parsed, errors)) continue;
    siteMatched = true;
    const detections = run(detector, document, parsed, errors);
    if (detections.length > 0) return { detections, errors };
  }
  if (siteMatched || !matches(generic, parsed, errors)) return { detections: [], errors };
  return { detections: run(generic, document, parsed, errors), errors };
}
