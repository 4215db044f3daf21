import { createHash } from 'node:crypto';
import { DEMO_PRESETS } from '../../server/presets.ts';
import type { TabDetections } from '../../utils/messaging.ts';
import { ask, waitFor } from './harness.ts';
import { policySource, presetsStatus } from './policy-harness.ts';
import { expect, test } from './test.ts';

/**
 * An in-house app taught to Recordkeeper by its admin, with no release: a site plugin in the presets delivered by
 * enterprise policy, run on the user's gesture (the shortcut grants activeTab; the on-demand page script carries
 * the site plugins), declared, and received by the repository with the app's stored original.
 */

// A real window, where the shortcut pressed through the X server reaches the browser.
test.override({ launch: { headed: true } });

const demoPlugin = DEMO_PRESETS.sites.find((site) => site.id === 'acme-dms')!;

const presets = {
  version: 1,
  filePlan: [{ id: 'LEG', title: 'Legal', children: [{ id: 'LEG/1', title: 'Contracts', retention: '12y' }] }],
  profiles: [
    { id: 'contract', title: 'Contract', recordType: 'contract', defaultCategory: 'LEG/1', capture: ['original'] },
  ],
  rules: [{ when: { app: 'site-acme-dms' }, suggest: { profile: 'contract' } }],
  // The demo presets' plugin for this DMS (server/presets.ts), taught two more things by the admin.
  sites: [
    {
      ...demoPlugin,
      fields: { ...demoPlugin.fields, dateModified: { json: '#doc-data', path: '$.modified' } },
      capture: { ...demoPlugin.capture, name: 'acme-{sourceId}.pdf', mimeType: 'application/pdf' },
    },
  ],
};

// Chromium reads the policy when it starts: it is written before the browser is launched.
test.beforeAll(({ chromiumPolicy, repository }) => {
  chromiumPolicy.write({ presets, repositoryUrl: repository.url, locked: ['repositoryUrl'] });
});

test('detects and declares an in-house DMS page through a site plugin delivered by policy', async ({
  extension,
  repository,
  sites,
}) => {
  const status = await waitFor(async () => {
    const s = await presetsStatus(await extension.extensionPage());
    return policySource(s).state === 'ok' && s.presets.sites.length === 1 ? s : undefined;
  }, 'the policy with the site plugin to reach the background');
  expect(status.origin.sites).toBe('policy');
  // Not granted in options: the plugin runs only where the user invokes the extension.
  expect(status.sitesNeedingAccess).toEqual(['https://dms.acme.example/doc/*']);

  // The intranet cannot be reached from here: its page and its download are served at their real URLs.
  const dms = await sites.open('acme-dms');
  const [downloadUrl] = Object.keys(dms.files);
  const pdf = dms.files[downloadUrl!]!;
  await extension.pressShortcut(dms.tab.page);
  await extension.waitForBadge(dms.tab.id, '1');

  const popup = await extension.popup(dms.tab.id);
  const { detections } = await ask<TabDetections>(popup, 'tab.detections', { tabId: dms.tab.id });
  expect(detections).toHaveLength(1);
  expect(detections[0]).toMatchObject({
    source: { app: 'site-acme-dms', kind: 'document', url: dms.url, sourceId: '4711' },
    title: 'Supplier framework agreement 2026',
    metadata: { owner: 'jane.doe@acme.example' },
    capture: { parts: [{ source: 'fetch', url: downloadUrl, name: 'acme-4711.pdf', mimeType: 'application/pdf' }] },
  });
  const title = popup.getByLabel('Title');
  await expect.poll(() => title.inputValue()).toBe('Supplier framework agreement 2026');
  // The admin's rule for the plugin's detector suggests the policy's profile.
  await expect.poll(() => popup.getByLabel('Profile').inputValue()).toBe('contract');
  await title.press('Enter');
  await popup.getByText('Declared and received by the repository').waitFor();

  expect(dms.requests.filter((url) => url === downloadUrl)).toEqual([downloadUrl]);
  const items = await repository.records('4711');
  expect(items).toHaveLength(1);
  const { record, receipt } = items[0]!;
  expect(record).toMatchObject({
    title: 'Supplier framework agreement 2026',
    source: { app: 'site-acme-dms', kind: 'document', url: dms.url, sourceId: '4711' },
    classification: { profileId: 'contract', categoryId: 'LEG/1', recordType: 'contract' },
    metadata: { owner: 'jane.doe@acme.example', dateModified: '2026-03-02T09:30:00Z' },
  });
  const sha256 = createHash('sha256').update(pdf).digest('hex');
  expect(record.content).toEqual([
    { role: 'primary', name: 'acme-4711.pdf', mimeType: 'application/pdf', size: pdf.byteLength, sha256 },
  ]);
  // The repository's receipt carries the digest it computed itself over the bytes it stored.
  expect(receipt.content).toEqual([{ name: 'acme-4711.pdf', sha256, size: pdf.byteLength }]);
  expect((await repository.content(record.id, 0)).equals(pdf)).toBe(true);
});
