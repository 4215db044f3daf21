import { describe, expect, it } from 'vitest';
import { connectorDefinition } from '../index';
import { microsoft365 } from './index';
import { featuresOf } from './settings';

const TENANT = '11111111-2222-4333-8444-555555555555';
const CLIENT = '66666666-7777-4888-9999-000000000000';

/** The host permissions that settings the definition accepts ask for; throws when it refuses them. */
function originsOf(settings: Parameters<typeof microsoft365.check>[0]): string[] {
  const checked = microsoft365.check(settings);
  if (!checked.ok) throw new Error(`refused: ${JSON.stringify(checked)}`);
  return microsoft365.origins(checked.options);
}

describe('the Microsoft 365 definition', () => {
  it('is in the registry under the id settings and policy name', () => {
    expect(connectorDefinition('microsoft-365')).toBe(microsoft365);
  });

  it('takes a tenant and an application id, with the global cloud and originals on by default', () => {
    const checked = microsoft365.check({ tenant: ' contoso.onmicrosoft.com ', clientId: CLIENT });
    expect(checked).toEqual({
      ok: true,
      options: { tenant: 'contoso.onmicrosoft.com', clientId: CLIENT, authority: '', graph: '', originals: true },
    });
    if (!checked.ok) return;
    expect(microsoft365.origins(checked.options)).toEqual([
      'https://login.microsoftonline.com/*',
      'https://graph.microsoft.com/*',
      'https://*.sharepoint.com/*',
    ]);
  });

  it('reaches a national cloud through its own sign-in host, Graph and SharePoint hosts', () => {
    const origins = originsOf({
      tenant: TENANT,
      clientId: CLIENT,
      authority: 'https://login.microsoftonline.us',
      graph: 'https://graph.microsoft.us/v1.0',
      originals: false,
    });
    expect(origins).toEqual([
      'https://login.microsoftonline.us/*',
      'https://graph.microsoft.us/*',
      'https://*.sharepoint.us/*',
    ]);
  });

  it('names each option that is wrong, as policy or the options page gave it', () => {
    const checked = microsoft365.check({
      tenant: 'not a tenant',
      clientId: 'abc',
      authority: 'http://login.example.org/path',
      graph: 'https://graph.microsoft.com/',
    });
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.problems.join('\n')).toMatch(/tenant: must be the directory \(tenant\) id/);
    expect(checked.problems.join('\n')).toMatch(/clientId: must be the application \(client\) id/);
    expect(checked.problems.join('\n')).toMatch(/authority: must be an https origin/);
    expect(checked.problems.join('\n')).toMatch(/graph: must be the https address of Graph with its version/);
  });

  it('has no secret among its fields: the sign-in makes the tokens', () => {
    expect(microsoft365.fields.filter((f) => f.secret)).toEqual([]);
    expect(microsoft365.fields.map((f) => f.key)).toEqual(['tenant', 'clientId', 'authority', 'graph', 'originals']);
  });

  it('asks the permissions of originals only when originals are on', () => {
    const base = { tenant: TENANT, clientId: CLIENT, authority: '', graph: '' };
    expect(featuresOf({ ...base, originals: true })).toEqual(['file', 'outlook', 'fetch']);
    expect(featuresOf({ ...base, originals: false })).toEqual(['file']);
  });
});
