import type { PresetsStatus } from '../../utils/ui/views.ts';
import { waitFor } from './harness.ts';
import { policySource } from './policy-harness.ts';
import { expect, test } from './test.ts';

/**
 * Firefox ESR with real enterprise policy: /etc/firefox/policies/policies.json carrying the extension's managed
 * storage (`3rdparty.Extensions.<add-on id>`), read by Firefox at startup and handed to the background as
 * `storage.managed`. Driven by puppeteer-core over WebDriver BiDi.
 */

const presets = {
  version: 5,
  filePlan: [{ id: 'FIN', title: 'Finance', children: [{ id: 'FIN/1', title: 'Invoices', retention: '10y' }] }],
  profiles: [{ id: 'invoice', title: 'Supplier invoice', recordType: 'document', defaultCategory: 'FIN/1' }],
};

// Firefox reads policies.json once, when it starts: the file is in place before the launch.
test.beforeAll(({ firefoxPolicy }) => {
  firefoxPolicy.write({ presets, locked: ['profiles'] });
});

test('hands the managed presets from policies.json to the background', async ({ firefox }) => {
  const page = await firefox.extensionPage();
  // What Firefox itself gives the extension: the policy's values, untouched.
  const managed = () => (globalThis as unknown as { browser: typeof chrome }).browser.storage.managed.get();
  expect(await page.evaluate(managed)).toEqual({ presets, locked: ['profiles'] });

  const status = await waitFor(async () => {
    const s = await firefox.ask<PresetsStatus>('presets.status');
    return policySource(s).state === 'ok' ? s : undefined;
  }, 'the background to read the policy');
  expect(policySource(status)).toMatchObject({ state: 'ok', version: 5 });
  expect(status.origin.profiles).toBe('policy');
  expect(status.presets.profiles.map((p) => p.id)).toEqual(['invoice']);
  expect(status.presets.filePlan[0]?.children?.[0]?.id).toBe('FIN/1');
  expect(status.locked).toContain('profiles');
});
