import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { memoryCredentials } from '../../../tests/fakes/alfresco/support.ts';
import { CmisFake } from '../../../tests/fakes/cmis/server.ts';
import { presetsJsonSchema } from '../../presets/json-schema';
import { checkPolicy } from '../../presets/sources';
import { validatePresets } from '../../presets/validate';
import { buildDefaults, connectionState } from '../../settings';
import { connectorDefinition, connectorDefinitions } from '../index';
import { cmis } from './index';

const guide = readFileSync(new URL('../../../docs/connectors/cmis.md', import.meta.url), 'utf8');
function guideBlock(name: string): Record<string, unknown> {
  const block = new RegExp(`<!-- example: ${name} -->\\s*\`\`\`json\\n([\\s\\S]*?)\`\`\``).exec(guide);
  if (!block) throw new Error(`docs/connectors/cmis.md lost its example "${name}"`);
  return JSON.parse(block[1]!);
}

const messages = (lang: string) =>
  JSON.parse(readFileSync(`public/_locales/${lang}/messages.json`, 'utf8')) as Record<string, unknown>;

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
    const [en, fr] = [messages('en'), messages('fr')];
    for (const field of cmis.fields) {
      expect(en[field.labelKey!], field.key).toBeDefined();
      expect(fr[field.labelKey!], field.key).toBeDefined();
    }
  });
});

describe('CMIS through policy', () => {
  it('connects from the guide example, as Firefox and as Chrome pass it, and passes the connection test', async () => {
    const example = guideBlock('cmis policy');
    const fake = await CmisFake.start({ users: { 'svc-recordkeeper': 'pw' } });
    try {
      const options = { ...(example.connectorOptions as object), repositoryId: fake.repositoryId };
      const asFirefox = { ...example, repositoryUrl: fake.serviceUrl, connectorOptions: options };
      const asChrome = { ...asFirefox, connectorOptions: JSON.stringify(options) };
      for (const managed of [asFirefox, asChrome]) {
        const policy = checkPolicy(managed);
        if (!policy?.ok) throw new Error(JSON.stringify(policy));
        const state = connectionState(
          undefined,
          buildDefaults({}),
          {
            repositoryUrl: policy.repositoryUrl,
            connector: policy.connector,
            connectorOptions: policy.connectorOptions,
            locked: policy.layer.locked ?? [],
          },
          connectorDefinitions,
        );
        expect(state).toMatchObject({ connector: 'cmis', locked: ['connector', 'repositoryUrl'], problems: [] });
        expect(state.checked).toMatchObject({ url: fake.serviceUrl, repositoryId: 'A1', pieceMegabytes: 16 });
        const connector = state.definition!.create(state.checked!, {
          fetch,
          now: Date.now,
          credentials: memoryCredentials({ password: 'pw' }),
        });
        expect(connector.describe().maxSinglePartBytes).toBe(16 * 1024 * 1024);
        expect(await connector.probe()).toMatchObject({ ok: true, user: 'svc-recordkeeper' });
      }
      expect(fake.violations).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});

describe('the cmis section of the presets', () => {
  const presets = (mapping: unknown) => ({
    version: 1,
    filePlan: [
      { id: 'HR', title: 'HR', children: [{ id: 'HR/2.3', title: 'Grievances' }] },
      { id: 'FIN', title: 'Finance', children: [{ id: 'FIN/1', title: 'Invoices' }] },
    ],
    connectors: { cmis: mapping },
  });

  it('takes the guide mapping, in the extension and in the published JSON Schema', () => {
    const document = presets(guideBlock('cmis mapping'));
    const checked = validatePresets(document);
    expect(checked.ok ? [] : checked.problems).toEqual([]);
    const validate = new Ajv2020({ strict: false }).compile(presetsJsonSchema());
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
  });

  it('refuses, in both, what the extension refuses', () => {
    const validate = new Ajv2020({ strict: false }).compile(presetsJsonSchema());
    for (const bad of [
      { categories: { 'FIN/1': { path: 'Records/Finance' } } },
      { categories: { 'FIN/1': { path: '/Records/../Secret' } } },
      { categories: { 'FIN/1': { path: '/Records/.' } } },
      { unmapped: { path: '/Records/' } },
      { properties: { 'cmis:name': 'title' } },
      { properties: { 'rk:recordId': 'title' } },
      { documentType: 'not a type' },
    ]) {
      expect(validatePresets(presets(bad)).ok, JSON.stringify(bad)).toBe(false);
      expect(validate(presets(bad)), JSON.stringify(bad)).toBe(false);
    }
    for (const good of [
      { categories: { 'FIN/1': { path: '/Records/..hidden/2026' } } },
      { properties: { 'cmis:description': 'title' } },
    ]) {
      expect(validatePresets(presets(good)).ok, JSON.stringify(good)).toBe(true);
      expect(validate(presets(good)), JSON.stringify(good)).toBe(true);
    }
  });
});
