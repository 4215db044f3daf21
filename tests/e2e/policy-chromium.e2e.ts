import type { SettingsView } from '../../utils/settings.ts';
import { type ExtensionBrowser, waitFor } from './harness.ts';
import { policySource, presetsStatus, reloadChromiumPolicy } from './policy-harness.ts';
import { expect, type OpenedSite, type Sites, test } from './test.ts';

/**
 * Chromium with real enterprise policy: a file in /etc/chromium/policies/managed/ carrying the extension's managed
 * storage (`3rdparty.extensions.<id>`), read by the browser and handed to the background as `storage.managed`.
 */

const filePlan = [{ id: 'LEG', title: 'Legal', children: [{ id: 'LEG/1', title: 'Contracts', retention: '12y' }] }];
const presets = (legalTitle: string, version: number) => ({
  version,
  filePlan,
  profiles: [
    { id: 'legal-hold', title: legalTitle, recordType: 'email', defaultCategory: 'LEG/1' },
    { id: 'contract', title: 'Signed contract', recordType: 'contract', defaultCategory: 'LEG/1' },
  ],
  rules: [{ when: { app: 'gmail' }, suggest: { profile: 'legal-hold' } }],
});

/** How long Chromium took to apply a rewritten file, and whether "Reload policies" was needed. */
let pickedUp: { ms: number; reloaded: boolean } | undefined;

// Chromium reads the policy when it starts: it is written before the browser is launched.
test.beforeAll(({ chromiumPolicy, repository }) => {
  chromiumPolicy.write({
    presets: presets('Legal hold email', 1),
    repositoryUrl: repository.url,
    locked: ['repositoryUrl'],
  });
});

test.beforeAll(async ({ browser, repository }) => {
  // The user had saved another repository and a token; the organisation's URL must win over the saved one.
  await browser.worker.evaluate(
    (token) => chrome.storage.local.set({ settings: { repositoryUrl: 'https://records.elsewhere.example', token } }),
    repository.token,
  );
});

test.afterAll(() => {
  if (pickedUp) console.info(`Chromium applied the rewritten policy file in ${pickedUp.ms} ms`, pickedUp);
});

let gmail: OpenedSite | undefined;

/** The profiles the popup offers on the Gmail page. */
async function profileTitles(browser: ExtensionBrowser, sites: Sites): Promise<string[]> {
  gmail ??= await sites.open('gmail');
  const popup = await browser.popup(await browser.tabIdOf(gmail.tab.page));
  try {
    const profile = popup.getByLabel('Profile');
    await profile.waitFor();
    return await profile.locator('option').allTextContents();
  } finally {
    await popup.close();
  }
}

test('applies the policy file: the admin profiles in the popup, the repository URL set and locked', async ({
  browser,
  repository,
  sites,
}) => {
  const page = await browser.extensionPage();
  // The first storage.managed read can come a few seconds after launch; the background re-reads on the change.
  const status = await waitFor(async () => {
    const s = await presetsStatus(page);
    return policySource(s).state === 'ok' ? s : undefined;
  }, 'the background to read the policy');
  expect(status.origin.profiles).toBe('policy');
  expect(status.presets.profiles.map((p) => p.id)).toEqual(['legal-hold', 'contract']);
  expect(status.locked).toContain('repositoryUrl');

  expect(await profileTitles(browser, sites)).toEqual(['Legal hold email', 'Signed contract']);

  const settings = await browser.ask<SettingsView>('settings.get');
  expect(settings).toMatchObject({ repositoryUrl: repository.url, hasToken: true, locked: ['repositoryUrl'] });
  // A locked setting cannot be changed through the options page's message either.
  await expect(
    browser.ask('settings.save', { repositoryUrl: 'https://records.elsewhere.example', token: '' }),
  ).rejects.toThrow(/set by your organisation/);
});

test('applies a policy file rewritten while the browser runs', async ({
  browser,
  chromiumPolicy,
  repository,
  sites,
}) => {
  chromiumPolicy.write({
    presets: presets('Litigation hold email', 2),
    repositoryUrl: repository.url,
    locked: ['repositoryUrl'],
  });
  const start = Date.now();
  const page = await browser.extensionPage();
  const applied = async () => {
    const s = await presetsStatus(page);
    return policySource(s).version === 2 ? s : undefined;
  };
  // Chromium watches the policy folder and reloads after a settle delay; chrome://policy's button is the fallback.
  let status = await waitFor(applied, 'Chromium to reload the policy file', 30_000).catch(() => undefined);
  pickedUp = { ms: Date.now() - start, reloaded: status === undefined };
  if (!status) {
    await reloadChromiumPolicy(browser.context);
    status = await waitFor(applied, 'the reloaded policy');
  }
  expect(status.presets.profiles[0]?.title).toBe('Litigation hold email');
  expect(await profileTitles(browser, sites)).toEqual(['Litigation hold email', 'Signed contract']);
});

/*
 * The presets travel as JSON text (public/managed_schema.json), so Chromium hands a malformed document over whole
 * and the extension's own validation reports it: here a wrong type, which hides the unresolved references until
 * it is fixed (the unit tests cover those).
 */
test('reports a malformed policy by path and keeps the last good one in force', async ({
  browser,
  chromiumPolicy,
  repository,
  sites,
}) => {
  const bad = presets('Litigation hold email', 3);
  bad.profiles[1] = { ...bad.profiles[1]!, defaultCategory: 'LEG/9' };
  bad.rules = [{ when: { app: 'gmail' }, suggest: { profile: 'no-such-profile' } }];
  // A wrong type reaches the extension too: the document travels as JSON text, which Chromium passes whole.
  (bad.profiles[0] as { title: unknown }).title = 42;
  chromiumPolicy.write({ presets: bad, repositoryUrl: repository.url, locked: ['repositoryUrl'] });
  const page = await browser.extensionPage();
  const invalid = async () => {
    const s = await presetsStatus(page);
    return policySource(s).state === 'invalid' ? s : undefined;
  };
  let status = await waitFor(invalid, 'the malformed policy to be reported', 30_000).catch(() => undefined);
  if (!status) {
    await reloadChromiumPolicy(browser.context);
    status = await waitFor(invalid, 'the malformed policy to be reported after a reload');
  }
  const source = policySource(status);
  expect(source.usingLastGood).toBe(true);
  expect((source.problems ?? []).map((p) => p.path)).toEqual(['policy.presets.profiles[0].title']);
  // The last good copy (version 2) stays in force, locks included.
  expect(status.presets.profiles.map((p) => p.title)).toEqual(['Litigation hold email', 'Signed contract']);
  expect(await profileTitles(browser, sites)).toEqual(['Litigation hold email', 'Signed contract']);
  const settings = await browser.ask<SettingsView>('settings.get');
  expect(settings).toMatchObject({ repositoryUrl: repository.url, locked: ['repositoryUrl'] });
});
