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
import { type DetectorRun, isKnownHost, runDetectorList } from './runner';
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

/**
 * The apps' content scripts, by entrypoint name (`entrypoints/<name>.content.ts`, built to
 * `content-scripts/<name>.js`): each holds only its app's detectors. Confluence and Jira share atlassian.net, so
 * they share a script.
 */
export interface AppScript {
  name: string;
  detectors: readonly Detector[];
}

export const appScripts: readonly AppScript[] = [
  { name: 'gmail', detectors: [gmail] },
  { name: 'outlook', detectors: [outlook] },
  { name: 'google-docs', detectors: [googleDocs] },
  { name: 'google-drive', detectors: [googleDrive] },
  { name: 'sharepoint', detectors: [sharepoint] },
  { name: 'box', detectors: [box] },
  { name: 'dropbox', detectors: [dropbox] },
  { name: 'atlassian', detectors: [confluence, jira] },
  { name: 'notion', detectors: [notion] },
  { name: 'slack', detectors: [slack] },
  { name: 'salesforce', detectors: [salesforce] },
];

/** Where the content scripts run: every site detector's pages. Anything else is read on the user's gesture. */
export const contentScriptMatches: string[] = [...new Set(siteDetectors.flatMap((detector) => detector.hosts))];

export type { DetectorRun };

/** The app script that runs on this URL: the first whose detectors' hosts match it, whatever the path. */
export function appScriptFor(url: URL, scripts: readonly AppScript[] = appScripts): AppScript | undefined {
  return scripts.find((script) => isKnownHost(url, script.detectors));
}

/** Every detector on this page, as the extension runs them when the user invokes it on an unknown site. */
export function runDetectors(document: Document, url: string): DetectorRun {
  return runDetectorList(document, url, siteDetectors, generic);
}

/**
 * Exactly what the extension runs for this URL: on a known app's host, that app's content script (its detectors
 * alone, never a plain web page); elsewhere the on-demand set the user's gesture injects. `npm run inspect` uses it,
 * so what it prints is what a user gets.
 */
export function runAsExtension(document: Document, url: string): DetectorRun {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  const script = parsed && appScriptFor(parsed);
  if (script) return runDetectorList(document, url, script.detectors, undefined, { onAppHost: true });
  return runDetectors(document, url);
}
