import { useLayoutEffect, useRef, useState } from 'preact/hooks';

/**
 * The two halves of a long list (the options page's outbox and history, 10,000 rows and more): rows are asked
 * of the background one page at a time for the part in view (`usePagedRows`), and only the rows in view are in
 * the DOM, every row the same height (`useVirtualWindow`).
 */

export interface RowsPage<T> {
  total: number;
  rows: T[];
}

export const PAGE_ROWS = 50;

export interface PagedRows<T> {
  /** How many rows the whole list has; undefined until the first page has come. */
  total: number | undefined;
  rowAt(index: number): T | undefined;
  /** Says which rows are in view, so that their pages are fetched. */
  show(first: number, last: number): void;
  /** Reads the pages in view again (and the total), leaving the rest to be read when scrolled to. */
  refresh(): void;
  error: string | undefined;
}

interface Loaded<T> {
  total: number | undefined;
  pages: Map<number, T[]>;
  error?: string | undefined;
}

/**
 * Pages of a list read through `load`, newest first. `key` names what is listed (a search, a filter): when it
 * changes, what was read is dropped and answers still on their way for the old key are ignored.
 */
export function usePagedRows<T>(
  load: (offset: number, limit: number) => Promise<RowsPage<T>>,
  key: string,
  pageRows = PAGE_ROWS,
): PagedRows<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ total: undefined, pages: new Map() });
  const generation = useRef(0);
  const inFlight = useRef(new Set<number>());
  const view = useRef<[number, number]>([0, 0]);
  const pagesInView = () => {
    const [first, last] = view.current;
    const pages: number[] = [];
    for (let page = Math.floor(first / pageRows); page <= Math.floor(Math.max(first, last - 1) / pageRows); page++)
      pages.push(page);
    return pages;
  };

  const fetchPage = (page: number) => {
    if (inFlight.current.has(page)) return;
    inFlight.current.add(page);
    const asked = generation.current;
    load(page * pageRows, pageRows).then(
      (answer) => {
        if (asked !== generation.current) return;
        inFlight.current.delete(page);
        setLoaded((before) => {
          // A row came or went: pages out of view are shifted, so they are read again when scrolled to.
          const keep =
            before.total === answer.total
              ? [...before.pages]
              : [...before.pages].filter(([p]) => pagesInView().includes(p));
          const pages = new Map(keep);
          pages.set(page, answer.rows);
          return { total: answer.total, pages };
        });
      },
      (error: Error) => {
        if (asked !== generation.current) return;
        inFlight.current.delete(page);
        setLoaded((before) => ({ ...before, error: error.message }));
      },
    );
  };

  // A layout effect, so that the first page is asked as soon as the list is in the DOM, in the same task as the
  // first render: a plain effect waits for the next frame (measured: 30-50 ms later on a page that is still loading).
  useLayoutEffect(() => {
    generation.current++;
    inFlight.current.clear();
    setLoaded({ total: undefined, pages: new Map() });
    for (const page of pagesInView()) fetchPage(page);
  }, [key]);

  return {
    total: loaded.total,
    error: loaded.error,
    rowAt: (index) => loaded.pages.get(Math.floor(index / pageRows))?.[index % pageRows],
    show(first, last) {
      view.current = [first, last];
      for (const page of pagesInView()) if (!loaded.pages.has(page)) fetchPage(page);
    },
    refresh() {
      for (const page of pagesInView()) fetchPage(page);
    },
  };
}

/** The root font size in px, so that a row height given in rem follows the user's font settings. */
export function remPx(): number {
  return Number.parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
}

/**
 * The rows of a scrolling box that are in view (plus `overscan` on each side), for rows of one height. Before
 * the box has a size (or where nothing is laid out, as in tests) it counts on `fallbackHeight`.
 */
export function useVirtualWindow(count: number, rowHeight: number, { overscan = 6, fallbackHeight = 600 } = {}) {
  const ref = useRef<HTMLElement>(null);
  // The first row in view, not the offset in pixels: a scroll within one row draws nothing again.
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(fallbackHeight);
  useLayoutEffect(() => {
    const box = ref.current;
    if (!box || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      if (box.clientHeight > 0) setHeight(box.clientHeight);
    });
    observer.observe(box);
    return () => observer.disconnect();
  }, []);
  const screen = Math.ceil(height / rowHeight);
  const first = Math.min(count, Math.max(0, top - overscan));
  const last = Math.min(count, top + screen + 1 + overscan);
  return {
    ref,
    first,
    last,
    /**
     * The rows worth having read: the window and one screen more on each side, so that a page is asked while its
     * rows are still out of view and a scroll reaches rows that are there, instead of placeholders that are drawn
     * again when their page comes.
     */
    readFirst: Math.max(0, first - screen),
    readLast: Math.min(count, last + screen),
    /** The height of the rows above and below the window, kept as space so the scrollbar tells the list's size. */
    before: first * rowHeight,
    after: Math.max(0, count - last) * rowHeight,
    onScroll: (event: Event) => setTop(Math.floor((event.currentTarget as HTMLElement).scrollTop / rowHeight)),
  };
}
