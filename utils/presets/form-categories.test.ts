import { describe, expect, it } from 'vitest';
import { withCategories } from './form-categories';
import type { FormPresets } from './slices';

const form: FormPresets = {
  version: 3,
  profiles: [{ id: 'email', title: 'Email', recordType: 'email', fields: [], capture: [] }],
  vocabularies: { topics: ['budget'] },
  categories: [
    { id: 'fin', title: 'Finance', retention: '7y' },
    { id: 'hr', title: 'People' },
  ],
  planSize: 40,
};

describe('withCategories', () => {
  it('adds the categories the form lacks after its own, in the order given', () => {
    const merged = withCategories(form, [
      { id: 'legal', title: 'Legal', retention: '10y' },
      { id: 'ops', title: 'Operations' },
    ]);
    expect(merged.categories.map((c) => c.id)).toEqual(['fin', 'hr', 'legal', 'ops']);
    expect(merged.categories[2]).toEqual({ id: 'legal', title: 'Legal', retention: '10y' });
  });

  it('keeps the form’s own entry when an id is already there, and repeats none', () => {
    const merged = withCategories(form, [
      { id: 'hr', title: 'People (old title)' },
      { id: 'ops', title: 'Operations' },
      { id: 'ops', title: 'Operations' },
    ]);
    expect(merged.categories).toEqual([
      { id: 'fin', title: 'Finance', retention: '7y' },
      { id: 'hr', title: 'People' },
      { id: 'ops', title: 'Operations' },
    ]);
  });

  it('keeps the rest of the form and leaves both inputs as they were', () => {
    const more = [{ id: 'legal', title: 'Legal' }];
    const merged = withCategories(form, more);
    expect(merged).toEqual({ ...form, categories: [...form.categories, { id: 'legal', title: 'Legal' }] });
    expect(form.categories.map((c) => c.id)).toEqual(['fin', 'hr']);
    expect(more).toEqual([{ id: 'legal', title: 'Legal' }]);
    // Nothing to add: the form itself.
    expect(withCategories(form, [{ id: 'fin', title: 'Finance' }])).toBe(form);
  });
});
