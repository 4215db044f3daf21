import { describe, expect, it } from 'vitest';
import { AlfrescoFake } from '../../../tests/fakes/alfresco/server.ts';
import {
  asFirefoxAndChrome,
  checkedFake,
  connectFromPolicy,
  guideExample,
  presetsVerdicts,
  unlabelled,
} from '../../../tests/fakes/connector-definition.ts';
import { connectorDefinition } from '../index';
import { alfrescoGs } from './index';

describe('the Alfresco Governance Services definition', () => {
  it('is in the registry under alfresco-gs', () => {
    expect(connectorDefinition('alfresco-gs')).toBe(alfrescoGs);
  });

  it('takes the address, the user name and deep verification, with defaults', () => {
    const checked = alfrescoGs.check({ url: ' https://ecm.example.org ', username: ' svc-rk ' });
    expect(checked).toEqual({
      ok: true,
      options: { url: 'https://ecm.example.org', username: 'svc-rk', deepVerification: false },
    });
    if (!checked.ok) throw new Error(checked.problems.join());
    expect(alfrescoGs.origins(checked.options)).toEqual(['https://ecm.example.org/*']);
    expect(
      alfrescoGs.check({ url: 'https://e.org', username: 'a', deepVerification: true, timeoutSeconds: 600 }),
    ).toMatchObject({ ok: true, options: { deepVerification: true, timeoutSeconds: 600 } });
  });

  it('says what is wrong with each option', () => {
    const result = alfrescoGs.check({
      url: 'ftp://ecm.example.org',
      username: 'two\nlines',
      deepVerification: 'yes',
      timeoutSeconds: 1,
    });
    expect(result.ok).toBe(false);
    const problems = (result as { problems: string[] }).problems.join('\n');
    for (const key of ['url', 'username', 'deepVerification', 'timeoutSeconds']) expect(problems).toContain(key);
    expect(alfrescoGs.check({ url: 'https://e.org', username: '  ' })).toMatchObject({
      ok: false,
      problems: [expect.stringContaining('enter the user name')],
    });
  });

  it('keeps the password a secret, never an option', () => {
    expect(alfrescoGs.fields.filter((f) => f.secret).map((f) => f.key)).toEqual(['password']);
    const checked = alfrescoGs.check({ url: 'https://e.org', username: 'a', password: 'p' });
    expect(checked.ok && checked.options).not.toHaveProperty('password');
  });

  it('labels every field in English and French', () => {
    expect(unlabelled(alfrescoGs.fields)).toEqual([]);
  });
});

describe('Alfresco through policy', () => {
  it('connects from the guide example, as Firefox and as Chrome pass it, and passes the connection test', async () => {
    await checkedFake(await AlfrescoFake.start({ users: { 'svc-recordkeeper': 'pw' } }), async (fake) => {
      const example = guideExample('alfresco', 'alfresco policy');
      for (const managed of asFirefoxAndChrome({ ...example, repositoryUrl: fake.url })) {
        // The user had saved the Records API; the organisation's choice wins.
        const { state, connector } = connectFromPolicy(managed, {
          connector: 'records-api',
          options: { url: 'https://records.example.org' },
        });
        expect(state).toMatchObject({ connector: 'alfresco-gs', locked: ['connector', 'repositoryUrl'], problems: [] });
        expect(state.checked).toEqual({ url: fake.url, username: 'svc-recordkeeper', deepVerification: true });
        expect(await connector().probe()).toMatchObject({ ok: true, user: 'svc-recordkeeper' });
      }
    });
  });
});

describe('the alfresco-gs section of the presets', () => {
  const verdicts = presetsVerdicts('alfresco-gs');

  it('takes the guide mapping, in the extension and in the published JSON Schema', () => {
    expect(verdicts(guideExample('alfresco', 'alfresco mapping'))).toMatchObject({
      extension: true,
      schema: true,
      problems: [],
      schemaErrors: [],
    });
  });

  it('refuses, in both, what the extension refuses; and names a mapped category missing from the file plan', () => {
    for (const bad of [
      { categories: { 'FIN/1': { folderId: 'not-a-uuid' } } },
      { categories: { 'FIN/1': { path: 'OnlyOneLevel' } } },
      { categories: { 'FIN/1': { path: 'Finance/2026.' } } },
      { properties: { 'rk:recordId': 'title' } },
      { properties: { 'cm:name': 'title' } },
      { unmapped: 'elsewhere' },
    ]) {
      expect(verdicts(bad), JSON.stringify(bad)).toMatchObject({ extension: false, schema: false });
    }
    const stray = verdicts({ categories: { 'LEG/9': { path: 'Legal/Contracts/2026' } } });
    expect(stray.problems).toEqual([
      {
        path: '$.connectors["alfresco-gs"].categories["LEG/9"]',
        message: 'unknown category "LEG/9" (not in the file plan)',
      },
    ]);
  });
});
