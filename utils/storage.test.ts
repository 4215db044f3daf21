import { beforeEach, describe, expect, it } from 'vitest';
import { browser } from 'wxt/browser';
import { fakeBrowser } from 'wxt/testing';
import { secretStore } from './secrets';
import { choices, connectionSettings, migrateStorageLayout, presetsSources, sourceAliases } from './storage';

beforeEach(async () => {
  fakeBrowser.reset();
  await secretStore().clear();
});

/** Everything a content script could read: the whole of `storage.local`, as text. */
const localText = async () => JSON.stringify(await browser.storage.local.get(null));

describe('connection settings', () => {
  it('moves a version 1 token out of storage.local into the secrets store (issue 10 item 8)', async () => {
    await browser.storage.local.set({ settings: { repositoryUrl: 'https://records.example.org', token: 'rk_secret' } });
    await connectionSettings.migrate();
    expect(await connectionSettings.get()).toEqual({
      connector: 'records-api',
      options: { url: 'https://records.example.org' },
    });
    expect(await secretStore().get('records-api/token')).toBe('rk_secret');
    expect(await localText()).not.toContain('rk_secret');
  });

  it('sweeps a token written in the old shape after the migration ran (an older tool, a test harness)', async () => {
    await connectionSettings.set({ connector: 'records-api', options: { url: 'https://a.example' } });
    await browser.storage.local.set({ settings: { repositoryUrl: 'https://b.example', token: 'rk_new' } });
    expect(await connectionSettings.get()).toEqual({ connector: 'records-api', options: { url: 'https://b.example' } });
    expect(await secretStore().get('records-api/token')).toBe('rk_new');
    expect(await localText()).not.toContain('rk_new');
    // The old shape with an empty token means "no token".
    await browser.storage.local.set({ settings: { repositoryUrl: '', token: '' } });
    expect(await connectionSettings.get()).toEqual({ connector: 'records-api', options: {} });
    expect(await secretStore().get('records-api/token')).toBeUndefined();
  });

  it('reads nothing rather than a value that does not validate', async () => {
    await browser.storage.local.set({ settings: { connector: 'Not An Id', options: [] } });
    expect(await connectionSettings.get()).toBeUndefined();
  });
});

describe('validated items', () => {
  it('gives the fallback for a stored value of the wrong shape, never a cast', async () => {
    await browser.storage.local.set({ choices: { bySite: 'gmail', bySender: {}, retained: {} } });
    expect(await choices.get()).toEqual({ bySite: {}, bySender: {}, retained: {} });
    await browser.storage.local.set({ 'presets.source.local': { state: 'ok', lastGood: { filePlan: 'nope' } } });
    expect(await presetsSources.local.get()).toEqual({ state: 'absent' });
  });

  it('keeps a good value as it was written', async () => {
    const remembered = { bySite: { gmail: { profileId: 'hr' } }, bySender: {}, retained: { hr: { office: 'Lyon' } } };
    await choices.set(remembered);
    expect(await choices.get()).toEqual(remembered);
  });
});

describe('one key convention', () => {
  it('moves the first layout’s alias:… keys to alias.… and drops its session keys', async () => {
    await browser.storage.local.set({ 'alias:thread-1': '<m1@x>', 'alias:thread-2': 7 });
    await browser.storage.session.set({ 'prior:<m1@x>': { at: 1 }, 'context:4': { kind: 'page', at: 1 } });
    await migrateStorageLayout();
    expect(await sourceAliases.get('thread-1')).toBe('<m1@x>');
    const local = await browser.storage.local.get(null);
    expect(Object.keys(local).filter((key) => key.startsWith('alias:'))).toEqual(['alias:thread-2']);
    expect(await browser.storage.session.get(null)).toEqual({});
    // Once: a later alias:… key written by anything else is left alone.
    await browser.storage.local.set({ 'alias:thread-3': '<m3@x>' });
    await migrateStorageLayout();
    expect(await sourceAliases.get('thread-3')).toBeUndefined();
  });
});
