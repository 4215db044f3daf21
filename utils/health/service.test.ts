import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { skeletonOfTab } from './service';
import { skeletonHeaderOf } from './skeleton-file';
import { refreshDiagnosticsPolicy } from './store';
import type { DiagnosticsTarget } from './upload';

const repository: DiagnosticsTarget = {
  kind: 'records-api',
  repositoryUrl: 'https://records.example.org',
  token: 'rk_x',
};
const answer = (result: unknown) =>
  vi.spyOn(fakeBrowser.scripting, 'executeScript').mockResolvedValue([{ frameId: 0, result }] as never);

describe('the skeleton of a tab', () => {
  beforeEach(() => {
    fakeBrowser.reset();
    vi.restoreAllMocks();
    vi.spyOn(fakeBrowser.runtime, 'getManifest').mockReturnValue({ version: '0.1.0' } as never);
  });

  it('masks the address the page gave, unless the user keeps its ids; says why it may not be sent', async () => {
    answer({
      body: '<!doctype html>\n<html><body><p>xxx</p></body></html>',
      truncated: false,
      url: 'https://ann:pw@mail.google.com/mail/u/0/#inbox/FMfcgzGkbDWz',
    });
    const masked = await skeletonOfTab(3, 'nothing', false, repository, new Date('2026-11-21T10:00:00Z'));
    expect(masked).toMatchObject({
      ok: true,
      url: 'https://mail.google.com/mail/u/0/#inbox/AAaaaaAaaAAa',
      name: 'skeleton-mail.google.com-20261121-100000.html',
      upload: { allowed: false, blocked: expect.stringContaining('has not allowed') },
    });
    if (!masked.ok) throw new Error(masked.error);
    expect(skeletonHeaderOf(masked.html)).toMatchObject({
      format: 1,
      url: masked.url,
      reason: 'nothing',
      extension: '0.1.0',
    });
    expect(masked.html).not.toContain('FMfcgz');
    expect(masked.html).not.toContain('ann:pw');
    expect(masked.bytes).toBe(new TextEncoder().encode(masked.html).byteLength);

    const kept = await skeletonOfTab(3, 'wrong', true, repository);
    expect(kept).toMatchObject({ ok: true, url: 'https://mail.google.com/mail/u/0/#inbox/FMfcgzGkbDWz' });
  });

  it('may be sent when the policy allows skeletons and a repository is set up', async () => {
    await refreshDiagnosticsPolicy(async () => ({ diagnosticsSkeletons: true }));
    answer({ body: '<p>x</p>', truncated: true, url: 'https://example.org/a' });
    expect(await skeletonOfTab(3, 'nothing', false, repository)).toMatchObject({ ok: true, upload: { allowed: true } });
    expect(await skeletonOfTab(3, 'nothing', false, { kind: 'not-configured' })).toMatchObject({
      ok: true,
      upload: { allowed: false, blocked: 'No repository is set up, so nothing is sent.' },
    });
  });

  it('refuses what the page answers when it is not a skeleton, and says why a page cannot be read', async () => {
    answer({ body: 42, url: 'https://example.org' });
    expect(await skeletonOfTab(3, 'nothing', false, repository)).toEqual({
      ok: false,
      error: 'The page gave no usable skeleton.',
    });
    vi.spyOn(fakeBrowser.scripting, 'executeScript').mockRejectedValue(new Error('Cannot access a chrome:// URL'));
    expect(await skeletonOfTab(3, 'nothing', false, repository)).toEqual({
      ok: false,
      error: 'The page could not be read: Cannot access a chrome:// URL',
    });
  });
});
