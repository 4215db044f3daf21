/** One benchmark figure as `bench/results.json` stores it. */
export interface Figure {
  value: number;
  unit: string;
  target: number;
  better: 'lower' | 'higher';
  /** Extra detail (per-fixture timings, sample counts) for whoever reads the results. */
  detail?: Record<string, number | string>;
}

/** A figure where less is better (times, sizes, dropped frames): its value against its target, and detail. */
export function lowerIsBetter(value: number, unit: string, target: number, detail?: Figure['detail']): Figure {
  return detail ? { value, unit, target, better: 'lower', detail } : { value, unit, target, better: 'lower' };
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * A rate as a ratio to a baseline rate measured in the same run, on the same machine, with the same client and
 * records (so the machine's speed and load cancel out): higher is better.
 */
export function ratioFigure(
  rate: number,
  baseline: number,
  target: number,
  detail?: Record<string, number | string>,
): Figure {
  if (!(rate > 0 && baseline > 0)) throw new Error(`a ratio needs two positive rates, not ${rate} and ${baseline}`);
  const value = Math.round((rate / baseline) * 100) / 100;
  return { value, unit: '×', target, better: 'higher', ...(detail ? { detail } : {}) };
}

export function meetsTarget(figure: Figure): boolean {
  return figure.better === 'lower' ? figure.value <= figure.target : figure.value >= figure.target;
}

export function formatTable(results: Record<string, Figure>): string {
  const rows = Object.entries(results).map(([name, f]) => [
    name,
    `${f.value} ${f.unit}`,
    `${f.better === 'lower' ? '≤' : '≥'} ${f.target} ${f.unit}`,
    meetsTarget(f) ? 'ok' : 'MISSED',
  ]);
  const header = ['figure', 'value', 'target', ''];
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
