import * as v from 'valibot';
import { type Presets, PresetsSchema } from './schema';

/** One thing wrong with a presets document, at a JSONPath such as `$.profiles[0].defaultCategory`. */
export interface PresetsProblem {
  path: string;
  message: string;
}

export type PresetsValidation = { ok: true; presets: Presets } | { ok: false; problems: PresetsProblem[] };

function jsonPath(issue: v.BaseIssue<unknown>): string {
  let path = '$';
  for (const item of issue.path ?? []) {
    const key = (item as { key?: unknown }).key;
    path += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  }
  return path;
}

/**
 * Checks a presets document from any source (policy, repository, imported file) and lists every problem.
 * A document with any problem is rejected as a whole.
 */
export function validatePresets(input: unknown): PresetsValidation {
  const parsed = v.safeParse(PresetsSchema, input);
  if (!parsed.success) {
    return { ok: false, problems: parsed.issues.map((issue) => ({ path: jsonPath(issue), message: issue.message })) };
  }
  return { ok: true, presets: parsed.output };
}
