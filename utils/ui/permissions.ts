import { browser } from 'wxt/browser';
import { originPattern } from '../connectors/http';

/**
 * Asks the user for access to the repository's origin (an optional host permission). Must run in the click
 * handler of an extension page: browsers only allow the request on a user gesture.
 */
export async function requestRepositoryAccess(repositoryUrl: string): Promise<boolean> {
  const origins = [originPattern(repositoryUrl)];
  if (await browser.permissions.contains({ origins })) return true;
  return browser.permissions.request({ origins });
}

/** Turns on MHTML page archives (Chrome): asks for the optional pageCapture permission, on a user gesture. */
export async function requestPageArchives(): Promise<boolean> {
  if (await browser.permissions.contains({ permissions: ['pageCapture'] })) return true;
  return browser.permissions.request({ permissions: ['pageCapture'] });
}

/** Whether MHTML page archives are on; false on browsers without the permission (Firefox). */
export async function hasPageArchives(): Promise<boolean> {
  return browser.permissions.contains({ permissions: ['pageCapture'] }).catch(() => false);
}

/** Turns MHTML page archives off by giving the permission back. */
export async function removePageArchives(): Promise<boolean> {
  return browser.permissions.remove({ permissions: ['pageCapture'] });
}

/** Grants the admin's site plugins their pages (optional host permissions), on a user gesture. */
export async function requestSiteAccess(origins: string[]): Promise<boolean> {
  return browser.permissions.request({ origins });
}

/** What the options page may ask of the browser's permissions, as one prop. */
export interface Permissions {
  requestAccess(repositoryUrl: string): Promise<boolean>;
  requestPageArchives(): Promise<boolean>;
  hasPageArchives(): Promise<boolean>;
  removePageArchives(): Promise<boolean>;
  requestSiteAccess(origins: string[]): Promise<boolean>;
}

export const browserPermissions: Permissions = {
  requestAccess: requestRepositoryAccess,
  requestPageArchives,
  hasPageArchives,
  removePageArchives,
  requestSiteAccess,
};
