import { useEffect, useRef, useState } from 'preact/hooks';
import type { OutboxView } from '../utils/outbox/view';
import { useT } from './i18n';

interface Props {
  rows: OutboxView[];
  onRetry(id: string): Promise<void>;
  onDiscard(id: string): Promise<void>;
}

export const OUTBOX_STATE_KEYS: Record<OutboxView['state'], string> = {
  queued: 'outboxQueued',
  sending: 'outboxSending',
  retrying: 'outboxRetrying',
  'needs-attention': 'outboxNeedsAttention',
  synced: 'outboxSynced',
};

/** Shown before a declaration is thrown away: it never reaches the repository after that. */
function ConfirmDiscard({ row, onConfirm, onCancel }: { row: OutboxView; onConfirm(): void; onCancel(): void }) {
  const t = useT();
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <dialog
      open
      class="confirm"
      aria-labelledby={`discard-${row.id}-title`}
      aria-describedby={`discard-${row.id}-text`}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          onCancel();
        }
      }}
    >
      <p id={`discard-${row.id}-title`}>
        <strong>{t('discardTitle', row.title)}</strong>
      </p>
      <p id={`discard-${row.id}-text`}>{t('discardText')}</p>
      <div class="buttons">
        <button type="button" ref={ref} onClick={onCancel}>
          {t('keep')}
        </button>
        <button type="button" class="danger" onClick={onConfirm}>
          {t('discardConfirm')}
        </button>
      </div>
    </dialog>
  );
}

const short = (sha256: string) => `${sha256.slice(0, 12)}…`;

/** Every declaration this browser still holds or sent, newest first, with what can be done about it. */
export function OutboxTable({ rows, onRetry, onDiscard }: Props) {
  const t = useT();
  const [confirming, setConfirming] = useState<string>();
  const [working, setWorking] = useState<string>();
  if (rows.length === 0) return <p class="empty">{t('outboxEmpty')}</p>;
  const act = async (id: string, work: () => Promise<void>) => {
    setWorking(id);
    try {
      await work();
    } finally {
      setWorking(undefined);
    }
  };
  return (
    <table class="grid outbox">
      <thead>
        <tr>
          <th scope="col">{t('colDeclared')}</th>
          <th scope="col">{t('colTitle')}</th>
          <th scope="col">{t('colState')}</th>
          <th scope="col">{t('colReceipt')}</th>
          <th scope="col">{t('colActions')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.id} data-state={row.state}>
            <td>{new Date(row.declaredAt).toLocaleString()}</td>
            <td>
              {row.receipt ? (
                <a href={row.receipt.url} target="_blank" rel="noreferrer">
                  {row.title}
                </a>
              ) : (
                row.title
              )}
            </td>
            <td>
              {t(OUTBOX_STATE_KEYS[row.state])}
              <div class="hint">{t('attempts', row.attempts)}</div>
              {row.state === 'retrying' && row.nextAttemptAt > 0 && (
                <div class="hint">{t('nextAttempt', new Date(row.nextAttemptAt).toLocaleString())}</div>
              )}
              {row.lastError && row.state !== 'synced' && <div class="status-error">{row.lastError}</div>}
            </td>
            <td>
              {row.receipt ? (
                <>
                  <div>{t('receivedAt', new Date(row.receipt.receivedAt).toLocaleString())}</div>
                  <ul class="digests">
                    {row.receipt.content.map((part) => (
                      <li key={`${part.name}:${part.sha256}`}>
                        {part.name} · {part.size} B · <code title={part.sha256}>sha256 {short(part.sha256)}</code>
                      </li>
                    ))}
                  </ul>
                </>
              ) : (
                '—'
              )}
            </td>
            <td>
              {row.state !== 'synced' &&
                (confirming === row.id ? (
                  <ConfirmDiscard
                    row={row}
                    onCancel={() => setConfirming(undefined)}
                    onConfirm={() => {
                      setConfirming(undefined);
                      act(row.id, () => onDiscard(row.id));
                    }}
                  />
                ) : (
                  <div class="buttons">
                    <button
                      type="button"
                      disabled={working === row.id}
                      aria-label={t('retryItem', row.title)}
                      onClick={() => act(row.id, () => onRetry(row.id))}
                    >
                      {t('retry')}
                    </button>
                    <button
                      type="button"
                      disabled={working === row.id}
                      aria-label={t('discardItem', row.title)}
                      onClick={() => setConfirming(row.id)}
                    >
                      {t('discard')}
                    </button>
                  </div>
                ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
