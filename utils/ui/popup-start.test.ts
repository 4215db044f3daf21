import { describe, expect, it } from 'vitest';
import { largePresets } from '../../bench/presets-data';
import type { Detection } from '../detectors/types';
import { EMPTY_PRESETS, type Presets } from '../presets/schema';
import { formPresets } from '../presets/slices';
import { FIRST_PROFILES, popupStart } from './popup-start';

const NO_CHOICES = { bySite: {}, bySender: {}, retained: {} };

const source = {
  app: 'gmail',
  kind: 'email',
  url: 'https://mail.google.com/mail/u/0/#inbox/x',
  sourceId: 'x',
} as const;
const matter9: Detection = { source, title: 'About matter 9.', metadata: {}, capture: { parts: [] }, via: 'test' };

describe('popupStart', () => {
  it('carries only what the first paint shows when the presets have 200 profiles', () => {
    const presets = largePresets();
    // Rule 9 of the bench document: title contains "matter 9" → profile-9 in C9/9.
    const start = popupStart({ tabId: 1, detections: [matter9] }, presets, NO_CHOICES);
    expect(start.suggestions[0]).toMatchObject({ profileId: 'profile-9', categoryId: 'C9/9' });
    expect(start.partial).toBe(true);
    expect(start.presets.profiles.map((p) => p.id)).toEqual(['profile-0', 'profile-9']);
    expect(Object.keys(start.presets.vocabularies).sort()).toEqual(['vocab-0', 'vocab-9']);
    expect(start.presets.categories.map((c) => c.id)).toEqual(['C0/0', 'C9/9']);
    expect(start.presets.planSize).toBe(5000);
    // The whole form is 119 KB of JSON; the first answer a few KB.
    expect(JSON.stringify(formPresets(presets)).length).toBeGreaterThan(100_000);
    expect(JSON.stringify(start).length).toBeLessThan(5_000);
  });

  it('carries the whole form when the presets have few profiles (one round trip, a few KB)', () => {
    const presets: Presets = {
      ...EMPTY_PRESETS,
      profiles: Array.from({ length: FIRST_PROFILES }, (_, n) => ({
        id: `p${n}`,
        title: `Profile ${n}`,
        recordType: 'document',
        fields: [],
        capture: [],
      })),
    };
    const start = popupStart({ tabId: 1, detections: [matter9] }, presets, NO_CHOICES);
    expect(start.partial).toBeUndefined();
    expect(start.presets.profiles).toHaveLength(FIRST_PROFILES);
  });
});
