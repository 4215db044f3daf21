import { withContext } from '../context-menu';
import type { TabDetections } from '../messaging';
import { pendingContexts } from '../storage';
import { toolbarButton } from '../toolbar';
import { activeTabId, detectInTab } from './tab';

/**
 * What a tab holds to declare (`tab.detections`, and the popup's start): the page's detections, with what a
 * context-menu click on that tab asked for put first, counted on the toolbar button of that tab.
 */
export async function tabDetections(
  tabId: number | undefined,
  deps: { detect?: (tabId: number) => Promise<TabDetections>; now?: () => number } = {},
): Promise<TabDetections> {
  const id = tabId ?? (await activeTabId());
  if (id === undefined) return { tabId: -1, detections: [], error: 'No tab is active.' };
  const [result, context] = await Promise.all([(deps.detect ?? detectInTab)(id), pendingContexts.get(String(id))]);
  const detections = withContext(result.detections, context, (deps.now ?? Date.now)());
  // The answer does not wait for the badge (the popup is waiting for it); a badge that cannot be set is reported.
  toolbarButton()
    .setBadgeText({ tabId: id, text: detections.length ? String(detections.length) : '' })
    .catch((error) => console.error('Recordkeeper could not set the toolbar badge', error));
  return { ...result, detections, ...(detections.length ? { error: undefined } : {}) };
}
