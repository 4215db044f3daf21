// @vitest-environment happy-dom
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { filterPlan, indexPlan, syntheticPlan } from '../utils/ui/plan-tree';
import { CategoryPicker, ROW_HEIGHT, WINDOW_ROWS } from './CategoryPicker';
import { key, mountIn, type, unmount } from './test-utils';

const index = indexPlan(syntheticPlan(5000));

describe('filterPlan', () => {
  it('keeps matches by id or title, case-insensitively, with their ancestors, in plan order', () => {
    expect(index.rows).toHaveLength(5000);
    const rows = filterPlan(index, 'S3/2.4');
    expect(rows.map((r) => [index.rows[r.index]!.category.id, r.match])).toEqual([
      ['S3', false],
      ['S3/2', false],
      ['S3/2.4', true],
    ]);
    const byTitle = filterPlan(index, 'ACTIVITY 12.3.4 INVOICES');
    expect(byTitle.filter((r) => r.match).map((r) => index.rows[r.index]!.category.id)).toEqual(['S12/3.4']);
  });

  it('shows everything for an empty query and nothing for a query that matches nothing', () => {
    expect(filterPlan(index, '  ')).toHaveLength(5000);
    expect(filterPlan(index, 'no such category')).toEqual([]);
  });

  it('answers an empty query with every row of the plan, in plan order, each a match', () => {
    const all = filterPlan(index, '');
    expect(all.every((row, i) => row.index === i && row.match)).toBe(true);
    expect(filterPlan(index, '   ')).toEqual(all);
    expect(filterPlan(indexPlan(syntheticPlan(10)), '')).toHaveLength(10);
  });
});

let root: HTMLElement | undefined;
afterEach(() => unmount(root));

describe('CategoryPicker with 5,000 categories', () => {
  it('renders only the rows in view, whatever the filter', async () => {
    let picked = '';
    root = await mountIn(<CategoryPicker id="c" index={index} value="S0/0" onChange={(id) => (picked = id)} />);
    const input = root.querySelector<HTMLInputElement>('[role=combobox]')!;
    expect(input.value).toBe('S0/0 — Function 0.0');
    await key(input, 'ArrowDown');
    const list = root.querySelector('[role=listbox]')!;
    const options = () => root!.querySelectorAll('[role=option]');
    expect(options().length).toBeLessThanOrEqual(WINDOW_ROWS + 6);
    expect(options()[0]?.getAttribute('aria-setsize')).toBe('5000');
    // The list is as tall as all its rows, so the scrollbar tells how many there are.
    expect((list.firstElementChild as HTMLElement).style.height).toBe(`${5000 * ROW_HEIGHT}px`);

    await type(input, 'invoices');
    expect(options().length).toBeLessThanOrEqual(WINDOW_ROWS + 6);
    // 500 matches and their ancestors: the highlight is on the first match, not on an ancestor.
    expect(options()[0]?.getAttribute('aria-setsize')).toBe(String(filterPlan(index, 'invoices').length));
    const active = root.querySelector(`#${input.getAttribute('aria-activedescendant')}`);
    expect(active?.textContent).toBe('S0/0.4 Activity 0.0.4 invoices');
    expect(root.textContent).toContain('Retention of S0/0.4: 5y after closure');

    await key(input, 'ArrowDown');
    await key(input, 'Enter');
    expect(picked).toBe('S0/1.4');
    expect(input.getAttribute('aria-expanded')).toBe('false');
  });

  it('says when nothing matches, and Escape leaves the value as it was', async () => {
    let picked = 'unchanged';
    root = await mountIn(<CategoryPicker id="c" index={index} value="S1" onChange={(id) => (picked = id)} />);
    const input = root.querySelector<HTMLInputElement>('[role=combobox]')!;
    await type(input, 'zzz');
    expect(root.textContent).toContain('No category matches.');
    await key(input, 'Escape');
    expect(picked).toBe('unchanged');
    expect(input.value).toBe('S1 — Series 1');
  });

  it('picks with the mouse too', async () => {
    let picked = '';
    root = await mountIn(<CategoryPicker id="c" index={index} value="" onChange={(id) => (picked = id)} />);
    const input = root.querySelector<HTMLInputElement>('[role=combobox]')!;
    await type(input, 's2/3.1');
    const option = [...root.querySelectorAll('[role=option]')].find((o) => o.textContent?.startsWith('S2/3.1 '))!;
    await act(() => {
      option.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, cancelable: true }));
    });
    expect(picked).toBe('S2/3.1');
  });
});
