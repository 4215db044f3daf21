import { describe, expect, it } from 'vitest';
import { connectorDefinitions } from './connectors/index';
import { buildDefaults, connectionState, sameRepository } from './settings';

const none = { locked: [] };
const saved = (url: string, connector = 'records-api') => ({ connector, options: { url } });

describe('connectionState', () => {
  it('uses what the user saved, checked by the connector', () => {
    const state = connectionState(saved('https://records.example.org'), buildDefaults({}), none, connectorDefinitions);
    expect(state).toMatchObject({ connector: 'records-api', problems: [], defaults: false });
    expect(state.checked).toEqual({ url: 'https://records.example.org' });
  });

  it('falls back to the build defaults until something is saved', () => {
    const defaults = buildDefaults({ WXT_REPOSITORY_URL: 'http://127.0.0.1:8787' });
    const state = connectionState(undefined, defaults, none, connectorDefinitions);
    expect(state).toMatchObject({ defaults: true, options: { url: 'http://127.0.0.1:8787' } });
    expect(state.checked).toBeDefined();
  });

  it('lets policy win: its connector, its options and its repository URL, with its locks', () => {
    const state = connectionState(
      saved('https://records.elsewhere.example'),
      buildDefaults({}),
      { repositoryUrl: 'https://records.example.org', locked: ['repositoryUrl'] },
      connectorDefinitions,
    );
    expect(state.options).toEqual({ url: 'https://records.example.org' });
    expect(state.locked).toEqual(['repositoryUrl']);
  });

  it('does not carry options saved for another connector over to the one policy names', () => {
    const state = connectionState(
      saved('https://alfresco.example.org', 'other'),
      buildDefaults({}),
      { connector: 'records-api', locked: ['connector'] },
      connectorDefinitions,
    );
    expect(state).toMatchObject({ connector: 'records-api', options: {}, problems: ['No repository is set.'] });
    expect(state.checked).toBeUndefined();
  });

  it('says why a connection cannot be used: an unknown connector, an option its schema refuses', () => {
    expect(
      connectionState(saved('https://x.org', 'nope'), buildDefaults({}), none, connectorDefinitions),
    ).toMatchObject({ problems: ['The connector "nope" is not part of this version of Recordkeeper.'] });
    const bad = connectionState(saved('javascript:alert(1)'), buildDefaults({}), none, connectorDefinitions);
    expect(bad.checked).toBeUndefined();
    expect(bad.problems.join()).toMatch(/url: must be an http\(s\) URL/);
  });
});

it('sameRepository ignores surrounding space and a trailing slash only', () => {
  expect(sameRepository(' https://x.org/ ', 'https://x.org')).toBe(true);
  expect(sameRepository('https://x.org', 'https://y.org')).toBe(false);
  expect(sameRepository(undefined, '')).toBe(true);
});
