import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { MENU_ID } from '../context-menu';
import { pendingContexts } from '../storage';
import { declareFromContextMenu, type MenuClick, type MenuTab } from './context-menu';

const tab = { id: 7, url: 'https://example.org/a', title: 'Page A' } as MenuTab;
const click = (info: Partial<MenuClick>) => ({ menuItemId: MENU_ID, editable: false, ...info }) as MenuClick;

beforeEach(() => {
  fakeBrowser.reset();
  vi.restoreAllMocks();
});

describe('"Declare as record" in the context menu', () => {
  it('opens the popup and keeps the link for that tab', async () => {
    const openPopup = vi.spyOn(fakeBrowser.action, 'openPopup').mockResolvedValue(undefined);
    const windows = vi.spyOn(fakeBrowser.windows, 'create');
    await declareFromContextMenu(
      click({
        linkUrl: 'https://example.org/b',
        linkText: 'B',
        pageUrl: 'https://example.org/a',
      } as Partial<MenuClick>),
      tab,
      1000,
    );
    expect(openPopup).toHaveBeenCalledOnce();
    expect(windows).not.toHaveBeenCalled();
    expect(await pendingContexts.get('7')).toEqual({
      kind: 'link',
      at: 1000,
      pageUrl: 'https://example.org/a',
      pageTitle: 'Page A',
      linkUrl: 'https://example.org/b',
      linkText: 'B',
    });
  });

  it('opens a popup window for that tab where the browser cannot open the popup', async () => {
    // The fake, like a browser without a focused toolbar, cannot open the popup.
    const windows = vi.spyOn(fakeBrowser.windows, 'create');
    await declareFromContextMenu(click({ selectionText: 'a quote' }), tab, 2000);
    expect(windows).toHaveBeenCalledWith(
      expect.objectContaining({ url: expect.stringMatching(/\/popup\.html\?tabId=7$/), type: 'popup' }),
    );
    expect(await pendingContexts.get('7')).toMatchObject({ kind: 'selection', selectionText: 'a quote' });
  });

  it('also opens the window when the popup is refused later', async () => {
    vi.spyOn(fakeBrowser.action, 'openPopup').mockRejectedValue(new Error('no user gesture'));
    const windows = vi.spyOn(fakeBrowser.windows, 'create');
    await declareFromContextMenu(click({}), tab, 3000);
    expect(windows).toHaveBeenCalledOnce();
    expect((await pendingContexts.get('7'))?.kind).toBe('page');
  });

  it('ignores other menus and clicks outside a tab', async () => {
    const windows = vi.spyOn(fakeBrowser.windows, 'create');
    await declareFromContextMenu(click({ menuItemId: 'other' }), tab);
    await declareFromContextMenu(click({}), undefined);
    expect(windows).not.toHaveBeenCalled();
    expect(await pendingContexts.get('7')).toBeUndefined();
  });
});
