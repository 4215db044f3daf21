import { describe, expect, it } from 'vitest';
import { largePresets } from './bench-data';
import { mergePresets } from './merge';
import { flattenFilePlan } from './schema';
import { validatePresets } from './validate';

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
