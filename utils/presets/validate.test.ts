import { describe, expect, it } from 'vitest';
import { DEMO_PRESETS } from '../../server/presets';
import { validatePresets } from './validate';

/**
 * A fresh copy of the docs/presets.md example, to break one thing at a time. Typed loosely on purpose: the tests put
 * wrong types and unknown keys into it.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above
type Loose = any;
function example(): Loose {
  return structuredClone(DEMO_PRESETS);
}

function problemsOf(input: unknown) {
  const result = validatePresets(input);
  if (result.ok) throw new Error('expected problems, the document was valid');
  return result.problems;
}

describe('validatePresets', () => {
  it('accepts the docs/presets.md example and fills in the defaults', () => {
    const result = validatePresets(example());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.presets.profiles[0]).toMatchObject({ id: 'hr-case', capture: ['eml', 'attachments'] });
    expect(result.presets.profiles[0]!.fields[0]).toMatchObject({ type: 'text', required: true });
    expect(result.sections).toEqual(['version', 'filePlan', 'profiles', 'vocabularies', 'rules', 'sites', 'locked']);
  });

  it('reports wrong types at their paths', () => {
    const doc = example();
    doc.version = '7';
    doc.profiles[0].fields[0].required = 'yes';
    doc.vocabularies.hr = 'grievance';
    expect(problemsOf(doc).map((p) => p.path)).toEqual([
      '$.version',
      '$.profiles[0].fields[0].required',
      '$.vocabularies.hr',
    ]);
  });

  it('refuses unknown keys, so typos are caught', () => {
    const doc = example();
    doc.profiles[1].tagVocabluary = 'finance';
    doc.sites[0].fields.titel = { selector: 'h1' };
    expect(problemsOf(doc)).toEqual([
      { path: '$.profiles[1].tagVocabluary', message: 'unknown key (check the spelling)' },
      { path: '$.sites[0].fields.titel', message: 'unknown key (check the spelling)' },
    ]);
  });

  it('reports an unknown category in a rule', () => {
    const doc = example();
    doc.rules[1].suggest.category = 'FIN/9';
    expect(problemsOf(doc)).toEqual([
      { path: '$.rules[1].suggest.category', message: 'unknown category "FIN/9" (not in the file plan)' },
    ]);
  });

  it('reports a rule naming an unknown profile, and a rule without conditions', () => {
    const doc = example();
    doc.rules[0].suggest.profile = 'hr';
    expect(problemsOf(doc)).toEqual([{ path: '$.rules[0].suggest.profile', message: 'unknown profile "hr"' }]);
    const empty = example();
    empty.rules[0].when = {};
    expect(problemsOf(empty)[0]!.path).toBe('$.rules[0].when');
  });

  it('reports duplicate ids: categories across the tree, profiles, fields, sites', () => {
    const doc = example();
    doc.filePlan[1].children.push({ id: 'HR/2.3', title: 'Again' });
    doc.profiles.push({ ...doc.profiles[1] });
    doc.profiles[0].fields.push({ id: 'caseNumber', label: 'Again' });
    doc.sites.push({ ...doc.sites[0] });
    expect(problemsOf(doc).map((p) => p.path)).toEqual([
      '$.filePlan[1].children[1].id',
      '$.profiles[0].fields[1].id',
      '$.profiles[2].id',
      '$.sites[1].id',
    ]);
    expect(problemsOf(doc)[0]!.message).toBe('duplicate category id "HR/2.3" (first at $.filePlan[0].children[0].id)');
  });

  it('reports a profile naming a missing vocabulary or category', () => {
    const doc = example();
    doc.profiles[1].tagVocabulary = 'invoices';
    doc.profiles[1].defaultCategory = 'FIN';
    doc.profiles[0].defaultCategory = 'HR/9';
    expect(problemsOf(doc)).toEqual([
      { path: '$.profiles[0].defaultCategory', message: 'unknown category "HR/9" (not in the file plan)' },
      { path: '$.profiles[1].tagVocabulary', message: 'unknown vocabulary "invoices" (not in "vocabularies")' },
    ]);
  });

  it('reports an invalid regex, and one that is too long', () => {
    const doc = example();
    doc.profiles[0].fields[0].pattern = '^HR-(\\d+$';
    const [problem] = problemsOf(doc);
    expect(problem!.path).toBe('$.profiles[0].fields[0].pattern');
    expect(problem!.message).toMatch(/^is not a valid regular expression: /);
    doc.profiles[0].fields[0].pattern = 'a'.repeat(501);
    expect(problemsOf(doc)[0]!.path).toBe('$.profiles[0].fields[0].pattern');
  });

  it('needs options on choice fields and only there', () => {
    const doc = example();
    doc.profiles[0].fields.push({ id: 'stage', label: 'Stage', type: 'choice' });
    doc.profiles[0].fields.push({ id: 'when', label: 'When', type: 'date', options: ['x'] });
    expect(problemsOf(doc).map((p) => p.path)).toEqual([
      '$.profiles[0].fields[1].options',
      '$.profiles[0].fields[2].options',
    ]);
  });

  it('checks URL patterns, match patterns, JSON paths and capture templates', () => {
    const doc = example();
    doc.rules[0].when.urlPattern = 'https://cases.example.org/:id';
    doc.sites[0].matches.push('<all_urls>', 'dms.acme.example/*', 'https://*/*');
    doc.sites[0].fields.owner.path = '$..email';
    doc.sites[0].capture.original = 'http://dms.acme.example/api/{sourceId}';
    const problems = problemsOf(doc);
    expect(problems.map((p) => p.path)).toEqual([
      '$.rules[0].when.urlPattern',
      '$.sites[0].matches[1]',
      '$.sites[0].matches[2]',
      '$.sites[0].matches[3]',
      '$.sites[0].fields.owner.path',
      '$.sites[0].capture.original',
    ]);
    expect(problems.at(-1)!.message).toBe('must be an https URL');
  });

  it('refuses capture templates with unknown placeholders or placeholders in the host', () => {
    const doc = example();
    doc.sites[0].capture.original = 'https://dms.acme.example/api/{docId}';
    expect(problemsOf(doc)[0]!.message).toMatch(/^unknown placeholder \{docId\}/);
    doc.sites[0].capture.original = 'https://{sourceId}.acme.example/api';
    expect(problemsOf(doc)[0]!.message).toBe('placeholders may only appear in the path or query, after the host');
    doc.sites[0].capture.original = 'https://dms.acme.example/api/{description}';
    expect(problemsOf(doc)[0]!.message).toBe('placeholder {description} is not read by this site\'s "fields"');
  });

  it('requires site ids usable as detector ids (site-<id>)', () => {
    const doc = example();
    doc.sites[0].id = 'ACME DMS';
    expect(problemsOf(doc)[0]!.path).toBe('$.sites[0].id');
  });

  it('only locks known keys', () => {
    const doc = example();
    doc.locked = ['repositoryUrl', 'repositoryURL'];
    expect(problemsOf(doc)[0]).toMatchObject({
      path: '$.locked[1]',
      message: expect.stringMatching(/^must be one of/),
    });
  });

  it('lists every problem of a document with five different ones', () => {
    const doc = example();
    doc.filePlan[0].children.push({ id: 'HR', title: 'Duplicate' });
    doc.profiles[0].tagVocabulary = 'people';
    doc.profiles[0].fields[0].pattern = '[';
    doc.rules[1].suggest.category = 'FIN/2';
    doc.sites[0].matches = ['ftp://dms.acme.example/*'];
    expect(problemsOf(doc).map((p) => p.path)).toEqual([
      '$.filePlan[0].children[1].id',
      '$.profiles[0].tagVocabulary',
      '$.profiles[0].fields[0].pattern',
      '$.rules[1].suggest.category',
      '$.sites[0].matches[0]',
    ]);
  });

  it('accepts a document that gives only some sections (a policy layer)', () => {
    const result = validatePresets({ version: 1, locked: ['repositoryUrl', 'sites'] });
    expect(result).toMatchObject({ ok: true, sections: ['version', 'locked'] });
  });

  it('refuses non-objects and hostile shapes without throwing', () => {
    expect(problemsOf(null)[0]!.path).toBe('$');
    expect(problemsOf([])[0]!.path).toBe('$');
    let deep: Record<string, unknown> = { id: 'x', title: 'x' };
    for (let i = 0; i < 50_000; i++) deep = { id: `c${i}`, title: 't', children: [deep] };
    const problems = problemsOf({ version: 1, filePlan: [deep] });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toBe('the file plan may be at most 12 levels deep');
    const tooMany = problemsOf({ version: 1, profiles: Array(1001).fill({ id: 'p', title: 'P', recordType: 'x' }) });
    expect(tooMany).toEqual([{ path: '$.profiles', message: expect.stringMatching(/1000/) }]);
    const many = problemsOf({ version: 1, rules: Array(2000).fill({ when: {}, suggest: {} }) });
    expect(many).toHaveLength(501);
    expect(many.at(-1)!.message).toMatch(/^…and \d+ more$/);
  });
});
