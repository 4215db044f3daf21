import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GECKO_ID } from '../../utils/extension-id.ts';
import type { PresetsStatus } from '../../utils/ui/views.ts';
import { waitFor } from './harness.ts';
import { ask, policySource, removeFirefoxPolicy, writeFirefoxPolicy } from './policy-harness.ts';

/**
 * Firefox ESR with real enterprise policy: /etc/firefox/policies/policies.json carrying the extension's managed
 * storage (`3rdparty.Extensions.<add-on id>`), read by Firefox at startup and handed to the background as
 * `storage.managed`. Driven by puppeteer-core over WebDriver BiDi.
 */

const FIREFOX_BUILD = resolve('.output/firefox-mv2');
const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
/** A fixed internal UUID, so the test knows the moz-extension:// origin before the add-on is installed. */
const UUID = randomUUID();

const presets = {
  version: 5,
  filePlan: [{ id: 'FIN', title: 'Finance', children: [{ id: 'FIN/1', title: 'Invoices', retention: '10y' }] }],
  profiles: [{ id: 'invoice', title: 'Supplier invoice', recordType: 'document', defaultCategory: 'FIN/1' }],
};

let browser: Browser;
let profile: string;

beforeAll(async () => {
  // Firefox reads policies.json once, when it starts: the file is in place before the launch.
  writeFirefoxPolicy({ presets, locked: ['profiles'] });
  profile = mkdtempSync(join(tmpdir(), 'rk-e2e-firefox-'));
  browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    protocol: 'webDriverBiDi',
    userDataDir: profile,
    // WebDriver BiDi refuses to navigate to moz-extension:// pages unless the client is allowed system access
    // (remote/shared/BrowsingContextUtils.sys.mjs, isWebdriverSafeNavigationURL: only http(s), file, blob).
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: UUID }),
      // ESR honours this: the unpacked, unsigned build installs like a signed one.
      'xpinstall.signatures.required': false,
    },
  });
  expect(await browser.installExtension(FIREFOX_BUILD)).toBe(GECKO_ID);
});

afterAll(async () => {
  removeFirefoxPolicy();
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/**
 * The options page, from which messages go to the background as the real page sends them. BiDi never reports the
 * load of a moz-extension:// page to Puppeteer (the navigation times out although the page is there), so the
 * navigation is not awaited; the page is ready once its document is the extension's.
 */
async function optionsPage(): Promise<Page> {
  const page = await browser.newPage();
  page.goto(`moz-extension://${UUID}/options.html`, { timeout: 15_000 }).catch(() => undefined);
  await waitFor(
    async () =>
      (await page
        .evaluate(() => location.protocol === 'moz-extension:' && document.readyState !== 'loading')
        .catch(() => false))
        ? true
        : undefined,
    'the options page to load',
  );
  return page;
}

it('hands the managed presets from policies.json to the background', async () => {
  const page = await optionsPage();
  // What Firefox itself gives the extension: the policy's values, untouched.
  const managed = () => (globalThis as unknown as { browser: typeof chrome }).browser.storage.managed.get();
  expect(await page.evaluate(managed)).toEqual({ presets, locked: ['profiles'] });

  const status = await waitFor(
    async () => {
      const s = await ask<PresetsStatus>(page, 'presets.status');
      return policySource(s).state === 'ok' ? s : undefined;
    },
    'the background to read the policy',
    10_000,
  );
  expect(policySource(status)).toMatchObject({ state: 'ok', version: 5 });
  expect(status.origin.profiles).toBe('policy');
  expect(status.presets.profiles.map((p) => p.id)).toEqual(['invoice']);
  expect(status.presets.filePlan[0]?.children?.[0]?.id).toBe('FIN/1');
  expect(status.locked).toContain('profiles');
});
