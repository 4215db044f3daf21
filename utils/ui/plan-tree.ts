import type { Category } from '../presets/schema';
import type { CategoryInfo, CompactPlan } from '../presets/slices';

/**
 * The picker's side of the file plan. It imports no schema (only types), so the popup's bundle carries none.
 */

/** The file plan flattened once for the picker: depth-first rows with their parent, and lowercase search text. */
export interface PlanIndex {
  rows: { category: CategoryInfo; depth: number; parent: number }[];
  search: string[];
  byId: Map<string, number>;
}

/** Indexes rows that are already flat and depth-first (`flattenFilePlan`, `expandPlan`). */
export function indexRows(flat: readonly { category: CategoryInfo; depth: number }[]): PlanIndex {
  const stack: number[] = [];
  const rows = flat.map(({ category, depth }, index) => {
    stack.length = depth;
    const parent = depth === 0 ? -1 : (stack[depth - 1] ?? -1);
    stack[depth] = index;
    return { category, depth, parent };
  });
  return {
    rows,
    search: rows.map(({ category }) => `${category.id}\u0000${category.title}`.toLowerCase()),
    byId: new Map(rows.map(({ category }, index) => [category.id, index])),
  };
}

/** A file plan tree, depth-first (as `flattenFilePlan` in utils/presets/schema.ts). */
export function indexPlan(plan: readonly Category[]): PlanIndex {
  const flat: { category: CategoryInfo; depth: number }[] = [];
  const walk = (level: readonly Category[], depth: number) => {
    for (const category of level) {
      flat.push({ category, depth });
      walk(category.children ?? [], depth + 1);
    }
  };
  walk(plan, 0);
  return indexRows(flat);
}

/** The rows of a compact plan (`compactPlan` in utils/presets/slices.ts), depth-first. */
export function expandPlan(compact: CompactPlan): { category: CategoryInfo; depth: number }[] {
  return compact.ids.map((id, i) => {
    const retention = compact.retentions[compact.retention[i] ?? -1];
    const title = compact.titles[i]!;
    return {
      category: retention === undefined ? { id, title } : { id, title, retention },
      depth: compact.depths[i] ?? 0,
    };
  });
}

/** The plan as the background sends it to the popup (`presets.plan`). */
export function indexCompactPlan(plan: CompactPlan): PlanIndex {
  return indexRows(expandPlan(plan));
}

/** A stand-in until the plan is loaded: the categories the form may show at once, as top-level rows. */
export function indexKnown(categories: readonly CategoryInfo[]): PlanIndex {
  return indexRows(categories.map((category) => ({ category, depth: 0 })));
}

export interface VisibleRow {
  /** Index into `PlanIndex.rows`. */
  index: number;
  /** False for an ancestor shown only to place a match in the tree. */
  match: boolean;
}

/**
 * The rows to show for a query: those whose id or title contains it (case-insensitive) and their ancestors, in
 * file-plan order. One pass over the rows plus one walk up per match that stops at the first ancestor already
 * shown, so the cost stays linear in the size of the plan.
 */
export function filterPlan(index: PlanIndex, query: string): readonly VisibleRow[] {
  const q = query.trim().toLowerCase();
  const n = index.rows.length;
  if (!q) return index.rows.map((_, i) => ({ index: i, match: true }));
  const shown = new Uint8Array(n); // 0 hidden, 1 ancestor, 2 match
  for (let i = 0; i < n; i++) {
    if (!index.search[i]!.includes(q)) continue;
    shown[i] = 2;
    for (let p = index.rows[i]!.parent; p >= 0 && shown[p] === 0; p = index.rows[p]!.parent) shown[p] = 1;
  }
  const visible: VisibleRow[] = [];
  for (let i = 0; i < n; i++) if (shown[i]) visible.push({ index: i, match: shown[i] === 2 });
  return visible;
}

/** A file plan of `count` categories, three levels deep, for tests and benchmarks. */
export function syntheticPlan(count: number): Category[] {
  const plan: Category[] = [];
  let made = 0;
  for (let a = 0; made < count; a++) {
    const top: Category = { id: `S${a}`, title: `Series ${a}`, children: [] };
    plan.push(top);
    made++;
    for (let b = 0; b < 10 && made < count; b++) {
      const mid: Category = { id: `S${a}/${b}`, title: `Function ${a}.${b}`, children: [] };
      top.children!.push(mid);
      made++;
      for (let c = 0; c < 9 && made < count; c++, made++)
        mid.children!.push({
          id: `S${a}/${b}.${c}`,
          title: `Activity ${a}.${b}.${c}${c === 4 ? ' invoices' : ''}`,
          retention: `${c + 1}y after closure`,
        });
    }
  }
  return plan;
}

/**
 * Bench: median milliseconds of `filterPlan` over a 5,000-category plan for each query as it is typed one
 * keystroke at a time. The popup repaints only the window of visible rows, so this is the keystroke's cost.
 */
export function benchPlanFilter(count = 5000, query = 'invoices', runs = 20): { medianMs: number; keystrokes: number } {
  const index = indexPlan(syntheticPlan(count));
  const times: number[] = [];
  for (let run = 0; run < runs; run++)
    for (let k = 1; k <= query.length; k++) {
      const start = performance.now();
      filterPlan(index, query.slice(0, k));
      times.push(performance.now() - start);
    }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)]!, keystrokes: query.length };
}
