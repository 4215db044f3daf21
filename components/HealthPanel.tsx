import { useEffect, useState } from 'preact/hooks';
import type { HealthView } from '../utils/health/view';
import { ColumnHeads } from './ColumnHeads';
import { useT } from './i18n';

interface Props {
  load(): Promise<HealthView>;
  clear(): Promise<HealthView>;
  send(): Promise<HealthView>;
}

/** What each problem kind means, for people (utils/health/events.ts). */
const PROBLEM_KEYS: Record<string, string> = {
  'url-check-failed': 'healthProblemUrlCheck',
  'detect-failed': 'healthProblemDetect',
  'not-a-list': 'healthProblemNotAList',
  'invalid-detection': 'healthProblemInvalid',
  missed: 'healthProblemMissed',
};

const when = (ms: number) => new Date(ms).toLocaleString();

/**
 * Detector health in options (issue 14): how often each detector failed, or found nothing where the address names
 * an item, on which app and build. Counts only: this browser keeps no page content. Whether the organisation sends
 * them, and how the last sending went.
 */
export function HealthPanel({ load, clear, send }: Props) {
  const t = useT();
  const [view, setView] = useState<HealthView>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<HealthView>) => {
    setBusy(true);
    try {
      setView(await work());
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    run(load);
  }, [load]);

  if (!view)
    return error ? (
      <p class="error" role="alert">
        {error}
      </p>
    ) : null;
  const d = view.diagnostics;
  return (
    <div class="health">
      <p class="hint">{t('healthExplain', when(view.since))}</p>
      {view.counters.length === 0 ? (
        <p>{t('healthNone')}</p>
      ) : (
        <table class="health-counts">
          <caption>{t('healthCaption')}</caption>
          <ColumnHeads
            keys={[
              'healthDetector',
              'healthApp',
              'healthBuild',
              'healthProblem',
              'healthCount',
              'healthFirstSeen',
              'healthLastSeen',
            ]}
          />
          <tbody>
            {view.counters.map((counter) => (
              <tr key={`${counter.detector}\n${counter.app}\n${counter.build ?? ''}\n${counter.problem}`}>
                <td>{counter.detector}</td>
                <td>{counter.app}</td>
                <td>{counter.build ?? '—'}</td>
                <td>{PROBLEM_KEYS[counter.problem] ? t(PROBLEM_KEYS[counter.problem]!) : counter.problem}</td>
                <td>{counter.count}</td>
                <td>{when(counter.firstSeen)}</td>
                <td>{when(counter.lastSeen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>{d.counts ? t('healthSentByPolicy') : t('healthNotSent')}</p>
      {d.blocked && <p class="hint">{d.blocked}</p>}
      {d.problems.map((problem) => (
        <p class="error" key={problem}>
          {problem}
        </p>
      ))}
      {d.lastSentAt !== undefined && <p class="hint">{t('healthLastSent', when(d.lastSentAt))}</p>}
      {d.lastError && (
        <p class="error" role="alert">
          {d.lastError}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p>
        {d.counts && !d.blocked && (
          <button type="button" disabled={busy} onClick={() => run(send)}>
            {t('healthSendNow')}
          </button>
        )}{' '}
        <button
          type="button"
          class="secondary"
          disabled={busy || view.counters.length === 0}
          onClick={() => run(clear)}
        >
          {t('healthClear')}
        </button>
      </p>
    </div>
  );
}
