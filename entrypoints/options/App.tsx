import { useEffect, useState } from 'preact/hooks';
import { ConnectionForm } from '../../components/ConnectionForm';
import { ConnectorMapping } from '../../components/ConnectorMapping';
import { Declarer } from '../../components/Declarer';
import { History } from '../../components/History';
import { useT } from '../../components/i18n';
import { OutboxTable } from '../../components/OutboxTable';
import { PresetsPanel } from '../../components/PresetsPanel';
import type { OutboxView } from '../../utils/outbox/view';
import type { Presets } from '../../utils/presets/schema';
import type { SettingsView } from '../../utils/settings';
import type { Api } from '../../utils/ui/api';
import type { Permissions } from '../../utils/ui/permissions';
import type { AuditLine, PresetsStatus } from '../../utils/ui/views';

interface Props {
  api: Api;
  permissions: Permissions;
  readText(file: File): Promise<string>;
}

const REFRESH_MS = 2000;

export function App({ api, permissions, readText }: Props) {
  const t = useT();
  const [settings, setSettings] = useState<SettingsView>();
  const [status, setStatus] = useState<PresetsStatus>();
  const [statusError, setStatusError] = useState<string>();
  const [presets, setPresets] = useState<Presets>();
  const [rows, setRows] = useState<OutboxView[]>([]);
  const [audit, setAudit] = useState<AuditLine[]>([]);
  const [archives, setArchives] = useState(false);
  const [error, setError] = useState('');

  const loadStatus = () =>
    api.call('presets.status', {}).then(
      (next) => {
        setStatus(next);
        setPresets(next.presets);
        setStatusError(undefined);
      },
      (e: Error) => {
        setStatusError(e.message);
        // The status is the richer view; the presets alone still let files be declared.
        api.call('presets.get', {}).then(setPresets, () => undefined);
      },
    );

  useEffect(() => {
    api.call('settings.get', {}).then(setSettings, (e: Error) => setError(e.message));
    loadStatus();
    permissions.hasPageArchives().then(setArchives, () => undefined);
    const refresh = () => {
      api.call('outbox.list', {}).then(setRows, () => undefined);
      api.call('audit.list', {}).then(setAudit, () => undefined);
    };
    refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    return () => clearInterval(timer);
  }, [api]);

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
      setTimeout(loadStatus, 1000);
      return `${t('saved')}${note}`;
    } catch (e) {
      return (e as Error).message;
    }
  };

  const problem = async (work: () => Promise<PresetsStatus>) => {
    try {
      const next = await work();
      setStatus(next);
      setPresets(next.presets);
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
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
      <section aria-labelledby="connection-heading">
        <h2 id="connection-heading">{t('repositoryHeading')}</h2>
        {settings && (
          <ConnectionForm
            key={settings.repositoryUrl}
            settings={settings}
            locked={locked}
            onSave={save}
            onTest={() => api.call('connection.test', {})}
          />
        )}
        {presets && <ConnectorMapping presets={presets} connector={settings?.connector} />}
        <label class="inline archives">
          <input
            type="checkbox"
            checked={archives}
            onChange={async (e) => {
              const on = e.currentTarget.checked;
              const granted = on
                ? await permissions.requestPageArchives().catch(() => false)
                : !(await permissions.removePageArchives().catch(() => false));
              setArchives(granted);
            }}
          />
          {t('keepArchives')}
        </label>
        <p class="hint">{t('keepArchivesHint')}</p>
      </section>
      <section aria-labelledby="declare-heading">
        <h2 id="declare-heading">{t('declareFilesHeading')}</h2>
        {presets && (
          <Declarer api={api} items={[]} presets={presets} empty={<p class="hint">{t('optionsDropHint')}</p>} />
        )}
      </section>
      <section aria-labelledby="outbox-heading">
        <h2 id="outbox-heading">{t('outboxHeading')}</h2>
        <OutboxTable
          rows={rows}
          onRetry={async (id) => {
            const row = await api.call('outbox.retry', { id });
            if (row) setRows((before) => before.map((r) => (r.id === id ? row : r)));
          }}
          onDiscard={async (id) => {
            const { discarded } = await api.call('outbox.discard', { id, confirmed: true });
            if (discarded) setRows((before) => before.filter((r) => r.id !== id));
          }}
        />
      </section>
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">{t('historyHeading')}</h2>
        <History rows={rows} audit={audit} />
      </section>
      <section aria-labelledby="presets-heading">
        <h2 id="presets-heading">{t('presetsHeading')}</h2>
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
      </section>
    </>
  );
}
