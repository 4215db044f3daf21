import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chromiumPolicyJson, chromiumRegistry, firefoxPolicyJson } from './policy';
import { checkPolicy } from './sources';

const managedSchema = JSON.parse(readFileSync('public/managed_schema.json', 'utf8')) as {
  properties: Record<string, { type: string }>;
};
const values = {
  repositoryUrl: 'https://records.example.org',
  connector: 'records-api',
  connectorOptions: { url: 'https://records.example.org' },
  locked: ['connector'],
};

describe('policy documents carry the connector', () => {
  it('as strings Chromium keeps: every value it is given is described by managed_schema.json with its type', () => {
    const managed = (chromiumPolicyJson(values)['3rdparty'] as { extensions: Record<string, Record<string, unknown>> })
      .extensions;
    const [given] = Object.values(managed);
    for (const [key, value] of Object.entries(given!)) {
      const described = managedSchema.properties[key];
      expect(described, key).toBeDefined();
      expect(Array.isArray(value) ? 'array' : typeof value, key).toBe(described!.type);
    }
    // What Chromium hands the extension is what it reads back.
    expect(checkPolicy(given)).toMatchObject({
      ok: true,
      connector: 'records-api',
      connectorOptions: values.connectorOptions,
    });
  });

  it('as objects for Firefox, and as REG_SZ JSON for Windows', () => {
    expect(JSON.stringify(firefoxPolicyJson(values))).toContain(
      '"connectorOptions":{"url":"https://records.example.org"}',
    );
    const reg = chromiumRegistry('chrome', values);
    expect(reg).toContain('"connector"="records-api"');
    expect(reg).toContain('"connectorOptions"="{\\"url\\":\\"https://records.example.org\\"}"');
  });
});
