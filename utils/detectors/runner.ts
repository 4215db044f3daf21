import * as v from 'valibot';
import { matchesAny } from '../presets/patterns';
import { describeIssues } from '../records/record';
import { Detection, type Detector } from './types';

const MAX_DETECTIONS = 100;
/** A build marker is a version or build label (`9.12.0`, `16.0.10337.12109`, `boq_…_20240101.00_p0`), nothing else. */
const BUILD_MARKER = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

/**
 * What went wrong with one detector on one page, as a kind that can be counted:
 * - `url-check-failed`: its URL gate threw;
 * - `detect-failed`: its scrape threw;
 * - `not-a-list`: it returned something other than a list;
 * - `invalid-detection`: a detection broke the Detection schema (or held text the repository cannot store);
 * - `missed`: the URL says an item is open (`Detector.expectsItem`), but nothing was found.
 */
export type Problem = 'url-check-failed' | 'detect-failed' | 'not-a-list' | 'invalid-detection' | 'missed';

/**
 * One countable health event. It carries no page content: the detector id, the app it reads, the kind of problem
 * and the app's own build marker (a version label) where the page shows one. Detector health (issue 14 item 2)
 * counts these per detector, app and build.
 */
export interface HealthEvent {
  detector: string;
  /** The app the detector reads (`Detector.app`, else its id): `confluence`, `gmail`, `site-acme-dms`… */
  app: string;
  problem: Problem;
  build?: string;
}

/** A runner error for people: what failed and why. The message may quote the page; it is for the console only. */
export interface RunError {
  detector: string;
  problem: Problem | 'invalid-url';
  message: string;
}

export interface DetectorRun {
  detections: Detection[];
  errors: RunError[];
  /** Every error and every "URL says an item is open, nothing found", as counts without content. */
  health: HealthEvent[];
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** C0 and C1 controls (U+0000 included) and lone surrogates: text a database cannot store or a header cannot carry. */
const UNSTORABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The path of the first string in `value` the repository could not store, if any. */
function unstorable(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path : undefined;
  if (depth > 8 || value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = unstorable(item, path ? `${path}.${key}` : key, depth + 1);
    if (found) return found;
  }
  return undefined;
}

class Run {
  readonly errors: RunError[] = [];
  readonly health: HealthEvent[] = [];
  private readonly builds = new Map<Detector, string | undefined>();

  constructor(
    private readonly document: Document,
    private readonly onAppHost: boolean,
  ) {}

  /** The app's build marker, read once per detector and run; a marker reader that fails is no marker. */
  private build(detector: Detector): string | undefined {
    if (!this.builds.has(detector)) {
      let marker: unknown;
      try {
        marker = detector.build?.(this.document);
      } catch {
        marker = undefined;
      }
      this.builds.set(detector, typeof marker === 'string' && BUILD_MARKER.test(marker) ? marker : undefined);
    }
    return this.builds.get(detector);
  }

  report(detector: Detector, problem: Problem, text?: string): void {
    const build = this.build(detector);
    this.health.push({ detector: detector.id, app: detector.app ?? detector.id, problem, ...(build ? { build } : {}) });
    if (text !== undefined) this.errors.push({ detector: detector.id, problem, message: text });
  }

  matches(detector: Detector, url: URL): boolean {
    try {
      return detector.matches(url) === true;
    } catch (error) {
      this.report(detector, 'url-check-failed', `URL check failed: ${message(error)}`);
      return false;
    }
  }

  /** Runs one detector and keeps what passes the Detection schema; never throws. */
  detect(detector: Detector, url: URL): Detection[] {
    let found: unknown;
    try {
      found = detector.detect(this.document, url);
    } catch (error) {
      this.report(detector, 'detect-failed', `Detector failed on this page: ${message(error)}`);
      return [];
    }
    if (!Array.isArray(found)) {
      this.report(detector, 'not-a-list', 'Detector returned something other than a list of detections');
      return [];
    }
    const valid: Detection[] = [];
    for (const [index, item] of found.slice(0, MAX_DETECTIONS).entries()) {
      const result = v.safeParse(Detection, item);
      const bad = result.success ? unstorable(result.output, '') : undefined;
      if (result.success && !bad) valid.push(result.output);
      else {
        const problems = result.success
          ? `${bad}: holds control characters or lone surrogates`
          : describeIssues(result.issues).join('; ');
        this.report(detector, 'invalid-detection', `Detection ${index} was dropped as invalid: ${problems}`);
      }
    }
    if (valid.length === 0 && found.length === 0 && this.expectsItem(detector, url) && this.isApp(detector, url)) {
      this.report(detector, 'missed');
    }
    return valid;
  }

  /**
   * Whether the page is the app's, so that finding nothing there is news: the app's content script is running (its
   * own or an admin's host), the URL is on the detector's hosts, or the page shows the app's build marker. A look-alike
   * path on some other site (`/browse/ABC-1` in a shop) is not counted.
   */
  private isApp(detector: Detector, url: URL): boolean {
    return this.onAppHost || matchesAny(detector.hosts, url) || this.build(detector) !== undefined;
  }

  private expectsItem(detector: Detector, url: URL): boolean {
    try {
      return detector.expectsItem?.(url) === true;
    } catch {
      return false;
    }
  }
}

/**
 * What is declarable on this page: the detections of the first site detector that matches the URL and finds
 * something. The fallback (`generic`) runs only when the URL is on no site detector's own hosts, whatever the path,
 * so a web app's own pages (the Gmail inbox, a Google Form the detector does not know) are never offered as plain
 * web pages. Invalid detections and detector failures are reported in `errors` and counted in `health`, never
 * thrown. `onAppHost` says the page is known to be the detectors' app (its content script runs there), so that a
 * URL naming an item with nothing found is counted even off the detectors' own hosts.
 */
export function runDetectorList(
  document: Document,
  url: string,
  siteDetectors: readonly Detector[],
  fallback: Detector | undefined,
  options: { onAppHost?: boolean } = {},
): DetectorRun {
  if (typeof url !== 'string' || !URL.canParse(url)) {
    return {
      detections: [],
      errors: [
        { detector: 'runner', problem: 'invalid-url', message: `Not a valid page URL: ${String(url).slice(0, 200)}` },
      ],
      health: [],
    };
  }
  const parsed = new URL(url);
  const run = new Run(document, options.onAppHost === true);
  const result = (detections: Detection[]): DetectorRun => ({ detections, errors: run.errors, health: run.health });
  for (const detector of siteDetectors) {
    if (!run.matches(detector, parsed)) continue;
    const detections = run.detect(detector, parsed);
    if (detections.length > 0) return result(detections);
  }
  if (!fallback || isKnownHost(parsed, siteDetectors) || !run.matches(fallback, parsed)) return result([]);
  return result(run.detect(fallback, parsed));
}

/** Whether the URL is on a site detector's own hosts (its content script's pages), whatever its path. */
export function isKnownHost(url: URL, detectors: readonly Detector[]): boolean {
  return detectors.some((detector) => matchesAny(detector.hosts, url));
}
