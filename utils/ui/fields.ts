import type { Field } from '../presets/schema';

/**
 * A sample value for a simple pattern (`^HR-\d+$` → `HR-1234`), so that a refused value can be told what it
 * should look like; undefined when the pattern is too clever to guess, or the guess does not match it.
 */
export function exampleFor(pattern: string): string | undefined {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch {
    return undefined;
  }
  const sample = pattern
    .replace(/^\^|\$$/g, '')
    .replace(/\\d\{(\d+)\}/g, (_, n: string) => '1234567890'.repeat(3).slice(0, Number(n)))
    .replace(/\\d\+/g, '1234')
    .replace(/\\d\*/g, '12')
    .replace(/\\d/g, '1')
    .replace(/\[A-Z\]\{(\d+)\}/g, (_, n: string) => 'ABCDEFGHIJ'.repeat(3).slice(0, Number(n)))
    .replace(/\[A-Z\]\+?/g, 'A')
    .replace(/\\([-./_ ])/g, '$1');
  if (/[\\[\](){}|*+?.^$]/.test(sample)) return undefined;
  return regex.test(sample) ? sample : undefined;
}

export type FieldProblem = { kind: 'required' } | { kind: 'pattern'; example?: string | undefined; pattern: string };

/** What is wrong with a field's value; undefined when it is fine. Only required fields ask for a value. */
export function checkField(field: Field, value: string | undefined): FieldProblem | undefined {
  const text = (value ?? '').trim();
  if (!text) return field.required ? { kind: 'required' } : undefined;
  if (field.pattern && (field.type ?? 'text') === 'text') {
    let ok = true;
    try {
      ok = new RegExp(field.pattern).test(text);
    } catch {
      // A pattern the browser cannot compile is the admin's problem (validation reports it), not the user's.
    }
    if (!ok) return { kind: 'pattern', pattern: field.pattern, example: exampleFor(field.pattern) };
  }
  if (field.type === 'choice' && field.options && !field.options.includes(text)) return { kind: 'required' };
  return undefined;
}
