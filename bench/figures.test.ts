import { describe, expect, it } from 'vitest';
import { formatTable, median, meetsTarget, ratioFigure } from './figures';

describe('bench figures', () => {
  it('takes the median of odd and even samples', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it('judges a figure against its target in the right direction', () => {
    expect(meetsTarget({ value: 10, unit: 'ms', target: 12, better: 'lower' })).toBe(true);
    expect(meetsTarget({ value: 10, unit: 'x', target: 12, better: 'higher' })).toBe(false);
  });

  it('gives a rate as a ratio to its baseline, judged higher-is-better', () => {
    expect(ratioFigure(30, 12, 0.5, { records: 1000 })).toEqual({
      value: 2.5,
      unit: '×',
      target: 0.5,
      better: 'higher',
      detail: { records: 1000 },
    });
    expect(meetsTarget(ratioFigure(5, 12, 0.5))).toBe(false);
    expect(() => ratioFigure(5, 0, 0.5)).toThrow();
  });

  it('prints one row per figure', () => {
    const table = formatTable({ a: { value: 1, unit: 'ms', target: 2, better: 'lower' } });
    expect(table.split('\n')).toHaveLength(3);
    expect(table).toMatch(/a\s+1 ms\s+≤ 2 ms\s+ok/);
  });
});
