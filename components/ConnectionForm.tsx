import { useState } from 'preact/hooks';
import type { ConnectorField } from '../utils/connectors/definition';
import type { SettingsView } from '../utils/settings';
import type { ConnectionTest } from '../utils/ui/views';
import { useT } from './i18n';

/** What the form saves: the connector, its `url` as `repositoryUrl`, its other options, and secrets to set. */
export interface ConnectionValues {
  connector?: string | undefined;
  repositoryUrl: string;
  token: string;
  options?: Record<string, string | boolean> | undefined;
  secrets?: Record<string, string> | undefined;
}

interface Props {
  settings: SettingsView;
  /** Keys the organisation fixed (settings and presets). */
  locked: readonly string[];
  /**
   * Saves. Called in the submit event's own turn, before anything is awaited, so that the caller can ask the
   * browser for the host permission while the click still counts as a user gesture (Firefox refuses it after).
   */
  onSave(values: ConnectionValues): Promise<string>;
  onTest(): Promise<ConnectionTest>;
}

const KIND_KEYS: Record<Extract<ConnectionTest, { ok: false }>['kind'], string> = {
  'not-configured': 'testNotConfigured',
  permission: 'testPermission',
  unreachable: 'testUnreachable',
  tls: 'testTls',
  auth: 'testAuth',
  'sign-in': 'testSignIn',
  'wrong-service': 'testWrongService',
  setup: 'testSetup',
  forbidden: 'testForbidden',
  'server-error': 'testServerError',
};

/** The Records API's inputs, for a background that does not list its connectors. */
const URL_AND_TOKEN: readonly ConnectorField[] = [
  {
    key: 'url',
    kind: 'url',
    label: 'Repository URL',
    labelKey: 'repositoryUrl',
    placeholder: 'https://records.example.org',
  },
  { key: 'token', kind: 'password', secret: true, label: 'Access token', labelKey: 'accessToken', placeholder: 'rk_…' },
];

const trimmed = (value: string | boolean | number | undefined) =>
  typeof value === 'string' ? value.trim().replace(/\/+$/, '') : '';

/**
 * The repository: which kind (when there is more than one), its address and options, and its secrets. Secrets
 * are write-only: the page is told whether each one is set, never its value. Changing the repository clears what
 * was tied to the old one, and the form says so before Save.
 */
export function ConnectionForm({ settings, locked, onSave, onTest }: Props) {
  const t = useT();
  const connectors = settings.connectors ?? [];
  const [connector, setConnector] = useState(settings.connector ?? connectors[0]?.id);
  const fields = connectors.find((c) => c.id === connector)?.fields ?? URL_AND_TOKEN;
  const [values, setValues] = useState<Record<string, string | boolean>>(() => ({
    ...Object.fromEntries(
      Object.entries(settings.options ?? {}).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]),
    ),
    url: settings.repositoryUrl,
  }));
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [message, setMessage] = useState('');
  const [test, setTest] = useState<{ ok: boolean; text: string; detail?: string }>();
  const [testing, setTesting] = useState(false);
  const urlLocked = locked.includes('repositoryUrl');
  const connectorLocked = locked.includes('connector');
  const secretsSet = settings.secrets ?? (settings.hasToken ? ['token'] : []);
  const moved =
    (settings.connector !== undefined && connector !== settings.connector) ||
    (fields.some((f) => f.key === 'url') && trimmed(values.url) !== trimmed(settings.repositoryUrl));
  const label = (field: ConnectorField) => (field.labelKey ? t(field.labelKey) : field.label);

  const input = (field: ConnectorField) => {
    const id =
      field.key === 'url'
        ? 'repositoryUrl'
        : field.secret
          ? field.key === 'token'
            ? 'token'
            : `secret-${field.key}`
          : `option-${field.key}`;
    const disabled = (field.key === 'url' && urlLocked) || (connectorLocked && !field.secret);
    if (field.kind === 'checkbox') {
      return (
        <label class="inline" key={id}>
          <input
            id={id}
            type="checkbox"
            checked={values[field.key] === true}
            disabled={disabled}
            onChange={(e) => setValues({ ...values, [field.key]: e.currentTarget.checked })}
          />{' '}
          {label(field)}
        </label>
      );
    }
    return (
      <>
        <label for={id}>{label(field)}</label>
        <input
          id={id}
          name={field.key === 'url' ? 'repositoryUrl' : field.key}
          type={field.kind === 'password' ? 'password' : field.kind}
          autoComplete="off"
          disabled={disabled}
          aria-describedby={field.key === 'url' && urlLocked ? 'repositoryUrl-locked' : undefined}
          value={field.secret ? (secrets[field.key] ?? '') : String(values[field.key] ?? '')}
          placeholder={field.secret && secretsSet.includes(field.key) ? t('tokenSet') : field.placeholder}
          onInput={(e) =>
            field.secret
              ? setSecrets({ ...secrets, [field.key]: e.currentTarget.value })
              : setValues({ ...values, [field.key]: e.currentTarget.value })
          }
        />
        {field.key === 'url' && urlLocked && (
          <p class="hint locked" id="repositoryUrl-locked">
            {t('setByOrganisation')}
          </p>
        )}
      </>
    );
  };

  return (
    <form
      class="connection"
      onSubmit={(event) => {
        event.preventDefault();
        const options: Record<string, string | boolean> = {};
        for (const field of fields) {
          const value = values[field.key];
          if (!field.secret && field.key !== 'url' && value !== undefined)
            options[field.key] = typeof value === 'string' ? value.trim() : value;
        }
        const given = Object.fromEntries(
          Object.entries(secrets)
            .map(([key, value]) => [key, value.trim()])
            .filter(([key, value]) => key !== 'token' && value),
        );
        // No await before onSave: it asks for the host permission, which needs the user's gesture.
        const saving = onSave({
          connector,
          repositoryUrl: String(values.url ?? '').trim(),
          token: (secrets.token ?? '').trim(),
          options,
          secrets: given,
        });
        setSecrets({});
        saving.then(setMessage, (error: Error) => setMessage(error.message));
      }}
    >
      {connectors.length > 1 && (
        <>
          <label for="connector">{t('repositoryType')}</label>
          <select
            id="connector"
            value={connector}
            disabled={connectorLocked}
            onChange={(e) => setConnector(e.currentTarget.value)}
          >
            {connectors.map((c) => (
              <option key={c.id} value={c.id}>
                {c.label}
              </option>
            ))}
          </select>
        </>
      )}
      {fields.map(input)}
      {moved && (secretsSet.length > 0 || trimmed(settings.repositoryUrl) !== '') && (
        <p class="hint warning" role="note">
          {t('repositoryChangeClears')}
        </p>
      )}
      {settings.auth?.needed && (
        <p class="error" role="alert">
          {t(settings.auth.interactive ? 'authNeededInteractive' : 'authNeeded', settings.auth.error ?? '')}
        </p>
      )}
      {settings.problems?.length && !moved ? <p class="hint">{settings.problems.join(' ')}</p> : null}
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
                      // What the connector noted while testing (a feature the repository lacks, a check it cannot make).
                      detail: result.detail,
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
