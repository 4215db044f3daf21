import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { chromiumPolicyJson, firefoxPolicyJson, type ManagedValues } from '../../utils/presets/policy.ts';
import type { PresetsStatus } from '../../utils/ui/views.ts';
import { ask, type ExtensionPage } from './harness.ts';

/**
 * Machine-wide enterprise policy for the end-to-end tests: the documents `npm run presets -- policy` prints,
 * written where Debian's Chromium and Firefox ESR read them. The tests that use them run one file at a time
 * (vitest.e2e.config.ts) and remove them when they end, pass or fail (the policy fixtures of tests/e2e/test.ts).
 */

/** Chromium reads every JSON file in this folder (and watches it while running). */
export const CHROMIUM_POLICY_FILE = '/etc/chromium/policies/managed/recordkeeper-e2e.json';
/** Firefox on Linux reads `<SysConfD>/policies/policies.json` once, at startup. */
export const FIREFOX_POLICY_FILE = '/etc/firefox/policies/policies.json';

function writeJson(file: string, document: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  // Written beside the watched folder and renamed into it, so the browser never reads half a document.
  const temporary = join(dirname(dirname(file)), `.${basename(file)}.tmp`);
  writeFileSync(temporary, JSON.stringify(document, null, 2));
  renameSync(temporary, file);
}

export function writeChromiumPolicy(values: ManagedValues | Record<string, unknown>): void {
  writeJson(CHROMIUM_POLICY_FILE, chromiumPolicyJson(values as ManagedValues));
}

export function removeChromiumPolicy(): void {
  rmSync(CHROMIUM_POLICY_FILE, { force: true });
}

export function writeFirefoxPolicy(values: ManagedValues): void {
  writeJson(FIREFOX_POLICY_FILE, firefoxPolicyJson(values));
}

export function removeFirefoxPolicy(): void {
  rmSync(FIREFOX_POLICY_FILE, { force: true });
}

export function presetsStatus(page: ExtensionPage): Promise<PresetsStatus> {
  return ask<PresetsStatus>(page, 'presets.status');
}

export function policySource(status: PresetsStatus) {
  const source = status.sources.find((s) => s.source === 'policy');
  if (!source) throw new Error('presets.status has no policy source');
  return source;
}

/**
 * Has Chromium re-read its policy files now, as chrome://policy's "Reload policies" button does; used only when
 * the file watcher has not picked a change up in time.
 */
export async function reloadChromiumPolicy(context: BrowserContext): Promise<void> {
  const page = await context.newPage();
  try {
    await page.goto('chrome://policy');
    await page.locator('#reload-policies').click();
  } finally {
    await page.close();
  }
}
