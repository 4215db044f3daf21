import { describe, expect, it } from 'vitest';
import { mergePresets } from '../utils/presets/merge';
import { flattenFilePlan } from '../utils/presets/schema';
import { validatePresets } from '../utils/presets/validate';
import { largePresets } from './presets-data';

describe('largePresets', () => {
  it('is a valid document of the size the bench needs', () => {
    const presets = largePresets();
    expect(flattenFilePlan(presets.filePlan)).toHaveLength(5000);
    expect(presets.profiles).toHaveLength(200);
    expect(presets.rules).toHaveLength(2000);
    const result = validatePresets(JSON.parse(JSON.stringify(presets)));
    expect(result.ok ? [] : result.problems.slice(0, 3)).toEqual([]);
    expect(mergePresets({ repository: presets }).presets.rules).toHaveLength(2000);
  });
});
