import { useState } from 'preact/hooks';
import { PRESETS_SECTIONS } from '../utils/presets/schema';
import type { PresetsOverview } from '../utils/ui/presets-overview';
import { ColumnHeads } from './ColumnHeads';
import { useT } from './i18n';

interface Props {
  status: PresetsOverview | undefined;
  /** Why the status could not be read. */
  error?: string | undefined;
  onImport(file: File): Promise<string | undefined>;
  onClear(): Promise<string | undefined>;
  /** Asks the browser for the site plugins' pages; answers whether it was granted. */
  onGrantSites(patterns: string[]): Promise<boolean>;
}

const SOURCE_KEYS = {
  policy: 'sourcePolicy',
  repository: 'sourceRepository',
  local: 'sourceLocal',
  default: 'sourceDefault',
};
const STATE_KEYS = {
  ok: 'sourceStateOk',
  absent: 'sourceStateAbsent',
  invalid: 'sourceStateInvalid',
  unreachable: 'sourceStateUnreachable',
};

/** The presets in force: which source each section came from, every source's state and its problems by path. */
export function PresetsPanel({ status, error, onImport, onClear, onGrantSites }: Props) {
  const t = useT();
  const [message, setMessage] = useState<{ text: string; error: boolean }>();
  const [working, setWorking] = useState(false);
  const act = async (work: () => Promise<string | undefined>, done: string) => {
    setWorking(true);
    const problem = await work();
    setMessage(problem ? { text: problem, error: true } : { text: done, error: false });
    setWorking(false);
  };
  const local = status?.sources.find((s) => s.source === 'local');
  return (
    <>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {status && (
        <>
          <p>
            {t('presetsVersion', status.summary.version)} ·{' '}
            {t('presetsCounts', [status.summary.profiles, status.summary.rules, status.summary.vocabularies])}
          </p>
          <table class="grid">
            <caption>{t('presetsSections')}</caption>
            <ColumnHeads keys={['section', 'from']} />
            <tbody>
              {PRESETS_SECTIONS.filter((s) => s !== 'version').map((section) => {
                const origin = status.origin[section] ?? 'default';
                return (
                  <tr key={section}>
                    <th scope="row">
                      <code>{section}</code>
                    </th>
                    <td>
                      {t(SOURCE_KEYS[origin])}
                      {status.locked.includes(section) && ` · ${t('lockedByOrganisation')}`}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <h3>{t('presetsSources')}</h3>
          <ul class="sources">
            {status.sources.map((source) => (
              <li key={source.source} class={`source source-${source.state}`}>
                <strong>{t(SOURCE_KEYS[source.source])}</strong>: {t(STATE_KEYS[source.state])}
                {source.version !== undefined && ` · ${t('presetsVersion', source.version)}`}
                {source.receivedAt !== undefined &&
                  ` · ${t('receivedAt', new Date(source.receivedAt).toLocaleString())}`}
                {source.usingLastGood && ` · ${t('usingLastGood')}`}
                {source.error && <p class="status-error">{source.error}</p>}
                {source.problems && source.problems.length > 0 && (
                  <ul class="problems">
                    {source.problems.map((problem) => (
                      <li key={`${problem.path}:${problem.message}`}>
                        <code>{problem.path}</code>: {problem.message}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ul>
          {status.sitesNeedingAccess.length > 0 && (
            <div class="sites-access">
              <p>{t('sitesNeedAccess', status.sitesNeedingAccess.join(', '))}</p>
              <button
                type="button"
                onClick={async () => {
                  const granted = await onGrantSites(status.sitesNeedingAccess).catch(() => false);
                  setMessage({ text: t(granted ? 'sitesGranted' : 'sitesNotGranted'), error: !granted });
                }}
              >
                {t('allowSites')}
              </button>
            </div>
          )}
          {status.locked.length > 0 && <p class="hint">{t('lockedList', status.locked.join(', '))}</p>}
        </>
      )}
      <div class="buttons">
        <label for="presets-file">{t('importPresets')}</label>
        <input
          id="presets-file"
          type="file"
          accept=".json,.jsonc,application/json"
          disabled={working}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            e.currentTarget.value = '';
            if (file) act(() => onImport(file), t('presetsImported'));
          }}
        />
        {local && local.state !== 'absent' && (
          <button type="button" disabled={working} onClick={() => act(onClear, t('presetsCleared'))}>
            {t('clearImport')}
          </button>
        )}
      </div>
      {message && (
        <p class={message.error ? 'error' : 'hint'} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
    </>
  );
}
