import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import type { Connector, PresetsAnswer } from '../connectors/connector';
import { presetsSources } from '../storage';
import { loadPresets, refreshRepositoryPresets } from './store';

beforeEach(() => fakeBrowser.reset());

const document = { version: 4, profiles: [{ id: 'p', title: 'P', recordType: 'document' }] };

function connector(fetchPresets?: (etag: string | undefined) => Promise<PresetsAnswer>): Connector {
  return {
    id: 'toy',
    describe: () => ({ servesPresets: fetchPresets !== undefined }),
    fetchPresets,
  } as unknown as Connector;
}

describe('the repository’s presets, through its connector', () => {
  it('keeps the document with its ETag, and sends the ETag back next time (304 keeps the copy)', async () => {
    const asked: (string | undefined)[] = [];
    const answers: PresetsAnswer[] = [{ status: 'ok', document, etag: '"v4"' }, { status: 'not-modified' }];
    const repository = {
      key: 'https://a.example',
      connector: connector(async (etag) => {
        asked.push(etag);
        return answers.shift()!;
      }),
    };
    await refreshRepositoryPresets(repository);
    await refreshRepositoryPresets(repository);
    expect(asked).toEqual([undefined, '"v4"']);
    expect((await loadPresets('https://a.example')).version).toBe(4);
    // Another repository's copy is never used.
    expect((await loadPresets('https://b.example')).version).toBe(0);
  });

  it('says that a repository serving no presets leaves them to policy and imported files', async () => {
    await refreshRepositoryPresets({ key: 'https://a.example', connector: connector() });
    expect(await presetsSources.repository.get()).toMatchObject({
      state: 'absent',
      error: expect.stringContaining('does not serve presets'),
    });
  });

  it('reports a failure and keeps the last good copy', async () => {
    const repository = { key: 'https://a.example', connector: connector(async () => ({ status: 'ok', document })) };
    await refreshRepositoryPresets(repository);
    await refreshRepositoryPresets({
      ...repository,
      connector: connector(async () => {
        throw new Error('The repository refused the token (401): revoked');
      }),
    });
    expect(await presetsSources.repository.get()).toMatchObject({ state: 'unreachable', error: /revoked/ });
    expect((await loadPresets('https://a.example')).version).toBe(4);
  });
});
