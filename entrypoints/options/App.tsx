import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ConnectionForm } from '../../components/ConnectionForm';
import { ConnectorMapping } from '../../components/ConnectorMapping';
import { Declarer } from '../../components/Declarer';
import { HealthPanel } from '../../components/HealthPanel';
import { History } from '../../components/History';
import { useT } from '../../components/i18n';
import { accountStep, MicrosoftAccount } from '../../components/MicrosoftAccount';
import { OutboxTable } from '../../components/OutboxTable';
import { PresetsPanel } from '../../components/PresetsPanel';
import type { MicrosoftAccountView } from '../../utils/connectors/microsoft-365/account';
import type { SettingsView } from '../../utils/settings';
import type { Api } from '../../utils/ui/api';
import type { Permissions } from '../../utils/ui/permissions';
import type { PresetsOverview } from '../../utils/ui/presets-overview';

/** One part of the page, named by its heading (`<name>-heading`). */
function Section({ name, heading, children }: { name: string; heading: string; children: ComponentChildren }) {
  return (
    <section aria-labelledby={`${name}-heading`}>
      <h2 id={`${name}-heading`}>{heading}</h2>
      {children}
    </section>
  );
}

interface Props {
  api: Api;
  permissions: Permissions;
  readText(file: File): Promise<string>;
  /** Whether this browser has MHTML page archives (Chrome's optional pageCapture permission; not Firefox). */
  archivesAvailable?: boolean | undefined;
}

export function App({ api, permissions, readText, archivesAvailable = true }: Props) {
  const t = useT();
  const [settings, setSettings] = useState<SettingsView>();
  const [account, setAccount] = useState<MicrosoftAccountView | null>(null);
  const loadAccount = () => api.call('account.get', {}).then(setAccount, () => setAccount(null));
  const [status, setStatus] = useState<PresetsOverview>();
  const [statusError, setStatusError] = useState<string>();
  const [tick, setTick] = useState(0);
  const [archives, setArchives] = useState(false);
  const [error, setError] = useState('');

  // The presets as the page shows them, without the document itself; the file plan comes when the picker opens.
  const loadStatus = () =>
    api.call('presets.overview', {}).then(
      (next) => {
        setStatus(next);
        setStatusError(undefined);
      },
      (e: Error) => setStatusError(e.message),
    );

  // The history's first page is asked alone and first: its answer is what the page is opened for, and the
  // background reads the outbox one request at a time, so the other panels' questions would only delay it. They
  // are asked as soon as it has come (or failed).
  const [historyShown, setHistoryShown] = useState(false);
  useEffect(() => {
    if (!historyShown) return;
    api.call('settings.get', {}).then(setSettings, (e: Error) => setError(e.message));
    loadAccount();
    loadStatus();
    if (archivesAvailable) permissions.hasPageArchives().then(setArchives, () => undefined);
  }, [api, historyShown]);

  // The lists read the rows in view again when the background says the outbox changed (a declaration, a drain, a
  // retry or discard); a change while the page is hidden is read once it shows again.
  useEffect(() => {
    let missed = false;
    const refresh = () => {
      if (document.visibilityState === 'hidden') missed = true;
      else setTick((n) => n + 1);
    };
    const onVisible = () => {
      if (document.visibilityState !== 'hidden' && missed) {
        missed = false;
        setTick((n) => n + 1);
      }
    };
    const stop = api.subscribe('outbox.changed', refresh);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      stop();
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [api]);

  const loadHealth = useMemo(() => () => api.call('health.get', {}), [api]);
  const declarePresets = status?.form;

  const locked = [...new Set([...(settings?.locked ?? []), ...(status?.locked ?? [])])];

  const save = async (values: { repositoryUrl: string; token: string }) => {
    let note = '';
    if (values.repositoryUrl) {
      // Asked first, while the click still counts as a user gesture.
      const granted = await permissions.requestAccess(values.repositoryUrl).catch(() => false);
      if (!granted) note = ` ${t('accessNotGranted')}`;
    }
    try {
      setSettings(await api.call('settings.save', values));
      loadAccount();
      setTimeout(loadStatus, 1000);
      return `${t('saved')}${note}`;
    } catch (e) {
      return (e as Error).message;
    }
  };

  const problem = async (work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (e) {
      return (e as Error).message;
    }
    await loadStatus();
    return undefined;
  };

  return (
    <>
      <header>
        <h1>{t('optionsHeading')}</h1>
      </header>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <Section name="connection" heading={t('repositoryHeading')}>
        {settings && (
          // Mounted once: a key that follows the saved URL would remount it on the first save and lose its message.
          <ConnectionForm
            settings={settings}
            locked={locked}
            onSave={save}
            onTest={() => api.call('connection.test', {})}
          />
        )}
        {account && (
          <MicrosoftAccount
            account={account}
            onSignIn={() => {
              // Asked first, in the click's own turn; sign-in goes ahead either way (Microsoft's sites answer
              // cross-origin requests), but the note says what was refused.
              const access = account.origins.length
                ? permissions.requestSiteAccess(account.origins).catch(() => false)
                : Promise.resolve(true);
              return access.then(async (granted) => {
                try {
                  setAccount(await api.call('account.signIn', {}));
                  api.call('settings.get', {}).then(setSettings, () => undefined);
                  return granted ? {} : { note: t('accountAccessNotGranted') };
                } catch (e) {
                  return { error: (e as Error).message };
                }
              });
            }}
            onSignOut={() => accountStep(() => api.call('account.signOut', {}), setAccount)}
          />
        )}
        {status && <ConnectorMapping presets={status.mapping} connector={settings?.connector} />}
        {archivesAvailable && (
          <>
            <label class="inline archives">
              <input
                type="checkbox"
                checked={archives}
                onChange={async (e) => {
                  const box = e.currentTarget;
                  const on = box.checked;
                  const granted = on
                    ? await permissions.requestPageArchives().catch(() => false)
                    : !(await permissions.removePageArchives().catch(() => false));
                  // Refused: the box shows the truth again, even though the state did not change.
                  box.checked = granted;
                  setArchives(granted);
                }}
              />
              {t('keepArchives')}
            </label>
            <p class="hint">{t('keepArchivesHint')}</p>
          </>
        )}
      </Section>
      <Section name="declare" heading={t('declareFilesHeading')}>
        {declarePresets && (
          <Declarer api={api} items={[]} presets={declarePresets} empty={<p class="hint">{t('optionsDropHint')}</p>} />
        )}
      </Section>
      <Section name="outbox" heading={t('outboxHeading')}>
        {historyShown && (
          <OutboxTable
            load={(request) => api.call('outbox.page', { ...request, pending: true })}
            refreshTick={tick}
            onRetry={async (id) => {
              await api.call('outbox.retry', { id });
              setTick((n) => n + 1);
            }}
            onDiscard={async (id) => {
              await api.call('outbox.discard', { id, confirmed: true });
              setTick((n) => n + 1);
            }}
          />
        )}
      </Section>
      <Section name="history" heading={t('historyHeading')}>
        <History
          load={(request) => api.call('outbox.page', request)}
          refreshTick={tick}
          onFirstPage={() => setHistoryShown(true)}
        />
      </Section>
      <Section name="health" heading={t('healthHeading')}>
        {historyShown && (
          <HealthPanel
            load={loadHealth}
            clear={() => api.call('health.clear', {})}
            send={() => api.call('health.send', {})}
          />
        )}
      </Section>
      <Section name="presets" heading={t('presetsHeading')}>
        <PresetsPanel
          status={status}
          error={statusError}
          onImport={async (file) => {
            const text = await readText(file);
            return problem(() => api.call('presets.import', { text }));
          }}
          onClear={() => problem(() => api.call('presets.clearImport', {}))}
          onGrantSites={async (patterns) => {
            const granted = await permissions.requestSiteAccess(patterns);
            if (granted) loadStatus();
            return granted;
          }}
        />
      </Section>
    </>
  );
}
