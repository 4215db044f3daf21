import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { HistoryRow, OutboxView } from '../utils/outbox/view';
import { ColumnHeads } from './ColumnHeads';
import { useT } from './i18n';
import { type RowsPage, remPx, usePagedRows, useVirtualWindow } from './paged-list';

interface Props {
  /** One page of the rows still waiting to reach the repository, newest first. */
  load(request: { offset: number; limit: number }): Promise<RowsPage<HistoryRow>>;
  /** Changes when the rows in view should be read again (a refresh, a retry, a discard). */
  refreshTick: number;
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

/** Every row is this high: three lines of text and the buttons. */
export const OUTBOX_ROW_REM = 4.5;

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

/**
 * The declarations this browser still holds and has not delivered, newest first, with what can be done about
 * each. Sent ones are in the history. Pages are read as they scroll into view; only the rows in view are drawn.
 */
export function OutboxTable({ load, refreshTick, onRetry, onDiscard }: Props) {
  const t = useT();
  const [confirming, setConfirming] = useState<OutboxView>();
  const [working, setWorking] = useState<string>();
  const list = usePagedRows((offset, limit) => load({ offset, limit }), 'pending');
  const rowHeight = useMemo(() => OUTBOX_ROW_REM * remPx(), []);
  const total = list.total ?? 0;
  const view = useVirtualWindow(total, rowHeight);
  useEffect(() => list.show(view.readFirst, view.readLast), [view.readFirst, view.readLast, list.total]);
  useEffect(() => {
    if (refreshTick) list.refresh();
  }, [refreshTick]);

  if (list.error) return <p class="error">{list.error}</p>;
  if (list.total === undefined) return null;
  if (total === 0) return <p class="empty">{t('outboxEmpty')}</p>;

  const act = async (id: string, work: () => Promise<void>) => {
    setWorking(id);
    try {
      await work();
    } finally {
      setWorking(undefined);
    }
  };
  const rows = [];
  for (let i = view.first; i < view.last; i++) {
    const row = list.rowAt(i);
    if (!row) {
      rows.push(
        // biome-ignore lint/a11y/noAriaHiddenOnFocusable: an empty row is not focusable; it only keeps the row's place.
        <tr key={`pending-${i}`} class="placeholder" aria-hidden="true" style={{ height: `${rowHeight}px` }}>
          <td colSpan={4} />
        </tr>,
      );
      continue;
    }
    rows.push(
      <tr key={row.id} data-state={row.state} aria-rowindex={i + 2} style={{ height: `${rowHeight}px` }}>
        <td>
          <div class="cell">{new Date(row.declaredAt).toLocaleString()}</div>
        </td>
        <td>
          <div class="cell">{row.title}</div>
        </td>
        <td>
          <div class="cell">
            {t(OUTBOX_STATE_KEYS[row.state])} · {t('attempts', row.attempts)}
            {row.state === 'retrying' && row.nextAttemptAt > 0 && (
              <div class="hint">{t('nextAttempt', new Date(row.nextAttemptAt).toLocaleString())}</div>
            )}
            {row.lastError && (
              <div class="status-error" title={row.lastError}>
                {row.lastError}
              </div>
            )}
          </div>
        </td>
        <td>
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
              disabled={working === row.id || row.state === 'sending'}
              aria-label={t('discardItem', row.title)}
              onClick={() => setConfirming(row)}
            >
              {t('discard')}
            </button>
          </div>
        </td>
      </tr>,
    );
  }
  return (
    <>
      <p class="hint" role="status">
        {t('outboxCount', total)}
      </p>
      <section
        ref={view.ref}
        class="scroll-list"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must take the focus to be scrolled with keys.
        tabIndex={0}
        aria-label={t('outboxList')}
        onScroll={view.onScroll}
      >
        <table class="grid outbox" aria-rowcount={total + 1}>
          <ColumnHeads keys={['colDeclared', 'colTitle', 'colState', 'colActions']} rowIndex={1} />
          <tbody>
            {view.before > 0 && (
              // biome-ignore lint/a11y/noAriaHiddenOnFocusable: an empty row is not focusable; it stands for rows out of view.
              <tr class="spacer" aria-hidden="true" style={{ height: `${view.before}px` }}>
                <td colSpan={4} />
              </tr>
            )}
            {rows}
            {view.after > 0 && (
              // biome-ignore lint/a11y/noAriaHiddenOnFocusable: an empty row is not focusable; it stands for rows out of view.
              <tr class="spacer" aria-hidden="true" style={{ height: `${view.after}px` }}>
                <td colSpan={4} />
              </tr>
            )}
          </tbody>
        </table>
      </section>
      {confirming && (
        <ConfirmDiscard
          row={confirming}
          onCancel={() => setConfirming(undefined)}
          onConfirm={() => {
            const { id } = confirming;
            setConfirming(undefined);
            act(id, () => onDiscard(id));
          }}
        />
      )}
    </>
  );
}
