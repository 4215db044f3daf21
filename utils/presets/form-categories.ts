import type { CategoryInfo, FormPresets } from './slices';

/**
 * The form with `more` categories after its own, each id once. The background adds the categories its suggestions
 * name to the first answer (`popupStart`), and the popup keeps those when the whole form replaces that answer
 * (`presets.form`). It imports types only, so the popup loads no presets schema with it.
 */
export function withCategories(form: FormPresets, more: readonly CategoryInfo[]): FormPresets {
  const known = new Set(form.categories.map((c) => c.id));
  const added: CategoryInfo[] = [];
  for (const category of more) {
    if (known.has(category.id)) continue;
    known.add(category.id);
    added.push(category);
  }
  return added.length ? { ...form, categories: [...form.categories, ...added] } : form;
}
