import * as v from 'valibot';
import { browser } from 'wxt/browser';
import { getPresets } from '../connectors/records-api';
import { describeIssues } from '../records/record';
import type { StoredSettings } from '../settings';
import { EMPTY_PRESETS, type Presets, PresetsSchema } from './schema';

const KEY = 'presets.repository';

/**
 * Background only. The presets in force: the repository's last good copy, else the built-in neutral ones.
 * Enterprise policy and imported files join as sources with issue 4.
 */
export async function loadPresets(): Promise<Presets> {
  const stored = (await browser.storage.local.get(KEY))[KEY];
  const parsed = v.safeParse(PresetsSchema, stored);
  return parsed.success ? parsed.output : EMPTY_PRESETS;
}

/** Fetches the repository's presets; a malformed document is reported and the last good copy stays. */
export async function refreshPresets(settings: StoredSettings): Promise<{ ok: true } | { ok: false; error: string }> {
  if (!settings.repositoryUrl) return { ok: false, error: 'No repository is configured.' };
  try {
    const raw = await getPresets(settings);
    const parsed = v.safeParse(PresetsSchema, raw);
    if (!parsed.success) {
      return { ok: false, error: `The repository's presets are invalid: ${describeIssues(parsed.issues).join('; ')}` };
    }
    await browser.storage.local.set({ [KEY]: parsed.output });
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
