import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { CONTEXT_TTL_MS } from '../context-menu';
import { aDetection } from '../detectors/fixtures/support';
import type { Detection } from '../detectors/types';
import type { TabDetections } from '../messaging';
import { pendingContexts } from '../storage';
import { tabDetections } from './tab-detections';

const page = aDetection();
const finding =
  (detections: Detection[], error?: string) =>
  async (tabId: number): Promise<TabDetections> => ({ tabId, url: 'https://example.org/a', detections, error });

beforeEach(() => {
  fakeBrowser.reset();
  vi.restoreAllMocks();
});

describe('what a tab holds to declare', () => {
  it('counts the detections on that tab’s toolbar button', async () => {
    const result = await tabDetections(3, { detect: finding([page]) });
    expect(result.detections).toEqual([page]);
    expect(await fakeBrowser.action.getBadgeText({ tabId: 3 })).toBe('1');
  });

  it('answers without waiting for the badge, and reports a badge that cannot be set', async () => {
    let setBadge = (_error: Error) => {};
    vi.spyOn(fakeBrowser.action, 'setBadgeText').mockReturnValue(
      new Promise((_, reject) => {
        setBadge = reject;
      }),
    );
    const reported = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect((await tabDetections(3, { detect: finding([page]) })).detections).toEqual([page]);
    setBadge(new Error('No tab with id: 3.'));
    await vi.waitFor(() => expect(reported).toHaveBeenCalledWith(expect.any(String), expect.any(Error)));
  });

  it('puts a fresh context-menu link first, and drops the reading error it answers', async () => {
    await pendingContexts.set('3', { kind: 'link', at: 1000, linkUrl: 'https://example.org/b', linkText: 'B' });
    const result = await tabDetections(3, { detect: finding([], 'Nothing to declare here.'), now: () => 2000 });
    expect(result.detections.map((d) => [d.title, d.via])).toEqual([['B', 'context-menu-link']]);
    expect(result.error).toBeUndefined();
    expect(await fakeBrowser.action.getBadgeText({ tabId: 3 })).toBe('1');
  });

  it('forgets a stale click and keeps the error', async () => {
    await pendingContexts.set('3', { kind: 'link', at: 0, linkUrl: 'https://example.org/b' });
    const result = await tabDetections(3, {
      detect: finding([], 'Nothing to declare here.'),
      now: () => CONTEXT_TTL_MS + 1,
    });
    expect(result).toMatchObject({ detections: [], error: 'Nothing to declare here.' });
    expect(await fakeBrowser.action.getBadgeText({ tabId: 3 })).toBe('');
  });

  it('reads the active tab when none is named, and says so when there is none', async () => {
    const asked: number[] = [];
    const detect = async (tabId: number) => {
      asked.push(tabId);
      return { tabId, detections: [] };
    };
    expect(await tabDetections(undefined, { detect })).toEqual({
      tabId: -1,
      detections: [],
      error: 'No tab is active.',
    });
    // The fake keeps no focused window of its own: the browser's answer is given here.
    const query = vi.spyOn(fakeBrowser.tabs, 'query').mockResolvedValue([{ id: 9 }] as never);
    await tabDetections(undefined, { detect });
    expect(query).toHaveBeenCalledWith({ active: true, lastFocusedWindow: true });
    expect(asked).toEqual([9]);
  });
});
