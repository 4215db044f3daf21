import * as v from 'valibot';
import { browser } from 'wxt/browser';
import type { SettingsInput } from './messaging';
import { buildDefaults, type SettingsView, StoredSettings } from './settings';

const KEY = 'settings';

/** Background only: the connection settings, falling back to the build's defaults until the user saves. */
export async function loadSettings(): Promise<StoredSettings> {
  const stored = (await browser.storage.local.get(KEY))[KEY];
  const parsed = v.safeParse(StoredSettings, stored);
  return parsed.success ? parsed.output : buildDefaults(import.meta.env);
}

export async function saveSettings(input: SettingsInput): Promise<StoredSettings> {
  const current = await loadSettings();
  // An empty token field means "keep the current token": the options page never receives it back.
  const next: StoredSettings = { repositoryUrl: input.repositoryUrl, token: input.token || current.token };
  await browser.storage.local.set({ [KEY]: next });
  return next;
}

export function settingsView(settings: StoredSettings): SettingsView {
  return { repositoryUrl: settings.repositoryUrl, hasToken: settings.token !== '', locked: [] };
}
