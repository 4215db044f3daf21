import type { Category, Presets } from '../utils/presets/schema';

/**
 * A large, valid presets document for the bench (issue 4 item 9): 5,000 categories (50 top-level ones with 99
 * children each), 200 profiles with three fields each, 2,000 rules and 20 vocabularies. Deterministic.
 */
export function largePresets(): Presets {
  const filePlan: Category[] = Array.from({ length: 50 }, (_, top) => ({
    id: `C${top}`,
    title: `Function ${top}`,
    children: Array.from({ length: 99 }, (_, child) => ({
      id: `C${top}/${child}`,
      title: `Activity ${top}.${child}`,
      retention: `${(child % 10) + 1}y after closure`,
    })),
  }));
  const vocabularies = Object.fromEntries(
    Array.from({ length: 20 }, (_, v) => [`vocab-${v}`, Array.from({ length: 50 }, (_, t) => `tag-${v}-${t}`)]),
  );
  const profiles: Presets['profiles'] = Array.from({ length: 200 }, (_, p) => ({
    id: `profile-${p}`,
    title: `Profile ${p}`,
    recordType: p % 2 ? 'email' : 'document',
    defaultCategory: `C${p % 50}/${p % 99}`,
    fields: [
      { id: 'caseNumber', label: 'Case number', type: 'text', required: true, pattern: `^P${p}-\\d+$`, retain: false },
      { id: 'stage', label: 'Stage', type: 'choice', required: false, options: ['open', 'closed'], retain: true },
      { id: 'due', label: 'Due', type: 'date', required: false, retain: false },
    ],
    tagVocabulary: `vocab-${p % 20}`,
    freeTags: true,
    capture: p % 2 ? ['eml', 'attachments'] : ['original', 'pdf'],
  }));
  const rules: Presets['rules'] = Array.from({ length: 2000 }, (_, r) => ({
    when:
      r % 4 === 0
        ? { app: 'gmail', senderDomain: `dept${r}.example.org` }
        : r % 4 === 1
          ? { titleContains: `matter ${r}` }
          : r % 4 === 2
            ? { urlPattern: `https://apps.example.org/cases/${r}/*` }
            : { kind: 'document', recipientDomain: `team${r}.example.org` },
    suggest: { profile: `profile-${r % 200}`, ...(r % 3 === 0 ? { category: `C${r % 50}/${r % 99}` } : {}) },
  }));
  return { version: 1, filePlan, profiles, vocabularies, rules, sites: [], appHosts: {}, locked: ['repositoryUrl'] };
}
