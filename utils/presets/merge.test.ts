import { describe, expect, it } from 'vitest';
import { mergePresets } from './merge';
import { EMPTY_PRESETS, type Presets } from './schema';

const category = (id: string) => ({ id, title: id, retention: '1y' });
const profile = (id: string) => ({ id, title: id, recordType: 'document', fields: [], freeTags: true, capture: [] });

const policy: Partial<Presets> = { version: 3, filePlan: [category('POL')], locked: ['repositoryUrl'] };
const repository: Presets = {
  ...EMPTY_PRESETS,
  version: 9,
  filePlan: [category('REPO')],
  profiles: [profile('repo')],
  rules: [{ when: { app: 'gmail' }, suggest: { profile: 'repo' } }],
};
const local: Partial<Presets> = { version: 1, profiles: [profile('mine')], sites: [], vocabularies: { x: ['a'] } };

describe('mergePresets', () => {
  it('gives the built-in defaults when there is no source', () => {
    const merged = mergePresets({});
    expect(merged.presets).toEqual(EMPTY_PRESETS);
    expect(Object.values(merged.origin).every((origin) => origin === 'default')).toBe(true);
    expect(merged.locked).toEqual([]);
  });

  it('takes each section whole from the highest source that defines it', () => {
    const merged = mergePresets({ policy, repository, local });
    expect(merged.presets.filePlan).toEqual([category('POL')]);
    expect(merged.presets.profiles).toEqual([profile('repo')]);
    expect(merged.presets.version).toBe(3);
    expect(merged.origin).toEqual({
      version: 'policy',
      repository: 'default',
      filePlan: 'policy',
      profiles: 'repository',
      vocabularies: 'repository',
      rules: 'repository',
      sites: 'repository',
      appHosts: 'repository',
      locked: 'policy',
    });
    expect(merged.locked).toEqual(['repositoryUrl']);
  });

  it('lets a lower source supply what higher ones leave out', () => {
    const merged = mergePresets({ local });
    expect(merged.presets.profiles).toEqual([profile('mine')]);
    expect(merged.presets.vocabularies).toEqual({ x: ['a'] });
    expect(merged.origin.profiles).toBe('local');
    expect(merged.presets.filePlan).toEqual([]);
  });

  it('keeps a section locked by a higher source from lower ones, even when the higher one does not define it', () => {
    const merged = mergePresets({ policy: { locked: ['profiles', 'vocabularies'] }, repository, local });
    expect(merged.presets.profiles).toEqual(EMPTY_PRESETS.profiles);
    expect(merged.origin.profiles).toBe('default');
    expect(merged.presets.vocabularies).toEqual({});
    expect(merged.locked).toEqual(['profiles', 'vocabularies']);
  });

  it('lets the repository lock against an imported file, and the locking source still supply the section', () => {
    const merged = mergePresets({ repository: { ...repository, locked: ['profiles'] }, local });
    expect(merged.presets.profiles).toEqual([profile('repo')]);
    expect(merged.origin.profiles).toBe('repository');
    expect(mergePresets({ repository: { locked: ['profiles'] }, local }).presets.profiles).toEqual(
      EMPTY_PRESETS.profiles,
    );
  });

  it('unions the policy and repository locks and ignores an imported file’s', () => {
    const merged = mergePresets({
      policy: { locked: ['repositoryUrl'] },
      repository: { locked: ['sites', 'repositoryUrl'] },
      local: { locked: ['rules'] },
    });
    expect(merged.locked).toEqual(['repositoryUrl', 'sites']);
    expect(merged.presets.locked).toEqual(['repositoryUrl', 'sites']);
  });

  it('does not change its inputs', () => {
    const before = structuredClone({ policy, repository, local });
    mergePresets({ policy, repository, local });
    expect({ policy, repository, local }).toEqual(before);
  });
});
