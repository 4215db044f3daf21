import type { OutboxView } from '../utils/outbox/view';
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
  return (
    <div class={`status status-${view.state}`} data-state={view.state}>
      <p class="status-label">{t(LABELS[view.state])}</p>
      <p class="status-title">{view.title}</p>
      {view.lastError && view.state !== 'synced' && <p class="status-error">{view.lastError}</p>}
      {view.receipt && (
        <p>
          <a href={view.receipt.url} target="_blank" rel="noreferrer">
            {t('openRecord')}
          </a>{' '}
          · {t('receivedAt', new Date(view.receipt.receivedAt).toLocaleString())}
        </p>
      )}
    </div>
  );
}
