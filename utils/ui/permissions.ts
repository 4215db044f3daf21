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
