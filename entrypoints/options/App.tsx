import { useEffect, useState } from 'preact/hooks';
import { ConnectionForm } from '../../components/ConnectionForm';
import { OutboxTable } from '../../components/OutboxTable';
import type { OutboxView } from '../../utils/outbox/view';
import type { SettingsView } from '../../utils/settings';
import type { Api } from '../../utils/ui/api';

interface Props {
  api: Api;
  requestAccess(repositoryUrl: string): Promise<boolean>;
}

export function App({ api, requestAccess }: Props) {
  const [settings, setSettings] = useState<SettingsView>();
  const [rows, setRows] = useState<OutboxView[]>([]);
  const [error, setError] = useState('');

  useEffect(() => {
    api.call('settings.get', {}).then(setSettings, (e: Error) => setError(e.message));
    const refresh = () => api.call('outbox.list', {}).then(setRows, () => undefined);
    refresh();
    const timer = setInterval(refresh, 2000);
    return () => clearInterval(timer);
  }, [api]);

  const save = async (values: { repositoryUrl: string; token: string }) => {
    let note = '';
    if (values.repositoryUrl) {
      // Asked first, while the click still counts as a user gesture.
      const granted = await requestAccess(values.repositoryUrl).catch(() => false);
      if (!granted)
        note = ' Access to that site was not granted: the repository must then allow this extension (CORS).';
    }
    try {
      setSettings(await api.call('settings.save', values));
      return `Saved.${note}`;
    } catch (e) {
      return (e as Error).message;
    }
  };

  return (
    <>
      <h1>Recordkeeper</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <section aria-labelledby="connection-heading">
        <h2 id="connection-heading">Repository</h2>
        {settings && <ConnectionForm settings={settings} onSave={save} />}
      </section>
      <section aria-labelledby="outbox-heading">
        <h2 id="outbox-heading">Outbox</h2>
        <OutboxTable rows={rows} />
      </section>
    </>
  );
}
