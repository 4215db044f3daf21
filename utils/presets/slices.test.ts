import { describe, expect, it } from 'vitest';
import { largePresets } from '../../bench/presets-data';
import type { Detection } from '../detectors/types';
import { expandPlan } from '../ui/plan-tree';
import { EMPTY_PRESETS, flattenFilePlan, type Presets } from './schema';
import { categoriesById, compactPlan, formPresets, suggestAll } from './slices';

const presets: Presets = {
  ...EMPTY_PRESETS,
  version: 4,
  filePlan: [
    {
      id: 'FIN',
      title: 'Finance',
      description: 'Money in and out',
      children: [
        { id: 'FIN/1', title: 'Invoices', retention: '10y' },
        { id: 'FIN/2', title: 'Budgets', retention: '10y' },
      ],
    },
    { id: 'HR', title: 'Human resources', children: [{ id: 'HR/2.3', title: 'Grievances', retention: '5y' }] },
  ],
  profiles: [
    { id: 'general', title: 'General', recordType: 'document', fields: [], capture: [] },
    { id: 'invoice', title: 'Invoice', recordType: 'document', defaultCategory: 'FIN/1', fields: [], capture: [] },
  ],
  vocabularies: { finance: ['paid'] },
  rules: [
    { when: { titleContains: 'grievance' }, suggest: { profile: 'general', category: 'HR/2.3' } },
    { when: { titleContains: 'invoice' }, suggest: { profile: 'invoice' } },
  ],
};

const detection = (title: string): Detection => ({
  source: { app: 'gmail', kind: 'email', url: 'https://mail.google.com/mail/u/0/#inbox/x', sourceId: title },
  title,
  metadata: {},
  capture: { parts: [] },
  via: 'test',
});

describe('presets slices', () => {
  it('gives the form the profiles, vocabularies and each default category, without rules or the plan', () => {
    const form = formPresets(presets);
    expect(form).toEqual({
      version: 4,
      profiles: presets.profiles,
      vocabularies: { finance: ['paid'] },
      categories: [{ id: 'FIN/1', title: 'Invoices', retention: '10y' }],
      planSize: 5,
    });
    expect(form).not.toHaveProperty('rules');
    expect(form).not.toHaveProperty('filePlan');
  });

  it('compacts the plan into parallel arrays that expand to the same rows, retention rules sent once', () => {
    const compact = compactPlan(presets.filePlan);
    expect(compact.ids).toEqual(['FIN', 'FIN/1', 'FIN/2', 'HR', 'HR/2.3']);
    expect(compact.depths).toEqual([0, 1, 1, 0, 1]);
    expect(compact.retentions).toEqual(['10y', '5y']);
    expect(compact.retention).toEqual([-1, 0, 0, -1, 1]);
    expect(expandPlan(compact)).toEqual(
      flattenFilePlan(presets.filePlan).map(({ category: { id, title, retention }, depth }) => ({
        category: retention ? { id, title, retention } : { id, title },
        depth,
      })),
    );
  });

  it('carries a 5,000-category plan in well under half of its JSON', () => {
    const large = largePresets();
    const compact = compactPlan(large.filePlan);
    expect(compact.ids).toHaveLength(5000);
    expect(JSON.stringify(compact).length).toBeLessThan(JSON.stringify(large.filePlan).length / 2);
    expect(JSON.stringify(formPresets(large)).length).toBeLessThan(JSON.stringify(large).length / 5);
  });

  it('suggests for each detection and names the suggested categories', () => {
    const { suggestions, categories } = suggestAll(presets, [detection('Invoice 7'), detection('Grievance')]);
    expect(suggestions.map((s) => [s?.profileId, s?.categoryId])).toEqual([
      ['invoice', 'FIN/1'],
      ['general', 'HR/2.3'],
    ]);
    expect(categories).toEqual([
      { id: 'FIN/1', title: 'Invoices', retention: '10y' },
      { id: 'HR/2.3', title: 'Grievances', retention: '5y' },
    ]);
    expect(suggestAll({ ...presets, profiles: [] }, [detection('x')]).suggestions).toEqual([null]);
  });

  it('looks categories up by id and skips unknown ones', () => {
    expect(categoriesById(presets.filePlan, ['HR', 'nope', undefined])).toEqual([
      { id: 'HR', title: 'Human resources' },
    ]);
    expect(categoriesById(presets.filePlan, [])).toEqual([]);
  });
});
