import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contentScriptMatches } from '../../utils/detectors/index.ts';
import { EXTENSION_KEY, GECKO_ID } from '../../utils/extension-id.ts';

/** A pattern that reaches every site, which Recordkeeper must never hold without asking. */
const broad = (pattern: string) => /^(<all_urls>|\*:\/\/\*\/|https?:\/\/\*\/)/.test(pattern);

const SHORTCUT = { default: 'Alt+Shift+D', mac: 'MacCtrl+Shift+D' };

const manifest = (target: string) => JSON.parse(readFileSync(`.output/${target}/manifest.json`, 'utf8'));

describe('built manifests ask for the least that works', () => {
  const chrome = manifest('chrome-mv3');
  const firefox = manifest('firefox-mv2');

  it('Chrome: pinned id, managed storage schema, no broad host permission', () => {
    expect(chrome.manifest_version).toBe(3);
    expect(chrome.key).toBe(EXTENSION_KEY);
    expect(chrome.storage.managed_schema).toBe('managed_schema.json');
    expect(chrome.default_locale).toBe('en');
    expect(chrome.permissions.sort()).toEqual([
      'activeTab',
      'alarms',
      'contextMenus',
      // Microsoft 365 sign-in (identity.launchWebAuthFlow); no Google account access comes with it.
      'identity',
      'notifications',
      'scripting',
      'storage',
    ]);
    expect(chrome.optional_permissions).toEqual(['pageCapture']);
    expect(new Set(chrome.host_permissions)).toEqual(new Set(contentScriptMatches));
    expect(chrome.host_permissions.some(broad)).toBe(false);
    expect(chrome.optional_host_permissions).toEqual(['https://*/*', 'http://*/*']);
    const contentMatches = chrome.content_scripts.flatMap((script: { matches: string[] }) => script.matches);
    expect(contentMatches).not.toContain('<all_urls>');
    expect(
      contentMatches.every((match: string) => match.startsWith('https://') && !match.startsWith('https://*/')),
    ).toBe(true);
    // A shortcut no browser takes on any platform (README, "Keyboard shortcut").
    expect(chrome.commands._execute_action.suggested_key).toEqual(SHORTCUT);
  });

  it('Firefox: add-on id, repository origins optional only, the button on the toolbar', () => {
    expect(firefox.manifest_version).toBe(2);
    expect(firefox.browser_specific_settings.gecko.id).toBe(GECKO_ID);
    expect(firefox.permissions.some(broad)).toBe(false);
    expect(new Set(firefox.permissions.filter((p: string) => p.includes('://')))).toEqual(
      new Set(contentScriptMatches),
    );
    expect(firefox.optional_permissions).toEqual(['https://*/*', 'http://*/*']);
    expect(firefox.permissions).toContain('identity');
    expect(firefox.commands._execute_browser_action.suggested_key).toEqual(SHORTCUT);
    // On the toolbar, where its badge shows, not hidden in the Extensions panel.
    expect(firefox.browser_action.default_area).toBe('navbar');
  });
});
