import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { filterPlan, type PlanIndex, type VisibleRow } from '../utils/ui/plan-tree';
import { useT } from './i18n';

interface Props {
  id: string;
  index: PlanIndex;
  value: string;
  onChange(categoryId: string): void;
  /** Tells the form that Enter belongs to the list while it is open. */
  onOpenChange?(open: boolean): void;
  /** The whole plan is still on its way: `index` holds only the categories the form knows already. */
  loading?: boolean | undefined;
  /** Why the plan could not be loaded. */
  error?: string | undefined;
}

export const ROW_HEIGHT = 28;
export const WINDOW_ROWS = 8;
/** Rows rendered above and below the window, so that scrolling shows no gap. */
const OVERSCAN = 3;

/**
 * The file-plan picker: a combobox whose list is the plan filtered by what is typed (id or title, ancestors of
 * matches kept for context). Only the rows in view are rendered, so 5,000 categories cost what 20 do.
 * Arrow keys move, Enter picks, Escape closes the list (and only the list).
 */
export function CategoryPicker({ id, index, value, onChange, onOpenChange, loading, error }: Props) {
  const t = useT();
  const [open, setOpenState] = useState(false);
  const [query, setQuery] = useState('');
  // Filtered once per keystroke, where the query changes, not again on every render.
  const [visible, setVisible] = useState<readonly VisibleRow[]>([]);
  const [active, setActive] = useState(0);
  const [scrollTop, setScrollTop] = useState(0);
  const listRef = useRef<HTMLDivElement>(null);
  const shownIndex = useRef(index);
  const listId = `${id}-list`;

  const setOpen = (next: boolean) => {
    setOpenState(next);
    onOpenChange?.(next);
  };
  const selectedRow = index.byId.get(value);
  const display = (i: number | undefined) => {
    const category = i === undefined ? undefined : index.rows[i]?.category;
    return category ? `${category.id} — ${category.title}` : '';
  };
  const activeRow = visible[active];
  const shown = open && activeRow ? activeRow.index : selectedRow;
  const retention = shown === undefined ? undefined : index.rows[shown]?.category;

  const openList = (nextQuery: string, plan = index) => {
    const rows = filterPlan(plan, nextQuery);
    const selected = plan.byId.get(value);
    // Without a query every row shows, in plan order: the selected category's row is its own index.
    const current = nextQuery ? rows.findIndex((r) => r.match) : (selected ?? 0);
    shownIndex.current = plan;
    setQuery(nextQuery);
    setVisible(rows);
    setActive(Math.max(0, current));
    setOpen(true);
  };

  // The whole plan arrived while the list was open: filter it for what is typed.
  useLayoutEffect(() => {
    if (open && shownIndex.current !== index) openList(query, index);
  }, [index]);

  // Keep the highlighted row in view, before the frame is painted.
  useLayoutEffect(() => {
    const list = listRef.current;
    if (!open || !list) return;
    const top = active * ROW_HEIGHT;
    if (top < list.scrollTop) list.scrollTop = top;
    else if (top + ROW_HEIGHT > list.scrollTop + WINDOW_ROWS * ROW_HEIGHT)
      list.scrollTop = top - (WINDOW_ROWS - 1) * ROW_HEIGHT;
    setScrollTop(list.scrollTop);
  }, [active, open]);

  const pick = (row: number | undefined) => {
    if (row !== undefined) onChange(index.rows[row]!.category.id);
    setOpen(false);
    setQuery('');
    setVisible([]);
  };

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(visible.length, first + WINDOW_ROWS + 2 * OVERSCAN);
  const optionId = (i: number) => `${id}-opt-${i}`;

  return (
    <div class="picker">
      <label for={id}>{t('fieldCategory')}</label>
      <input
        id={id}
        name="category"
        role="combobox"
        aria-expanded={open}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={open && activeRow ? optionId(active) : undefined}
        aria-describedby={retention?.retention ? `${id}-retention` : undefined}
        autoComplete="off"
        spellcheck={false}
        placeholder={t('categoryPlaceholder')}
        value={open ? query : display(selectedRow)}
        onFocus={(e) => e.currentTarget.select()}
        onClick={() => !open && openList('')}
        onBlur={() => open && pick(undefined)}
        onInput={(e) => {
          let text = e.currentTarget.value;
          const shownText = display(selectedRow);
          if (!open && shownText && text.startsWith(shownText)) text = text.slice(shownText.length);
          openList(text);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            if (!open) return openList('');
            // Arrows move between matches; the ancestors shown for context are passed over.
            const step = e.key === 'ArrowDown' ? 1 : -1;
            let next = active + step;
            while (next >= 0 && next < visible.length && !visible[next]!.match) next += step;
            if (next >= 0 && next < visible.length) setActive(next);
          } else if (open && (e.key === 'PageDown' || e.key === 'PageUp')) {
            e.preventDefault();
            const step = e.key === 'PageDown' ? WINDOW_ROWS : -WINDOW_ROWS;
            setActive((i) => Math.min(Math.max(0, i + step), visible.length - 1));
          } else if (open && e.key === 'Enter') {
            e.preventDefault();
            pick(activeRow?.index);
          } else if (open && e.key === 'Escape') {
            // Closes the list, not the popup.
            e.preventDefault();
            e.stopPropagation();
            pick(undefined);
          } else if (!open && (e.key === 'Backspace' || e.key === 'Delete') && e.currentTarget.selectionStart === 0) {
            if (e.currentTarget.selectionEnd === e.currentTarget.value.length && value) {
              e.preventDefault();
              onChange('');
            }
          }
        }}
      />
      {open && (
        <div
          ref={listRef}
          id={listId}
          role="listbox"
          aria-label={t('filePlan')}
          class="picker-list"
          style={{ maxHeight: `${WINDOW_ROWS * ROW_HEIGHT}px` }}
          onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        >
          {visible.length === 0 && !loading && !error && <div class="picker-empty">{t('categoryNoMatch')}</div>}

          <div style={{ height: `${visible.length * ROW_HEIGHT}px`, position: 'relative' }}>
            {visible.slice(first, last).map((row, offset) => {
              const i = first + offset;
              const { category, depth } = index.rows[row.index]!;
              return (
                // biome-ignore lint/a11y/useFocusableInteractive: combobox pattern; focus stays in the input (aria-activedescendant).
                <div
                  key={category.id}
                  id={optionId(i)}
                  role="option"
                  aria-selected={i === active}
                  aria-setsize={visible.length}
                  aria-posinset={i + 1}
                  class={`picker-row${row.match ? '' : ' picker-context'}${category.id === value ? ' picker-current' : ''}`}
                  style={{
                    top: `${i * ROW_HEIGHT}px`,
                    height: `${ROW_HEIGHT}px`,
                    paddingInlineStart: `${6 + depth * 14}px`,
                  }}
                  onMouseDown={(e) => {
                    e.preventDefault();
                    pick(row.index);
                  }}
                  onMouseMove={() => i !== active && setActive(i)}
                >
                  <span class="picker-id">{category.id}</span> {category.title}
                </div>
              );
            })}
          </div>
        </div>
      )}
      {open && (loading || error) && (
        <p class="hint" role="status">
          {error ? t('filePlanUnavailable', error) : t('filePlanLoading')}
        </p>
      )}
      {retention?.retention && (
        <p class="hint" id={`${id}-retention`}>
          {t('retentionOf', [retention.id, retention.retention])}
        </p>
      )}
    </div>
  );
}
