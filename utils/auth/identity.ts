import { browser } from 'wxt/browser';
import type { LaunchWebAuthFlow } from './oauth';

/**
 * The browser's part of an OAuth sign-in (`identity`, Chrome, Edge and Firefox alike): the window the identity
 * provider's pages open in, and the address the browser reserves for the extension as redirect URI
 * (`https://<id>.chromiumapp.org/` in Chromium, `https://<sha1>.extensions.allizom.org/` in Firefox), which is never
 * loaded: the browser ends the flow when the provider redirects there. Background only.
 */
export interface WebAuthFlow {
  launchWebAuthFlow: LaunchWebAuthFlow;
  redirectUri(): string;
}

export const browserWebAuthFlow: WebAuthFlow = {
  launchWebAuthFlow: (details) => browser.identity.launchWebAuthFlow(details),
  redirectUri: () => browser.identity.getRedirectURL(),
};
