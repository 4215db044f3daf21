import { memo } from 'preact/compat';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { HistoryRow } from '../utils/outbox/view';
import { safeHref } from '../utils/ui/links';
import { useT } from './i18n';
import { OUTBOX_STATE_KEYS } from './OutboxTable';
import { type RowsPage, remPx, usePagedRows, useVirtualWindow } from './paged-list';

interface Props {
  /** One page of the history, newest first, optionally only what matches `query`. */
  load(request: { offset: number; limit: number; query: string }): Promise<RowsPage<HistoryRow>>;
  /** Changes when the rows in view should be read again (the options page's refresh). */
  refreshTick: number;
  /** Called once, when the first page has come (or could not be read). */
  onFirstPage?: (() => void) | undefined;
}

/** Every row is two lines high: the declaration, then its audit lines and receipt digests on one line. */
export const HISTORY_ROW_REM = 3.25;

const short = (sha256: string) => `${sha256.slice(0, 12)}…`;

/** One declaration; drawn again only when its row changes, not on every scroll step. */
const Entry = memo(function Entry({ row }: { row: HistoryRow }) {
  const t = useT();
  const href = safeHref(row.receipt?.url);
  return (
    <>
      <div class="history-line">
        <span class="history-when">{new Date(row.declaredAt).toLocaleString()}</span>{' '}
        {href ? (
          <a href={href} target="_blank" rel="noreferrer">
            {row.title}
          </a>
        ) : (
          <span>{row.title}</span>
        )}
        <span class="hint"> · {t(OUTBOX_STATE_KEYS[row.state])}</span>
      </div>
      <ul class="events">
        {row.events.map((event) => (
          <li key={`${event.at}:${event.action}`}>
            {new Date(event.at).toLocaleString()} · {t(`audit_${event.action}`)}
            {event.detail && ` · ${event.detail}`}
          </li>
        ))}
        {row.receipt?.content.map((part) => (
          <li key={`${part.name}:${part.sha256}`}>
            {part.name} · {part.size} B · <code title={part.sha256}>sha256 {short(part.sha256)}</code>
          </li>
        ))}
      </ul>
    </>
  );
});

/**
 * The declarations with their audit lines, newest first, searchable by any text they hold (the background
 * searches). Pages are read as they scroll into view and only the rows in view are drawn, so ten thousand
 * declarations cost what a screenful does.
 */
export function History({ load, refreshTick, onFirstPage }: Props) {
  const t = useT();
  const [query, setQuery] = useState('');
  const q = query.trim();
  const list = usePagedRows((offset, limit) => load({ offset, limit, query: q }), q);
  const rowHeight = useMemo(() => HISTORY_ROW_REM * remPx(), []);
  const total = list.total ?? 0;
  const view = useVirtualWindow(total, rowHeight);

  useEffect(() => list.show(view.readFirst, view.readLast), [view.readFirst, view.readLast, list.total, q]);
  const told = useRef(false);
  useEffect(() => {
    if (told.current || (list.total === undefined && !list.error)) return;
    told.current = true;
    onFirstPage?.();
  }, [list.total, list.error]);
  // A search reads every row, so only the plain list follows changes as they happen.
  useEffect(() => {
    if (refreshTick && !q) list.refresh();
  }, [refreshTick]);

  const rows = [];
  for (let i = view.first; i < view.last; i++) {
    const row = list.rowAt(i);
    rows.push(
      row ? (
        <li key={row.id} aria-setsize={total} aria-posinset={i + 1}>
          <Entry row={row} />
        </li>
      ) : (
        <li key={`pending-${i}`} class="placeholder" aria-hidden="true" />
      ),
    );
  }

  return (
    <>
      <div class="search">
        <label for="history-search">{t('historySearch')}</label>
        <input id="history-search" type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
      </div>
      <p class="hint" role="status">
        {list.error ?? (list.total === undefined ? t('historyLoading') : t('historyCount', total))}
      </p>
      <section
        ref={view.ref}
        class={total ? 'scroll-list' : 'scroll-list empty-list'}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must take the focus to be scrolled with keys.
        tabIndex={0}
        aria-label={t('historyList')}
        onScroll={view.onScroll}
      >
        <ol
          class="history"
          style={{ paddingTop: `${view.before}px`, paddingBottom: `${view.after}px`, '--row': `${rowHeight}px` }}
        >
          {rows}
        </ol>
      </section>
    </>
  );
}
