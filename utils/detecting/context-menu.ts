import { browser } from 'wxt/browser';
import { MENU_ID, type PendingContext } from '../context-menu';
import { pendingContexts } from '../storage';
import { toolbarButton } from '../toolbar';

type OnClicked = Parameters<typeof browser.contextMenus.onClicked.addListener>[0];
/** What the browser says of a context-menu click, and the tab it was in. */
export type MenuClick = Parameters<OnClicked>[0];
export type MenuTab = Parameters<OnClicked>[1];

/**
 * "Declare as record" on a page, link or selection: the popup opens with that item first. Opening the popup must
 * happen in the click's own turn (a later one has lost the user's gesture), so it is asked for before anything
 * is awaited; where the browser cannot open it (Firefox without a focused toolbar, an older Chrome) a popup
 * window shows the same page for that tab. The click's context is stored beside it for `tabDetections`.
 * Resolves once both are done; rejects with what failed.
 */
export async function declareFromContextMenu(
  info: MenuClick,
  tab: MenuTab | undefined,
  now: number = Date.now(),
): Promise<void> {
  if (info.menuItemId !== MENU_ID || tab?.id === undefined) return;
  const tabId = tab.id;
  const context: PendingContext = {
    kind: info.linkUrl ? 'link' : info.selectionText ? 'selection' : 'page',
    at: now,
    pageUrl: info.pageUrl ?? tab.url,
    pageTitle: tab.title,
    linkUrl: info.linkUrl,
    linkText: (info as { linkText?: string }).linkText,
    selectionText: info.selectionText,
  };
  const inWindow = () =>
    browser.windows.create({
      url: browser.runtime.getURL(`/popup.html?tabId=${tabId}`),
      type: 'popup',
      width: 440,
      height: 640,
    });
  let opened: Promise<unknown>;
  try {
    opened = toolbarButton().openPopup().catch(inWindow);
  } catch {
    opened = inWindow();
  }
  await Promise.all([pendingContexts.set(String(tabId), context), opened]);
}
