import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkImportedText, checkPolicy, checkRepositoryDocument } from './sources';

const example = readFileSync('docs/presets-example.jsonc', 'utf8');

describe('presets sources', () => {
  it('takes a policy with presets, repository URL and locked keys', () => {
    const checked = checkImportedText(example);
    expect(checked.ok).toBe(true);
    const document = JSON.parse(JSON.stringify(checked.ok ? checked.layer : {}));
    const policy = checkPolicy({
      presets: document,
      repositoryUrl: 'https://records.example.org',
      locked: ['repositoryUrl'],
    });
    expect(policy).toMatchObject({ ok: true, repositoryUrl: 'https://records.example.org', version: 7 });
    expect(policy?.ok && policy.layer.locked).toContain('repositoryUrl');
  });

  it('reads presets given as JSON text, as Chrome and Edge carry them, and reports text that is not JSON', () => {
    expect(checkPolicy({ presets: JSON.stringify({ version: 2, profiles: [] }) })).toMatchObject({
      ok: true,
      version: 2,
    });
    expect(checkPolicy({ presets: '{ nope' })).toMatchObject({
      ok: false,
      problems: [{ path: 'policy.presets', message: expect.stringMatching(/^is not JSON/) }],
    });
  });

  it('keeps only the sections a policy gives', () => {
    const policy = checkPolicy({ locked: ['sites'] });
    expect(policy).toEqual({ ok: true, layer: { locked: ['sites'] }, version: undefined, repositoryUrl: undefined });
  });

  it('takes the connector and its options, as an object (Firefox) or as JSON text (Chrome, Edge)', () => {
    const options = { url: 'https://alfresco.example.org', deepVerify: true };
    for (const connectorOptions of [options, JSON.stringify(options)]) {
      expect(checkPolicy({ connector: 'records-api', connectorOptions, locked: ['connector'] })).toMatchObject({
        ok: true,
        connector: 'records-api',
        connectorOptions: options,
        layer: { locked: ['connector'] },
      });
    }
  });

  it('refuses a connector that is not an id, and options that are not plain values, by path', () => {
    const policy = checkPolicy({ connector: 'Records API!', connectorOptions: { url: { nested: true } } });
    expect(policy && !policy.ok && policy.problems.map((p) => p.path)).toEqual([
      'policy.connector',
      'policy.connectorOptions.url',
    ]);
    expect(checkPolicy({ connectorOptions: '{ nope' })).toMatchObject({
      ok: false,
      problems: [{ path: 'policy.connectorOptions', message: expect.stringMatching(/^is not JSON/) }],
    });
  });

  it('says nothing when there is no policy at all', () => {
    expect(checkPolicy({})).toBeUndefined();
  });

  it('rejects a wrong-typed policy as a whole, with every problem', () => {
    const policy = checkPolicy({ presets: 'not an object', repositoryUrl: 42, locked: ['everything'], colour: 'red' });
    expect(policy?.ok).toBe(false);
    const paths = policy && !policy.ok ? policy.problems.map((p) => p.path) : [];
    expect(paths).toEqual(
      expect.arrayContaining(['policy.colour', 'policy.presets', 'policy.repositoryUrl', 'policy.locked[0]']),
    );
  });

  it('rejects a repository document with broken references, by path', () => {
    const checked = checkRepositoryDocument({
      version: 2,
      filePlan: [{ id: 'HR', title: 'HR' }],
      profiles: [{ id: 'p', title: 'P', recordType: 'email', defaultCategory: 'NOPE' }],
    });
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.problems.map((p) => p.path)).toContain('$.profiles[0].defaultCategory');
  });

  it('explains an imported file that is not JSON', () => {
    expect(checkImportedText('{ nope')).toMatchObject({
      ok: false,
      problems: [{ path: '$', message: expect.stringMatching(/^is not JSON/) }],
    });
  });
});
