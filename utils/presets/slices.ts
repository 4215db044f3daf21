import type { Detection } from '../detectors/types';
import type { Choices } from './choices';
import { type Category, flattenFilePlan, type Presets, type Profile } from './schema';
import { type Suggestion, suggest } from './suggest';

/**
 * The parts of a presets document that the popup needs, cut by the background so that the popup never carries
 * the whole document (a 5,000-category, 2,000-rule document is 660 KB of JSON). Pure: no effects.
 */

/** A category as the declare form shows it: id, title and retention rule. */
export interface CategoryInfo {
  id: string;
  title: string;
  retention?: string | undefined;
}

/** What the declare form needs at once: profiles and vocabularies, no rules, no file plan, no site plugins. */
export interface FormPresets {
  version: number;
  profiles: Profile[];
  vocabularies: Record<string, string[]>;
  /** Categories the form may show before the file plan is loaded: each profile's default category. */
  categories: CategoryInfo[];
  /** How many categories the file plan has (0: the picker is not needed). */
  planSize: number;
}

/** Suggestions for some detections, index for index, with the categories they name. */
export interface Suggested {
  suggestions: (Suggestion | null)[];
  categories: CategoryInfo[];
}

/**
 * The file plan flattened depth-first into parallel arrays, which is what the picker works from. Retention rules
 * repeat across a plan, so each is sent once (`retentions`) and referred to by index (-1: none).
 */
export interface CompactPlan {
  ids: string[];
  titles: string[];
  depths: number[];
  retention: number[];
  retentions: string[];
}

const info = ({ id, title, retention }: Category): CategoryInfo =>
  retention === undefined ? { id, title } : { id, title, retention };

/** The categories of the plan with these ids, in plan order; unknown ids are left out. */
export function categoriesById(plan: readonly Category[], ids: Iterable<string | undefined>): CategoryInfo[] {
  const wanted = new Set([...ids].filter((id): id is string => Boolean(id)));
  if (wanted.size === 0) return [];
  return flattenFilePlan(plan)
    .filter(({ category }) => wanted.has(category.id))
    .map(({ category }) => info(category));
}

export function formPresets(presets: Presets): FormPresets {
  return {
    version: presets.version,
    profiles: presets.profiles,
    vocabularies: presets.vocabularies ?? {},
    categories: categoriesById(
      presets.filePlan,
      presets.profiles.map((p) => p.defaultCategory),
    ),
    planSize: countCategories(presets.filePlan),
  };
}

function countCategories(plan: readonly Category[]): number {
  return plan.reduce((sum, category) => sum + 1 + countCategories(category.children ?? []), 0);
}

export function compactPlan(plan: readonly Category[]): CompactPlan {
  const compact: CompactPlan = { ids: [], titles: [], depths: [], retention: [], retentions: [] };
  const retentionIndex = new Map<string, number>();
  for (const { category, depth } of flattenFilePlan(plan)) {
    compact.ids.push(category.id);
    compact.titles.push(category.title);
    compact.depths.push(depth);
    if (category.retention === undefined) {
      compact.retention.push(-1);
      continue;
    }
    let index = retentionIndex.get(category.retention);
    if (index === undefined) {
      index = compact.retentions.length;
      retentionIndex.set(category.retention, index);
      compact.retentions.push(category.retention);
    }
    compact.retention.push(index);
  }
  return compact;
}

/** `suggest` for each detection, and the categories the suggestions name, so the form can show them at once. */
export function suggestAll(presets: Presets, detections: readonly Detection[], choices?: Choices): Suggested {
  const suggestions = detections.map((detection) => suggest(presets, detection, choices) ?? null);
  return {
    suggestions,
    categories: categoriesById(
      presets.filePlan,
      suggestions.map((s) => s?.categoryId),
    ),
  };
}
