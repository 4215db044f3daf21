import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { EMPTY_PRESETS, type Presets } from '../presets/schema';
import { presetsMemo } from './presets-memo';

beforeEach(() => fakeBrowser.reset());

const settle = () => new Promise((done) => setTimeout(done, 0));

describe('presetsMemo', () => {
  it('reads once, then again after a stored presets source or the settings change, not after other items', async () => {
    let version = 1;
    const load = vi.fn(async (): Promise<Presets> => ({ ...EMPTY_PRESETS, version }));
    const presets = presetsMemo(load);
    expect((await presets()).version).toBe(1);
    expect((await presets()).version).toBe(1);
    expect(load).toHaveBeenCalledTimes(1);

    await fakeBrowser.storage.local.set({ choices: { bySite: {} } });
    await fakeBrowser.storage.session.set({ 'presets.source.local': 'not the local area' });
    await settle();
    expect(await presets()).toMatchObject({ version: 1 });
    expect(load).toHaveBeenCalledTimes(1);

    version = 2;
    await fakeBrowser.storage.local.set({ 'presets.source.repository': { state: 'ok' } });
    await settle();
    expect((await presets()).version).toBe(2);
    version = 3;
    await fakeBrowser.storage.local.set({ settings: { repositoryUrl: 'https://records.example.org' } });
    await settle();
    expect((await presets()).version).toBe(3);
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('does not keep a failed read', async () => {
    const load = vi
      .fn<() => Promise<Presets>>()
      .mockRejectedValueOnce(new Error('storage is busy'))
      .mockResolvedValue(EMPTY_PRESETS);
    const presets = presetsMemo(load, () => undefined);
    await expect(presets()).rejects.toThrow('storage is busy');
    await settle();
    expect(await presets()).toBe(EMPTY_PRESETS);
  });
});
