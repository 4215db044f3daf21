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

const positions = new WeakMap<readonly Category[], Map<string, number>>();

/** Each category id's place in the plan, depth-first; worked out once per plan. */
function planPositions(plan: readonly Category[]): Map<string, number> {
  let map = positions.get(plan);
  if (!map) {
    map = new Map();
    for (const [at, { category }] of flattenFilePlan(plan).entries())
      if (!map.has(category.id)) map.set(category.id, at);
    positions.set(plan, map);
  }
  return map;
}

/** The categories of the plan with these ids, in plan order; unknown ids are left out. */
export function categoriesById(plan: readonly Category[], ids: Iterable<string | undefined>): CategoryInfo[] {
  const wanted = new Set([...ids].filter((id): id is string => Boolean(id)));
  if (wanted.size === 0) return [];
  const at = planPositions(plan);
  const flat = flattenFilePlan(plan);
  return [...wanted]
    .map((id) => at.get(id))
    .filter((n): n is number => n !== undefined)
    .sort((a, b) => a - b)
    .map((n) => info(flat[n]!.category));
}

const forms = new WeakMap<Presets, FormPresets>();

/** The form's slice of a presets document, cut once per document (the background keeps the document it reads). */
export function formPresets(presets: Presets): FormPresets {
  let form = forms.get(presets);
  if (!form) {
    form = {
      version: presets.version,
      profiles: presets.profiles,
      vocabularies: presets.vocabularies ?? {},
      categories: categoriesById(
        presets.filePlan,
        presets.profiles.map((p) => p.defaultCategory),
      ),
      planSize: flattenFilePlan(presets.filePlan).length,
    };
    forms.set(presets, form);
  }
  return form;
}

const compacts = new WeakMap<readonly Category[], CompactPlan>();

/** The plan in compact form, made once per plan. */
export function compactPlan(plan: readonly Category[]): CompactPlan {
  const made = compacts.get(plan);
  if (made) return made;
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
  compacts.set(plan, compact);
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
