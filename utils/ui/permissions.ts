import { browser } from 'wxt/browser';
import { originPattern } from '../settings';

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
