import { useState } from 'preact/hooks';
import type { SettingsView } from '../utils/settings';
import type { ConnectionTest } from '../utils/ui/views';
import { useT } from './i18n';

interface Props {
  settings: SettingsView;
  /** Keys the organisation fixed (settings and presets). */
  locked: readonly string[];
  onSave(values: { repositoryUrl: string; token: string }): Promise<string>;
  onTest(): Promise<ConnectionTest>;
}

const KIND_KEYS: Record<Extract<ConnectionTest, { ok: false }>['kind'], string> = {
  'not-configured': 'testNotConfigured',
  permission: 'testPermission',
  unreachable: 'testUnreachable',
  tls: 'testTls',
  auth: 'testAuth',
  'not-records-api': 'testNotRecordsApi',
  'server-error': 'testServerError',
};

/** Repository URL and token. The token is write-only: the page is told whether one is set, never its value. */
export function ConnectionForm({ settings, locked, onSave, onTest }: Props) {
  const t = useT();
  const [repositoryUrl, setRepositoryUrl] = useState(settings.repositoryUrl);
  const [token, setToken] = useState('');
  const [message, setMessage] = useState('');
  const [test, setTest] = useState<{ ok: boolean; text: string; detail?: string }>();
  const [testing, setTesting] = useState(false);
  const urlLocked = locked.includes('repositoryUrl');
  return (
    <form
      class="connection"
      onSubmit={async (event) => {
        event.preventDefault();
        setMessage(await onSave({ repositoryUrl: repositoryUrl.trim(), token: token.trim() }));
        setToken('');
      }}
    >
      <label for="repositoryUrl">{t('repositoryUrl')}</label>
      <input
        id="repositoryUrl"
        name="repositoryUrl"
        type="url"
        value={repositoryUrl}
        placeholder="https://records.example.org"
        disabled={urlLocked}
        aria-describedby={urlLocked ? 'repositoryUrl-locked' : undefined}
        onInput={(e) => setRepositoryUrl(e.currentTarget.value)}
      />
      {urlLocked && (
        <p class="hint locked" id="repositoryUrl-locked">
          {t('setByOrganisation')}
        </p>
      )}
      <label for="token">{t('accessToken')}</label>
      <input
        id="token"
        name="token"
        type="password"
        autoComplete="off"
        value={token}
        placeholder={settings.hasToken ? t('tokenSet') : 'rk_…'}
        onInput={(e) => setToken(e.currentTarget.value)}
      />
      <div class="buttons">
        <button type="submit" class="primary">
          {t('save')}
        </button>
        <button
          type="button"
          disabled={testing}
          onClick={async () => {
            setTesting(true);
            setTest(undefined);
            try {
              const result = await onTest();
              setTest(
                result.ok
                  ? {
                      ok: true,
                      text:
                        result.presetsVersion === undefined
                          ? t('testOk')
                          : t('testOkPresets', String(result.presetsVersion)),
                    }
                  : { ok: false, text: t(KIND_KEYS[result.kind] ?? 'testServerError'), detail: result.detail },
              );
            } catch (error) {
              setTest({ ok: false, text: (error as Error).message });
            } finally {
              setTesting(false);
            }
          }}
        >
          {testing ? t('testing') : t('testConnection')}
        </button>
      </div>
      <div role="status" class="connection-status">
        {message && <p class="hint">{message}</p>}
        {test && (
          <div class={test.ok ? 'ok' : 'error'}>
            <p>{test.text}</p>
            {test.detail && <p class="hint">{test.detail}</p>}
          </div>
        )}
      </div>
    </form>
  );
}
