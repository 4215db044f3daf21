import type { OutboxView } from '../utils/outbox/view';
import { safeHref } from '../utils/ui/links';
import { useT } from './i18n';

const LABELS: Record<OutboxView['state'], string> = {
  queued: 'stateQueued',
  sending: 'stateSending',
  retrying: 'stateRetrying',
  'needs-attention': 'stateNeedsAttention',
  synced: 'stateSynced',
};

/** The state of a declared record, as the outbox knows it. */
export function RecordStatus({ view }: { view: OutboxView }) {
  const t = useT();
  const href = safeHref(view.receipt?.url);
  return (
    <div class={`status status-${view.state}`} data-state={view.state}>
      <p class="status-label">{t(LABELS[view.state])}</p>
      <p class="status-title">{view.title}</p>
      {view.lastError && view.state !== 'synced' && <p class="status-error">{view.lastError}</p>}
      {view.receipt && (
        <p>
          {href ? (
            <a href={href} target="_blank" rel="noreferrer">
              {t('openRecord')}
            </a>
          ) : (
            // Not a web link: shown as text, never followed.
            <span class="record-url">{view.receipt.url}</span>
          )}{' '}
          · {t('receivedAt', new Date(view.receipt.receivedAt).toLocaleString())}
        </p>
      )}
    </div>
  );
}
