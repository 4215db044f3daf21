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
  const result = await (deps.detect ?? detectInTab)(id);
  const context = await pendingContexts.get(String(id));
  const detections = withContext(result.detections, context, (deps.now ?? Date.now)());
  await toolbarButton().setBadgeText({ tabId: id, text: detections.length ? String(detections.length) : '' });
  return { ...result, detections, ...(detections.length ? { error: undefined } : {}) };
}
