import { beforeEach, describe, expect, it } from 'vitest';
import { browser } from 'wxt/browser';
import { fakeBrowser } from 'wxt/testing';
import { pageRecord } from '../tests/support/records';
import { openOutbox } from './outbox/db';
import { authState, deliveryProgress, enqueue, saveDeliveryProgress, setAuthState } from './outbox/outbox';
import { secretStore } from './secrets';
import { loadConnection, openConnector, saveSettings, settingsChanged, settingsView } from './settings-store';
import { presetsSources } from './storage';

const input = (repositoryUrl: string, token = '') => ({ repositoryUrl, token, options: {}, secrets: {} });

beforeEach(async () => {
  fakeBrowser.reset();
  await secretStore().clear();
});

/** A record whose upload to the current repository is half done. */
async function halfSent() {
  const db = await openOutbox();
  const r = pageRecord();
  await enqueue(db, r, [], Date.now());
  const progress = {
    connector: 'records-api',
    parts: { 0: { checkpoint: { url: 'https://a.example/u/1', offset: 4 } } },
  };
  await saveDeliveryProgress(db, r.id, progress, Date.now());
  return { db, id: r.id };
}

describe('saving the connection', () => {
  it('keeps the token in the secrets store, and tells pages only that one is set', async () => {
    const state = await saveSettings(input('https://a.example', 'rk_one'));
    expect(await secretStore().get('records-api/token')).toBe('rk_one');
    expect(JSON.stringify(await browser.storage.local.get(null))).not.toContain('rk_one');
    const view = await settingsView(state);
    expect(view).toMatchObject({ repositoryUrl: 'https://a.example', hasToken: true, secrets: ['token'] });
    expect(JSON.stringify(view)).not.toContain('rk_one');
    expect(await openConnector(state)?.describe()).toMatchObject({ digest: 'sha256' });
  });

  it('keeps the token when the same repository is saved with the token field left empty', async () => {
    await saveSettings(input('https://a.example', 'rk_one'));
    await saveSettings(input('https://a.example/'));
    expect(await secretStore().get('records-api/token')).toBe('rk_one');
  });

  it('clears the token, every record’s delivery progress and the sign-in state for another repository', async () => {
    await saveSettings(input('https://a.example', 'rk_one'));
    const { db, id } = await halfSent();
    await setAuthState(db, { needed: true, error: 'refused', at: 1 });
    await saveSettings(input('https://b.example'));
    expect(await secretStore().get('records-api/token')).toBeUndefined();
    expect(await deliveryProgress(db, id)).toBeUndefined();
    expect((await authState(db)).needed).toBe(false);
    // A new repository with its own token keeps the new token.
    await saveSettings(input('https://c.example', 'rk_three'));
    expect(await secretStore().get('records-api/token')).toBe('rk_three');
  });

  it('refuses to change what the organisation locked', async () => {
    await presetsSources.policy.set({
      state: 'ok',
      lastGood: { locked: ['repositoryUrl'] },
      repositoryUrl: 'https://records.example.org',
    });
    expect((await loadConnection()).options).toEqual({ url: 'https://records.example.org' });
    await expect(saveSettings(input('https://elsewhere.example'))).rejects.toThrow(/set by your organisation/);
    await saveSettings(input('https://records.example.org', 'rk_ok'));
    expect(await secretStore().get('records-api/token')).toBe('rk_ok');
  });

  it('keeps the token when the address in force does not change (the organisation’s URL wins)', async () => {
    await presetsSources.policy.set({ state: 'ok', lastGood: {}, repositoryUrl: 'https://records.example.org' });
    await saveSettings(input('https://records.example.org', 'rk_ok'));
    await saveSettings(input('https://elsewhere.example'));
    expect((await loadConnection()).options.url).toBe('https://records.example.org');
    expect(await secretStore().get('records-api/token')).toBe('rk_ok');
  });
});

describe('settings changed under the background', () => {
  it('moves a token written in the old shape, and drops progress made towards the old repository', async () => {
    await saveSettings(input('https://a.example', 'rk_one'));
    const { db, id } = await halfSent();
    const old = (await browser.storage.local.get('settings')).settings;
    const written = { repositoryUrl: 'https://b.example', token: 'rk_two' };
    await browser.storage.local.set({ settings: written });
    await settingsChanged(old, written);
    expect(await secretStore().get('records-api/token')).toBe('rk_two');
    expect(JSON.stringify(await browser.storage.local.get(null))).not.toContain('rk_two');
    expect(await deliveryProgress(db, id)).toBeUndefined();
  });
});
