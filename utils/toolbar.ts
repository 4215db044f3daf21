import { browser } from 'wxt/browser';

type ToolbarButton = typeof browser.action;

/**
 * The toolbar button: `action` in Manifest V3 (Chrome, Edge), `browserAction` in the Firefox build (MV2), where
 * `browser.action` does not exist and any call on it would stop the background's start-up.
 */
export function toolbarButton(): ToolbarButton {
  return browser.action ?? (browser as unknown as { browserAction: ToolbarButton }).browserAction;
}
