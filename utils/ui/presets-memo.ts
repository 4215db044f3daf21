import { browser } from 'wxt/browser';
import type { Presets } from '../presets/schema';

/** Stored items the presets in force depend on: the three sources (utils/presets-store/store.ts) and the settings. */
const PRESETS_INPUT = /^(presets\.|settings$)/;

/** Calls `listener` whenever a stored item the presets depend on changes. */
function watchPresetsInputs(listener: () => void): void {
  browser.storage.onChanged.addListener((changes, area) => {
    if (area === 'local' && Object.keys(changes).some((key) => PRESETS_INPUT.test(key))) listener();
  });
}

/**
 * The presets in force, read once and kept while the service worker lives, read again after any change to what
 * they are made of. Reading them is one storage read of the whole document (660 KB for a 5,000-category plan,
 * hundreds of ms on a busy machine) plus a merge; the popup asks on every open. Nothing is lost when the worker
 * stops: the next ask reads again. Create it inside the background's `main()`, never at module level.
 */
export function presetsMemo<T = Presets>(
  load: () => Promise<T>,
  watch: (listener: () => void) => void = watchPresetsInputs,
): () => Promise<T> {
  let current: Promise<T> | undefined;
  watch(() => {
    current = undefined;
  });
  return () => {
    if (!current) {
      const loading = load();
      current = loading;
      // A failed read is not kept: the next ask tries again.
      loading.catch(() => {
        if (current === loading) current = undefined;
      });
    }
    return current;
  };
}
