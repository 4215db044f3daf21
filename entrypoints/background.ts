import { browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { base64ToBytes } from '../utils/capture/bytes';
import { testConnection } from '../utils/connection-test';
import {
  microsoftAccount,
  microsoftOriginals,
  signInMicrosoft,
  signOutMicrosoft,
} from '../utils/connectors/microsoft-365/account-store';
import { MENU_ID } from '../utils/context-menu';
import { afterDeclared } from '../utils/declaring/after-declare';
import { declare } from '../utils/declaring/declare';
import { declareFile, inspectLocalFile } from '../utils/declaring/declare-file';
import { priorRecords } from '../utils/declaring/prior-store';
import { declareFromContextMenu } from '../utils/detecting/context-menu';
import { activeTabId, archiveTab, captureInTab, streamInTab } from '../utils/detecting/tab';
import { tabDetections } from '../utils/detecting/tab-detections';
import { healthView, skeletonOfTab } from '../utils/health/service';
import { clearHealth, recordHealth, refreshDiagnosticsPolicy } from '../utils/health/store';
import { diagnosticsTargetOf, sendHealth, sendSkeleton } from '../utils/health/upload';
import { handleMessages, notifyPages } from '../utils/messaging';
import { openOutbox } from '../utils/outbox/db';
import { discardRow, listAudit, retryRow } from '../utils/outbox/manage';
import { getRow, listRows } from '../utils/outbox/outbox';
import { readPage } from '../utils/outbox/pages';
import { toView } from '../utils/outbox/view';
import { sitesFor } from '../utils/presets/site-scripts';
import { compactPlan, formPresets, suggestAll } from '../utils/presets/slices';
import { syncAppScripts, syncSiteScripts } from '../utils/presets-store/site-scripts';
import {
  clearLocalPresets,
  importLocalPresets,
  loadPresets,
  readPresetsState,
  refreshPolicy,
  refreshRepositoryPresets,
  repositoryPresetsStale,
  statusOf,
} from '../utils/presets-store/store';
import { credentialsFor } from '../utils/secrets';
import {
  connectorDeps,
  loadConnection,
  openConnector,
  repositoryKey,
  saveSettings,
  settingsChanged,
  settingsView,
} from '../utils/settings-store';
import { choices, migrateStorageLayout } from '../utils/storage';
import { priorityGate } from '../utils/sync/priority';
import { recoveryScheduler } from '../utils/sync/recovery';
import { DRAIN_ALARM, RETRY_ALARM, runDrain, type Signals, showOutboxSignals } from '../utils/sync/run';
import { toolbarButton } from '../utils/toolbar';
import { popupStart } from '../utils/ui/popup-start';
import { presetsMemo } from '../utils/ui/presets-memo';
import { presetsOverview } from '../utils/ui/presets-overview';

/** Wiring only: every piece of logic lives in utils/. No state is kept here; the worker may stop at any time. */
export default defineBackground({
  main() {
    // The toolbar shows what waits or needs attention; a system notification tells of records the repository refused.
    // The badge is shown again after every change to the outbox; open options pages are told at the same time.
    const signals: Signals = {
      setBadge: async ({ text, color, title }) => {
        await Promise.all([
          toolbarButton().setBadgeText({ text }),
          toolbarButton().setBadgeBackgroundColor({ color }),
          toolbarButton().setTitle({ title }),
          notifyPages('outbox.changed').catch((error) => console.error('Recordkeeper page notice failed', error)),
        ]);
      },
      notify: async (notice) => {
        await browser.notifications.create(notice.id, {
          type: 'basic',
          iconUrl: browser.runtime.getURL('/icon/128.png'),
          title: notice.title,
          message: notice.message,
        });
      },
    };
    const showSignals = () =>
      openOutbox()
        .then((db) => showOutboxSignals(db, signals))
        .catch((error) => console.error('Recordkeeper badge update failed', error));
    // While the repository is unreachable, a probe every few seconds as long as this worker lives.
    const recovery = recoveryScheduler(() => drainSoon());
    // Declarations go first: the drain and the badge's counts wait while one is in progress.
    const declaring = priorityGate();
    const drainSoon = () => {
      openOutbox()
        .then(async (db) => {
          await declaring.idle();
          await showOutboxSignals(db, signals);
          await runDrain(db, recovery, declaring);
          await declaring.idle();
          await showOutboxSignals(db, signals);
        })
        .catch((error) => console.error('Recordkeeper drain failed', error));
    };
    const refreshRepository = () =>
      loadConnection()
        .then((state) => {
          const key = repositoryKey(state);
          const connector = openConnector(state);
          return refreshRepositoryPresets(key && connector ? { key, connector } : undefined);
        })
        .catch((error) => console.error('Recordkeeper presets refresh failed', error))
        .finally(() => syncSites());
    const currentPresets = async () => loadPresets(repositoryKey(await loadConnection()));
    // What the popup and options ask on every open: one read of the sources, again whenever they or the settings
    // change; the presets in force and their status are both made from it.
    const rememberedState = presetsMemo(async () => readPresetsState(repositoryKey(await loadConnection())));
    const rememberedPresets = async () => (await rememberedState()).merged.presets;
    const loadChoices = () => choices.get();
    const status = async () =>
      statusOf(await rememberedState(), (pattern) => browser.permissions.contains({ origins: [pattern] }));
    // The site plugins' content script follows the presets and the hosts the user or admin granted.
    const syncSites = () =>
      currentPresets()
        .then((presets) => Promise.all([syncSiteScripts(presets.sites), syncAppScripts(presets.appHosts)]))
        .catch((error) => console.error('Recordkeeper site plugins failed to register', error));

    // Detector health: counted here, sent only when the organisation's policy says so (utils/health/upload.ts).
    const diagnosticsTarget = async () => diagnosticsTargetOf(await loadConnection(), credentialsFor('records-api'));
    const sendHealthSoon = (force = false) =>
      sendHealth({ target: diagnosticsTarget }, { force }).catch((error) =>
        console.error('Recordkeeper diagnostics upload failed', error),
      );

    handleMessages({
      'tab.detections': ({ tabId }) => tabDetections(tabId),
      'popup.start': async ({ tabId }) =>
        popupStart(
          ...(await Promise.all([
            tabDetections(tabId),
            rememberedPresets(),
            loadChoices(),
            loadConnection().then(microsoftAccount),
          ])),
        ),
      'presets.form': async () => formPresets(await rememberedPresets()),
      'presets.plan': async () => compactPlan((await rememberedPresets()).filePlan),
      'presets.suggest': async ({ detections }) =>
        suggestAll(await rememberedPresets(), detections, await loadChoices()),
      'outbox.page': async (request) => readPage(await openOutbox(), request),
      'record.declare': (request) =>
        declaring.during(async () => {
          const tabId = request.tabId ?? (await activeTabId());
          const presets = await rememberedPresets();
          const db = await openOutbox();
          const result = await declare(request, {
            db,
            presets,
            now: () => new Date(),
            captureInTab: (part) => captureInTab(tabId, part),
            streamInTab: (url, stage) => streamInTab(tabId, url, stage),
            archiveInTab: () => archiveTab(tabId),
            ...microsoftOriginals(await loadConnection()),
          });
          if (result.ok) {
            try {
              await afterDeclared(request, result, { db, presets });
            } finally {
              // Once the answer is on its way: the drain's work would otherwise delay "Declared".
              setTimeout(drainSoon, 0);
            }
          }
          return result;
        }),
      'file.inspect': ({ name, base64 }) => inspectLocalFile(base64ToBytes(base64), name),
      'file.declare': async ({ base64, ...file }) => {
        const result = await declaring.during(async () =>
          declareFile(
            { ...file, bytes: base64ToBytes(base64) },
            { db: await openOutbox(), presets: await currentPresets(), now: () => new Date() },
          ),
        );
        if (result.ok) drainSoon();
        return result;
      },
      'record.get': async ({ id }) => {
        const row = await getRow(await openOutbox(), id);
        return row ? toView(row) : null;
      },
      'records.prior': async ({ sourceIds }) => priorRecords(sourceIds, openConnector(await loadConnection())),
      'outbox.list': async () => (await listRows(await openOutbox())).map(toView),
      'outbox.drain': () => {
        drainSoon();
        return { started: true };
      },
      'outbox.retry': async ({ id }) => {
        const row = await retryRow(await openOutbox(), id, Date.now());
        if (row) drainSoon();
        return row ? toView(row) : null;
      },
      'outbox.discard': async ({ id }) => {
        const discarded = await discardRow(await openOutbox(), id, Date.now());
        await showSignals();
        return { discarded };
      },
      'audit.list': async () => listAudit(await openOutbox()),
      'presets.get': () => rememberedPresets(),
      'presets.status': () => status(),
      'presets.overview': async () => presetsOverview(await status()),
      'presets.import': async ({ text }) => {
        await importLocalPresets(text);
        await syncSites();
        return status();
      },
      'presets.clearImport': async () => {
        await clearLocalPresets();
        await syncSites();
        return status();
      },
      'choices.get': () => choices.get(),
      'connection.test': async () => {
        const state = await loadConnection();
        return testConnection(state, {
          // With the presets, so that the connector checks the folders its mapping names.
          connector: connectorDeps(state, await loadPresets(repositoryKey(state))),
          hasOriginAccess: (origins) => browser.permissions.contains({ origins }),
        });
      },
      'settings.get': async () => settingsView(await loadConnection()),
      'settings.save': async (input) => settingsView(await saveSettings(input)),
      'account.get': async () => microsoftAccount(await loadConnection()),
      'account.signIn': async () => {
        const view = await signInMicrosoft(await loadConnection());
        drainSoon();
        return view;
      },
      'account.signOut': async () => signOutMicrosoft(await loadConnection()),
      'content.sites': async ({ url }) => sitesFor((await currentPresets()).sites, url),
      'content.health': async ({ events }) => {
        await recordHealth(events);
        sendHealthSoon();
      },
      'health.get': async () => healthView(await diagnosticsTarget()),
      'health.clear': async () => {
        await clearHealth();
        return healthView(await diagnosticsTarget());
      },
      'health.send': async () => {
        await sendHealthSoon(true);
        return healthView(await diagnosticsTarget());
      },
      'health.skeleton': async ({ tabId, reason, keepIds }) => {
        const id = tabId ?? (await activeTabId());
        if (id === undefined) return { ok: false, error: 'No tab is active.' };
        return skeletonOfTab(id, reason, keepIds === true, await diagnosticsTarget());
      },
      'health.sendSkeleton': async (skeleton) => {
        const result = await sendSkeleton({ target: diagnosticsTarget }, skeleton);
        return result.ok ? { ok: true } : result;
      },
      'content.detected': async ({ count }, { tabId }) => {
        if (tabId === undefined) return;
        await toolbarButton().setBadgeText({ tabId, text: count > 0 ? String(count) : '' });
      },
    });

    // "Declare as record" on pages, links and selections: the popup opens with that item first.
    browser.contextMenus.onClicked.addListener((info, tab) => {
      declareFromContextMenu(info, tab).catch((error) => console.error('Recordkeeper context menu failed', error));
    });

    toolbarButton()
      .setBadgeBackgroundColor({ color: '#175caa' })
      .catch(() => undefined);
    browser.alarms.create(DRAIN_ALARM, { periodInMinutes: 1 });
    browser.alarms.onAlarm.addListener((alarm) => {
      if (alarm.name === DRAIN_ALARM || alarm.name === RETRY_ALARM) drainSoon();
      if (alarm.name === DRAIN_ALARM) {
        sendHealthSoon();
        repositoryPresetsStale(Date.now())
          .then((stale) => (stale ? refreshRepository() : undefined))
          .catch(() => undefined);
      }
    });
    browser.runtime.onStartup.addListener(drainSoon);
    browser.runtime.onInstalled.addListener(() => {
      browser.contextMenus.removeAll().then(() =>
        browser.contextMenus.create({
          id: MENU_ID,
          title: browser.i18n.getMessage('contextMenuDeclare') || 'Declare as record',
          contexts: ['page', 'link', 'selection'],
        }),
      );
      refreshRepository();
      drainSoon();
    });
    addEventListener('online', drainSoon);
    browser.permissions.onAdded.addListener(() => syncSites());
    browser.permissions.onRemoved.addListener(() => syncSites());
    migrateStorageLayout().catch((error) => console.error('Recordkeeper storage migration failed', error));
    // Policy is read when the worker starts and whenever the browser reports a change; it never blocks a reply.
    const refreshDiagnostics = () =>
      refreshDiagnosticsPolicy(() => browser.storage.managed.get()).catch((error) =>
        console.error('Recordkeeper diagnostics policy read failed', error),
      );
    refreshPolicy()
      .then(refreshRepository)
      .catch((error) => console.error('Recordkeeper policy read failed', error));
    refreshDiagnostics();
    browser.storage.onChanged.addListener((changes, area) => {
      if (area === 'managed') refreshDiagnostics();
      if (area === 'managed')
        refreshPolicy()
          .then(refreshRepository)
          .catch(() => undefined);
      // New connection settings, from options or an admin's tooling: fetch that repository's presets and send.
      if (area === 'local' && changes.settings) {
        settingsChanged(changes.settings.oldValue, changes.settings.newValue)
          .catch((error) => console.error('Recordkeeper settings change failed', error))
          .then(refreshRepository)
          .finally(drainSoon);
      }
    });
  },
});
