import type { OutboxView } from '../utils/outbox/view';

const LABELS: Record<OutboxView['state'], string> = {
  queued: 'Declared — waiting to be sent',
  sending: 'Declared — sending to the repository',
  retrying: 'Declared — the repository is unreachable; will retry',
  'needs-attention': 'Declared — the repository refused it',
  synced: 'Declared and received by the repository',
};

/** The state of a declared record, as the outbox knows it. */
export function RecordStatus({ view }: { view: OutboxView }) {
  return (
    <section class={`status status-${view.state}`} aria-live="polite" data-state={view.state}>
      <p class="status-label">{LABELS[view.state]}</p>
      <p class="status-title">{view.title}</p>
      {view.lastError && view.state !== 'synced' && <p class="status-error">{view.lastError}</p>}
      {view.receipt && (
        <p>
          <a href={view.receipt.url} target="_blank" rel="noreferrer">
            Open the record
          </a>{' '}
          · received {new Date(view.receipt.receivedAt).toLocaleString()}
        </p>
      )}
    </section>
  );
}
