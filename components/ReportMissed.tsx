import { useEffect, useState } from 'preact/hooks';
import type { SkeletonAnswer, SkeletonReason } from '../utils/health/view';
import type { Api } from '../utils/ui/api';
import { useT } from './i18n';

interface Props {
  api: Api;
  tabId?: number | undefined;
  /** Whether the popup found something on the page: the report is then about the wrong thing. */
  found: boolean;
}

type Ready = Extract<SkeletonAnswer, { ok: true }>;

/**
 * "Report a missed page" (issue 14): the privacy-safe skeleton of the page — every text masked to placeholders of
 * the same length, values masked, ids in the address masked unless the user keeps them — to download, or to send
 * to the repository when the organisation allows it. The background takes the skeleton and sends it.
 */
export function ReportMissed({ api, tabId, found }: Props) {
  const t = useT();
  const [reason, setReason] = useState<SkeletonReason>(found ? 'wrong' : 'nothing');
  const [keepIds, setKeepIds] = useState(false);
  const [busy, setBusy] = useState(false);
  const [ready, setReady] = useState<Ready>();
  const [href, setHref] = useState<string>();
  const [error, setError] = useState<string>();
  const [sent, setSent] = useState(false);

  useEffect(() => {
    if (!ready) return;
    const url = URL.createObjectURL(new Blob([ready.html], { type: 'text/html' }));
    setHref(url);
    return () => URL.revokeObjectURL(url);
  }, [ready]);

  /** Runs one step with the buttons disabled; a refusal (`{ ok: false }`) or a failure is shown as the error. */
  const step = async <T extends { ok: boolean }>(
    ask: () => Promise<T | { ok: false; error: string }>,
    done: (answer: T) => void,
  ) => {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await ask();
      if (answer.ok) done(answer as T);
      else setError((answer as { error: string }).error);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const take = () => {
    setSent(false);
    return step(() => api.call('health.skeleton', { tabId, reason, keepIds }), setReady);
  };

  const send = async () => {
    if (!ready) return;
    await step(
      () => api.call('health.sendSkeleton', { html: ready.html, url: ready.url, reason, takenAt: ready.takenAt }),
      () => setSent(true),
    );
  };

  return (
    <details class="report-missed">
      <summary>{found ? t('reportWrongSummary') : t('reportMissedSummary')}</summary>
      <p class="hint">{t('reportMissedExplain')}</p>
      <fieldset>
        <legend>{t('reportMissedReason')}</legend>
        <label>
          <input
            type="radio"
            name="report-reason"
            checked={reason === 'nothing'}
            onChange={() => setReason('nothing')}
          />{' '}
          {t('reportReasonNothing')}
        </label>
        <label>
          <input type="radio" name="report-reason" checked={reason === 'wrong'} onChange={() => setReason('wrong')} />{' '}
          {t('reportReasonWrong')}
        </label>
      </fieldset>
      <label>
        <input type="checkbox" checked={keepIds} onChange={(e) => setKeepIds(e.currentTarget.checked)} />{' '}
        {t('reportKeepIds')}
      </label>
      <p>
        <button type="button" disabled={busy} onClick={take}>
          {t('reportTakeSkeleton')}
        </button>
      </p>
      {ready && (
        <div role="status">
          <p>{t('reportSkeletonReady', [ready.url, Math.ceil(ready.bytes / 1024)])}</p>
          <p>
            {href && (
              <a href={href} download={ready.name}>
                {t('reportDownload')}
              </a>
            )}{' '}
            {ready.upload.allowed && !sent && (
              <button type="button" disabled={busy} onClick={send}>
                {t('reportSend')}
              </button>
            )}
          </p>
          {!ready.upload.allowed && ready.upload.blocked && <p class="hint">{ready.upload.blocked}</p>}
          {sent && <p>{t('reportSent')}</p>}
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </details>
  );
}
