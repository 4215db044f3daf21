import { box } from './box';
import { confluence } from './confluence';
import { dropbox } from './dropbox';
import { generic } from './generic';
import { gmail } from './gmail';
import { googleDocs } from './google-docs';
import { googleDrive } from './google-drive';
import { jira } from './jira';
import { notion } from './notion';
import { outlook } from './outlook';
import { type DetectorRun, runDetectorList } from './runner';
import { salesforce } from './salesforce';
import { sharepoint } from './sharepoint';
import { slack } from './slack';
import type { Detector } from './types';

/** Detectors for particular web apps, tried in this order. */
export const siteDetectors: Detector[] = [
  gmail,
  outlook,
  googleDocs,
  googleDrive,
  sharepoint,
  box,
  dropbox,
  confluence,
  jira,
  notion,
  slack,
  salesforce,
];

/** Every detector: the site detectors first, `generic` last as the fallback for sites no detector knows. */
export const detectors: Detector[] = [...siteDetectors, generic];

/** Where the content script runs: every site detector's pages. Anything else is read on the user's gesture. */
export const contentScriptMatches: string[] = [...new Set(siteDetectors.flatMap((detector) => detector.hosts))];

export type { DetectorRun };

/** Every detector on this page, as the extension runs them when the user invokes it on an unknown site. */
export function runDetectors(document: Document, url: string): DetectorRun {
  return runDetectorList(document, url, siteDetectors, generic);
}
