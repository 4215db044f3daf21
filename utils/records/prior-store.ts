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

const aliasPrefix = 'alias:';

/** Remembers that the item an app calls `appSourceId` was filed under `recordSourceId` (its Message-ID, say). */
export function rememberAlias(appSourceId: string, recordSourceId: string): Promise<void> {
  return browser.storage.local.set({ [aliasPrefix + appSourceId]: recordSourceId });
}

export async function aliasesOf(sourceIds: string[]): Promise<Record<string, string>> {
  const stored = await browser.storage.local.get(sourceIds.map((id) => aliasPrefix + id));
  const aliases: Record<string, string> = {};
  for (const id of sourceIds) {
    const alias = stored[aliasPrefix + id];
    if (typeof alias === 'string') aliases[id] = alias;
  }
  return aliases;
}
