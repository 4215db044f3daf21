import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { AlfrescoFake } from '../../../tests/fakes/alfresco/server.ts';
import { memoryCredentials } from '../../../tests/fakes/alfresco/support.ts';
import { presetsJsonSchema } from '../../presets/json-schema';
import { checkPolicy } from '../../presets/sources';
import { validatePresets } from '../../presets/validate';
import { buildDefaults, connectionState } from '../../settings';
import { connectorDefinition, connectorDefinitions } from '../index';
import { alfrescoGs } from './index';

const guide = readFileSync(new URL('../../../docs/connectors/alfresco.md', import.meta.url), 'utf8');
function guideBlock(name: string): Record<string, unknown> {
  const block = new RegExp(`<!-- example: ${name} -->\\s*\`\`\`json\\n([\\s\\S]*?)\`\`\``).exec(guide);
  if (!block) throw new Error(`docs/connectors/alfresco.md lost its example "${name}"`);
  return JSON.parse(block[1]!);
}

const messages = (lang: string) =>
  JSON.parse(readFileSync(`public/_locales/${lang}/messages.json`, 'utf8')) as Record<string, unknown>;

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
    const [en, fr] = [messages('en'), messages('fr')];
    for (const field of alfrescoGs.fields) {
      expect(en[field.labelKey!], field.key).toBeDefined();
      expect(fr[field.labelKey!], field.key).toBeDefined();
    }
  });
});

describe('Alfresco through policy', () => {
  it('connects from the guide example, as Firefox and as Chrome pass it, and passes the connection test', async () => {
    const example = guideBlock('alfresco policy');
    const fake = await AlfrescoFake.start({ users: { 'svc-recordkeeper': 'pw' } });
    try {
      const asFirefox = { ...example, repositoryUrl: fake.url };
      const asChrome = { ...asFirefox, connectorOptions: JSON.stringify(example.connectorOptions) };
      for (const managed of [asFirefox, asChrome]) {
        const policy = checkPolicy(managed);
        if (!policy?.ok) throw new Error(JSON.stringify(policy));
        // The user had saved the Records API; the organisation's choice wins.
        const state = connectionState(
          { connector: 'records-api', options: { url: 'https://records.example.org' } },
          buildDefaults({}),
          {
            repositoryUrl: policy.repositoryUrl,
            connector: policy.connector,
            connectorOptions: policy.connectorOptions,
            locked: policy.layer.locked ?? [],
          },
          connectorDefinitions,
        );
        expect(state).toMatchObject({ connector: 'alfresco-gs', locked: ['connector', 'repositoryUrl'], problems: [] });
        expect(state.checked).toEqual({ url: fake.url, username: 'svc-recordkeeper', deepVerification: true });
        const connector = state.definition!.create(state.checked!, {
          fetch,
          now: Date.now,
          credentials: memoryCredentials({ password: 'pw' }),
        });
        expect(await connector.probe()).toMatchObject({ ok: true, user: 'svc-recordkeeper' });
      }
      expect(fake.violations).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});

describe('the alfresco-gs section of the presets', () => {
  const presets = (mapping: unknown) => ({
    version: 1,
    filePlan: [
      { id: 'HR', title: 'HR', children: [{ id: 'HR/2.3', title: 'Grievances' }] },
      { id: 'FIN', title: 'Finance', children: [{ id: 'FIN/1', title: 'Invoices' }] },
    ],
    connectors: { 'alfresco-gs': mapping },
  });

  it('takes the guide mapping, in the extension and in the published JSON Schema', () => {
    const document = presets(guideBlock('alfresco mapping'));
    const checked = validatePresets(document);
    expect(checked.ok ? [] : checked.problems).toEqual([]);
    const validate = new Ajv2020({ strict: false }).compile(presetsJsonSchema());
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
  });

  it('refuses, in both, what the extension refuses; and names a mapped category missing from the file plan', () => {
    const validate = new Ajv2020({ strict: false }).compile(presetsJsonSchema());
    for (const bad of [
      { categories: { 'FIN/1': { folderId: 'not-a-uuid' } } },
      { categories: { 'FIN/1': { path: 'OnlyOneLevel' } } },
      { categories: { 'FIN/1': { path: 'Finance/2026.' } } },
      { properties: { 'rk:recordId': 'title' } },
      { properties: { 'cm:name': 'title' } },
      { unmapped: 'elsewhere' },
    ]) {
      expect(validatePresets(presets(bad)).ok, JSON.stringify(bad)).toBe(false);
      expect(validate(presets(bad)), JSON.stringify(bad)).toBe(false);
    }
    const stray = validatePresets(presets({ categories: { 'LEG/9': { path: 'Legal/Contracts/2026' } } }));
    expect(stray.ok ? [] : stray.problems).toEqual([
      {
        path: '$.connectors["alfresco-gs"].categories["LEG/9"]',
        message: 'unknown category "LEG/9" (not in the file plan)',
      },
    ]);
  });
});
