import { describe, expect, it } from 'vitest';
import { CmisFake } from '../../../tests/fakes/cmis/server.ts';
import * as definition from '../../../tests/fakes/connector-definition.ts';
import { connectorDefinition } from '../index';
import { cmis } from './index';

const base = { url: 'https://ecm.example.org/cmis/browser', username: 'svc' };

describe('the CMIS definition', () => {
  it('is in the registry under cmis', () => {
    expect(connectorDefinition('cmis')).toBe(cmis);
  });

  it('fills defaults, and reads the form text fields as numbers and lists', () => {
    expect(cmis.check(base)).toEqual({
      ok: true,
      options: { ...base, repositoryId: '', deepVerification: false, pieceMegabytes: 8, secondaryTypes: [] },
    });
    expect(
      cmis.check({ ...base, repositoryId: ' A1 ', pieceMegabytes: ' 4 ', secondaryTypes: 'P:rk:identity, F:rk' }),
    ).toMatchObject({
      ok: true,
      options: { repositoryId: 'A1', pieceMegabytes: 4, secondaryTypes: ['P:rk:identity', 'F:rk'] },
    });
    expect(cmis.check({ ...base, pieceMegabytes: 16 })).toMatchObject({ ok: true, options: { pieceMegabytes: 16 } });
    expect(cmis.check({ ...base, pieceMegabytes: '' })).toMatchObject({ ok: true, options: { pieceMegabytes: 8 } });
    const checked = cmis.check(base);
    if (!checked.ok) throw new Error(checked.problems.join());
    expect(cmis.origins(checked.options)).toEqual(['https://ecm.example.org/*']);
  });

  it('says what is wrong with each option', () => {
    for (const [key, value] of [
      ['url', 'javascript:alert(1)'],
      ['username', ''],
      ['pieceMegabytes', 0],
      ['pieceMegabytes', '300'],
      ['pieceMegabytes', 'eight'],
      ['secondaryTypes', 'P:rk:identity; DROP TABLE'],
      ['deepVerification', 'true'],
    ] as const) {
      const result = cmis.check({ ...base, [key]: value });
      expect(result.ok, `${key}=${value}`).toBe(false);
      expect((result as { problems: string[] }).problems.join(), `${key}=${value}`).toContain(key);
    }
  });

  it('keeps the password a secret, never an option, and labels every field in English and French', () => {
    expect(cmis.fields.filter((f) => f.secret).map((f) => f.key)).toEqual(['password']);
    const checked = cmis.check({ ...base, password: 'p' });
    expect(checked.ok && checked.options).not.toHaveProperty('password');
    expect(definition.unlabelled(cmis.fields)).toEqual([]);
  });
});

describe('CMIS through policy', () => {
  it('connects from the guide example, as Firefox and as Chrome pass it, and passes the connection test', async () => {
    const example = definition.guideExample('cmis', 'cmis policy');
    await definition.checkedFake(await CmisFake.start({ users: { 'svc-recordkeeper': 'pw' } }), async (fake) => {
      const options = { ...(example.connectorOptions as object), repositoryId: fake.repositoryId };
      const policy = { ...example, repositoryUrl: fake.serviceUrl, connectorOptions: options };
      for (const managed of definition.asFirefoxAndChrome(policy)) {
        const { state, connector: create } = definition.connectFromPolicy(managed);
        expect(state).toMatchObject({ connector: 'cmis', locked: ['connector', 'repositoryUrl'], problems: [] });
        expect(state.checked).toMatchObject({ url: fake.serviceUrl, repositoryId: 'A1', pieceMegabytes: 16 });
        const connector = create();
        expect(connector.describe().maxSinglePartBytes).toBe(16 * 1024 * 1024);
        expect(await connector.probe()).toMatchObject({ ok: true, user: 'svc-recordkeeper' });
      }
    });
  });
});

describe('the cmis section of the presets', () => {
  const verdicts = definition.presetsVerdicts('cmis');

  it('takes the guide mapping, in the extension and in the published JSON Schema', () => {
    const verdict = verdicts(definition.guideExample('cmis', 'cmis mapping'));
    expect([verdict.problems, verdict.schemaErrors]).toEqual([[], []]);
    expect([verdict.extension, verdict.schema]).toEqual([true, true]);
  });

  it('refuses, in both, what the extension refuses', () => {
    for (const bad of [
      { categories: { 'FIN/1': { path: 'Records/Finance' } } },
      { categories: { 'FIN/1': { path: '/Records/../Secret' } } },
      { categories: { 'FIN/1': { path: '/Records/.' } } },
      { unmapped: { path: '/Records/' } },
      { properties: { 'cmis:name': 'title' } },
      { properties: { 'rk:recordId': 'title' } },
      { documentType: 'not a type' },
    ]) {
      const { extension, schema } = verdicts(bad);
      expect([extension, schema], JSON.stringify(bad)).toEqual([false, false]);
    }
    for (const good of [
      { categories: { 'FIN/1': { path: '/Records/..hidden/2026' } } },
      { properties: { 'cmis:description': 'title' } },
    ]) {
      const { extension, schema } = verdicts(good);
      expect([extension, schema], JSON.stringify(good)).toEqual([true, true]);
    }
  });
});
