import { browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { base64ToBytes } from '../utils/capture/bytes';
import { findBySourceId } from '../utils/connectors/records-api';
import { activeTabId, archiveTab, captureInTab, detectInTab } from '../utils/detectors/tab';
import { handleMessages } from '../utils/messaging';
import { openOutbox } from '../utils/outbox/db';
import { getRow, listRows } from '../utils/outbox/outbox';
import { toView } from '../utils/outbox/view';
import { loadPresets, refreshPresets } from '../utils/presets/store';
import { declare } from '../utils/records/declare';
import { declareFile, inspectLocalFile } from '../utils/records/declare-file';
import { combineLookups, lookupPrior, type PriorLookup } from '../utils/records/prior';
import { aliasesOf, forgetPrior, rememberAlias, sessionPriorCache } from '../utils/records/prior-store';
import { loadSettings, saveSettings, settingsView } from '../utils/settings-store';
import { DRAIN_ALARM, RETRY_ALARM, runDrain } from '../utils/sync/run';

/** Wiring only: every piece of logic lives in utils/. No state is kept here; the worker may stop at any time. */
export default defineBackground({
  main() {
    const drainSoon = () => {
      openOutbox()
        .then(runDrain)
        .catch((error) => console.error('Recordkeeper drain failed', error));
    };

    handleMessages({
      'tab.detections': async ({ tabId }) => {
        const id = tabId ?? (await activeTabId());
        if (id === undefined) return { tabId: -1, detections: [], error: 'No tab is active.' };
        const result = await detectInTab(id);
        await browser.action.setBadgeText({
          tabId: id,
          text: result.detections.length ? String(result.detections.length) : '',
        });
        return result;
      },
      'record.declare': async (request) => {
        const tabId = request.tabId ?? (await activeTabId());
        const result = await declare(request, {
          db: await openOutbox(),
          presets: await loadPresets(),
          now: () => new Date(),
          captureInTab: (part) => captureInTab(tabId, part),
          archiveInTab: () => archiveTab(tabId),
        });
        if (result.ok) {
          drainSoon();
          const appSourceId = request.detection.source.sourceId;
          await forgetPrior(appSourceId);
          await forgetPrior(result.sourceId);
          if (result.sourceId !== appSourceId) await rememberAlias(appSourceId, result.sourceId);
        }
        return result;
      },
      'file.inspect': ({ name, base64 }) => inspectLocalFile(base64ToBytes(base64), name),
      'file.declare': async ({ base64, ...file }) => {
        const result = await declareFile(
          { ...file, bytes: base64ToBytes(base64) },
          { db: await openOutbox(), presets: await loadPresets(), now: () => new Date() },
        );
        if (result.ok) drainSoon();
        return result;
      },
      'record.get': async ({ id }) => {
        const row = await getRow(await openOutbox(), id);
        return row ? toView(row) : null;
      },
      'records.prior': async ({ sourceIds }) => {
        const settings = await loadSettings();
        if (!settings.repositoryUrl || !settings.token) return {};
        const aliases = await aliasesOf(sourceIds);
        const found = await lookupPrior(
          [...sourceIds, ...Object.values(aliases)],
          (sourceId) => findBySourceId(settings, sourceId),
          sessionPriorCache,
          Date.now,
        );
        const answer: Record<string, PriorLookup> = {};
        for (const id of sourceIds) {
          const combined = combineLookups(found[id], aliases[id] === undefined ? undefined : found[aliases[id]]);
          if (combined) answer[id] = combined;
        }
        return answer;
      },
      'outbox.list': async () => (await listRows(await openOutbox())).map(toView),
      'outbox.drain': () => {
        drainSoon();
        return { started: true };
      },
      'presets.get': () => loadPresets(),
      'settings.get': async () => settingsView(await loadSettings()),
      'settings.save': async (input) => settingsView(await saveSettings(input)),
      'content.detected': async ({ count }, { tabId }) => {
        if (tabId === undefined) return;
        await browser.action.setBadgeText({ tabId, text: count > 0 ? String(count) : '' });
      },
    });

    browser.action.setBadgeBackgroundColor({ color: '#175caa' }).catch(() => undefined);
    browser.alarms.create(DRAIN_ALARM, { periodInMinutes: 1 });
    browser.alarms.onAlarm.addListener((alarm) => {
      if (alarm.name === DRAIN_ALARM || alarm.name === RETRY_ALARM) drainSoon();
      if (alarm.name === DRAIN_ALARM)
        loadSettings()
          .then(refreshPresets)
          .catch(() => undefined);
    });
    browser.runtime.onStartup.addListener(drainSoon);
    browser.runtime.onInstalled.addListener(() => {
      loadSettings()
        .then(refreshPresets)
        .catch(() => undefined);
      drainSoon();
    });
    addEventListener('online', drainSoon);
    // New connection settings, from options or from an admin's tooling: fetch that repository's presets and send.
    browser.storage.onChanged.addListener((changes, area) => {
      if (area !== 'local' || !changes.settings) return;
      loadSettings()
        .then(refreshPresets)
        .catch(() => undefined)
        .finally(drainSoon);
    });
  },
});
