import * as v from 'valibot';
import { browser } from 'wxt/browser';
import type { SettingsInput } from './messaging';
import { policySettings } from './presets/store';
import { buildDefaults, type SettingsView, StoredSettings } from './settings';

const KEY = 'settings';

async function storedSettings(): Promise<StoredSettings> {
  const stored = (await browser.storage.local.get(KEY))[KEY];
  const parsed = v.safeParse(StoredSettings, stored);
  return parsed.success ? parsed.output : buildDefaults(import.meta.env);
}

/**
 * Background only: the connection settings in force. The organisation's policy wins over what the user saved,
 * which wins over the build's defaults (`npm start` builds the extension pointed at the demo repository).
 */
export async function loadSettings(): Promise<StoredSettings> {
  const [stored, policy] = await Promise.all([storedSettings(), policySettings()]);
  return { ...stored, repositoryUrl: policy.repositoryUrl ?? stored.repositoryUrl };
}

export async function lockedSettings(): Promise<string[]> {
  const policy = await policySettings();
  return policy.locked;
}

export async function saveSettings(input: SettingsInput): Promise<StoredSettings> {
  const [current, locked] = await Promise.all([loadSettings(), lockedSettings()]);
  if (locked.includes('repositoryUrl') && input.repositoryUrl !== current.repositoryUrl) {
    throw new Error('The repository URL is set by your organisation and cannot be changed here.');
  }
  // An empty token field means "keep the current token": the options page never receives it back.
  const next: StoredSettings = { repositoryUrl: input.repositoryUrl, token: input.token || current.token };
  await browser.storage.local.set({ [KEY]: next });
  return next;
}

export async function settingsView(settings: StoredSettings): Promise<SettingsView> {
  return { repositoryUrl: settings.repositoryUrl, hasToken: settings.token !== '', locked: await lockedSettings() };
}
