// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryRow } from '../utils/outbox/view';
import { History } from './History';
import { I18n } from './i18n';
import { PAGE_ROWS } from './paged-list';
import { flush, mountIn, tEn, type, unmount } from './test-utils';

const ROWS = 10_000;

const rowAt = (n: number): HistoryRow => ({
  id: `r${n}`,
  title: `Declaration ${n}`,
  sourceId: `s${n}`,
  state: n % 7 ? 'synced' : 'retrying',
  attempts: 1,
  nextAttemptAt: 0,
  declaredAt: '2026-11-23T10:00:00Z',
  events: [{ at: 1, recordId: `r${n}`, action: 'declared', detail: `Declaration ${n}` }],
});

/** The background's outbox.page over 10,000 rows, counting what it is asked. */
function background() {
  const asked: { offset: number; limit: number; query: string }[] = [];
  const load = async (request: { offset: number; limit: number; query: string }) => {
    asked.push(request);
    const q = request.query.toLowerCase();
    const matching = q
      ? Array.from({ length: ROWS }, (_, n) => n).filter((n) => `declaration ${n}`.includes(q))
      : undefined;
    const total = matching ? matching.length : ROWS;
    const rows = Array.from({ length: Math.max(0, Math.min(request.limit, total - request.offset)) }, (_, i) =>
      rowAt(matching ? matching[request.offset + i]! : request.offset + i),
    );
    return { total, rows };
  };
  return { asked, load };
}

let root: HTMLElement | undefined;
afterEach(() => unmount(root));

const shown = (r: HTMLElement) => [...r.querySelectorAll('.history > li:not(.placeholder)')];

/** Scrolls the history's box so that row `row` is at its top, as the user's scroll would. */
async function scrollTo(r: HTMLElement, row: number) {
  const box = r.querySelector<HTMLElement>('.scroll-list')!;
  const rowPx = Number.parseFloat(getComputedStyle(r.querySelector('.history')!).getPropertyValue('--row'));
  await act(() => {
    box.scrollTop = row * rowPx;
    box.dispatchEvent(new Event('scroll'));
  });
  await flush();
}

describe('History with 10,000 declarations', () => {
  it('reads one page and draws only the rows in view, sized for all of them', async () => {
    const { asked, load } = background();
    root = await mountIn(<History load={load} refreshTick={0} />);
    await flush();
    expect(asked).toEqual([{ offset: 0, limit: PAGE_ROWS, query: '' }]);
    expect(root.textContent).toContain('10000 declarations');
    expect(shown(root).length).toBeGreaterThan(5);
    expect(shown(root).length).toBeLessThan(40);
    expect(shown(root)[0]?.getAttribute('aria-setsize')).toBe(String(ROWS));
    const list = root.querySelector<HTMLElement>('.history')!;
    const drawn = shown(root).length;
    const padding = Number.parseFloat(list.style.paddingBottom);
    expect(padding / (ROWS - drawn)).toBeGreaterThan(30);
  });

  it('reads the page a scroll reaches, and only that one', async () => {
    const { asked, load } = background();
    root = await mountIn(<History load={load} refreshTick={0} />);
    await flush();
    await scrollTo(root, 5000);
    await flush();
    expect(asked.map((a) => a.offset)).toEqual([0, 4950, 5000]);
    expect(shown(root).map((li) => li.getAttribute('aria-posinset'))).toContain('5001');
    expect(root.textContent).toContain('Declaration 5000');
  });

  it('asks for the first page in the same task as the first render, not a frame later', () => {
    const { asked, load } = background();
    root = document.createElement('main');
    document.body.append(root);
    render(
      <I18n.Provider value={tEn}>
        <History load={load} refreshTick={0} />
      </I18n.Provider>,
      root,
    );
    expect(asked).toEqual([{ offset: 0, limit: PAGE_ROWS, query: '' }]);
  });

  it('asks for the next page while its rows are still a screen away, so a scroll finds them read', async () => {
    const { asked, load } = background();
    root = await mountIn(<History load={load} refreshTick={0} />);
    await flush();
    // The rows drawn end just before the second page; the screen after them is in it.
    await scrollTo(root, 30);
    expect(asked.map((a) => a.offset)).toEqual([0, PAGE_ROWS]);
    expect(root.querySelector('.history > li.placeholder')).toBeNull();
  });

  it('re-reads only the pages in view on a refresh, and searches through the background', async () => {
    const { asked, load } = background();
    root = await mountIn(<History load={load} refreshTick={0} />);
    await flush();
    // The options page bumps refreshTick every 2 s.
    await act(() =>
      render(
        <I18n.Provider value={tEn}>
          <History load={load} refreshTick={1} />
        </I18n.Provider>,
        root!,
      ),
    );
    await flush();
    expect(asked).toHaveLength(2);
    expect(asked[1]).toEqual({ offset: 0, limit: PAGE_ROWS, query: '' });
    await type(root.querySelector<HTMLInputElement>('#history-search')!, 'declaration 999');
    await flush();
    expect(asked.at(-1)).toEqual({ offset: 0, limit: PAGE_ROWS, query: 'declaration 999' });
    expect(root.textContent).toContain('11 declarations');
    expect(shown(root).map((li) => li.querySelector('.history-line span + span')?.textContent)).toEqual(
      expect.arrayContaining(['Declaration 999', 'Declaration 9999']),
    );
  });
});
