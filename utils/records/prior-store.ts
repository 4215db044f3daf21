import { browser } from 'wxt/browser';
import type { PriorCache } from './prior';

const prefix = 'prior:';

/**
 * Background only: duplicate-check answers kept in session storage, which the browser clears on exit and which
 * content scripts cannot read.
 */
export const sessionPriorCache: PriorCache = {
  async get(sourceId) {
    const key = prefix + sourceId;
    return (await browser.storage.session.get(key))[key] as never;
  },
  async set(sourceId, entry) {
    await browser.storage.session.set({ [prefix + sourceId]: entry });
  },
};

/** After a declaration the cached answer for its source is out of date. */
export function forgetPrior(sourceId: string): Promise<void> {
  return browser.storage.session.remove(prefix + sourceId);
}
