import { beforeEach, describe, expect, it, vi } from 'vitest';

/**
 * The background's detect path (tab.ts): on a known app's page it waits for the app's own content script and never
 * injects the on-demand all-detectors script; elsewhere it injects that script on the user's gesture.
 */

const state = vi.hoisted(() => ({
  tab: { id: 7, url: 'https://mail.google.com/mail/u/0/#inbox/abc', status: 'loading' as string },
  answersAfter: Number.POSITIVE_INFINITY,
  asked: 0,
  injected: [] as string[][],
  registered: [] as { id: string; matches: string[]; js: string[] }[],
  /** While set, the browser has not answered which tab this is. */
  tabLookup: undefined as Promise<void> | undefined,
}));

vi.mock('wxt/browser', () => ({
  browser: {
    tabs: {
      get: async () => {
        await state.tabLookup;
        return { ...state.tab };
      },
    },
    runtime: {
      getManifest: () => ({
        content_scripts: [{ matches: ['https://mail.google.com/*'], js: ['content-scripts/gmail.js'] }],
      }),
    },
    scripting: {
      getRegisteredContentScripts: async () => state.registered,
      executeScript: async ({ files }: { files: string[] }) => {
        state.injected.push(files);
        // The app's own script, injected into a loaded page, answers from then on.
        if (files.some((f) => !f.endsWith('/page.js'))) state.answersAfter = state.asked;
        return [];
      },
    },
  },
}));

vi.mock('../messaging', () => ({
  sendToTab: async () => {
    state.asked += 1;
    if (state.asked <= state.answersAfter)
      throw new Error('Could not establish connection. Receiving end does not exist.');
    return [];
  },
}));

const { detectInTab } = await import('./tab');

beforeEach(() => {
  state.tab = { id: 7, url: 'https://mail.google.com/mail/u/0/#inbox/abc', status: 'loading' };
  state.answersAfter = Number.POSITIVE_INFINITY;
  state.asked = 0;
  state.injected = [];
  state.registered = [];
  state.tabLookup = undefined;
});

describe('detectInTab', () => {
  it('waits for the app’s script while its page loads, and never injects the on-demand script', async () => {
    state.answersAfter = 3; // the declared script arrives on the fourth try
    const result = await detectInTab(7, 10_000);
    expect(result).toEqual({ tabId: 7, detections: [] });
    expect(state.asked).toBe(4);
    expect(state.injected).toEqual([]);
  });

  it('injects the app’s own script into an app page that loaded without it, never page.js', async () => {
    state.tab.status = 'complete';
    const result = await detectInTab(7, 10_000);
    expect(result.error).toBeUndefined();
    expect(state.injected).toEqual([['/content-scripts/gmail.js']]);
  });

  it('says the page is still loading when the app’s script does not come in time', async () => {
    const result = await detectInTab(7, 300);
    expect(result).toEqual({
      tabId: 7,
      detections: [],
      error: 'The page is still loading. Try again once it has loaded.',
    });
    expect(state.injected).toEqual([]);
  });

  it('treats a host an admin registered a script for as a known app', async () => {
    state.tab.url = 'https://wiki.example.org/display/RM/X';
    state.registered = [
      {
        id: 'recordkeeper-app-atlassian',
        matches: ['https://wiki.example.org/*'],
        js: ['content-scripts/atlassian.js'],
      },
    ];
    state.tab.status = 'complete';
    await detectInTab(7, 10_000);
    expect(state.injected).toEqual([['/content-scripts/atlassian.js']]);
  });

  it('asks the tab’s script before the tab has been looked up: the popup waits for one round trip, not two', async () => {
    state.answersAfter = 0;
    let lookedUp = () => {};
    state.tabLookup = new Promise((resolve) => {
      lookedUp = resolve;
    });
    const result = detectInTab(7, 10_000);
    await vi.waitFor(() => expect(state.asked).toBe(1));
    lookedUp();
    expect(await result).toEqual({ tabId: 7, detections: [] });
    expect(state.asked).toBe(1);
  });

  it('injects the on-demand script anywhere else', async () => {
    state.tab.url = 'https://www.example.org/report';
    state.tab.status = 'complete';
    await detectInTab(7, 10_000);
    expect(state.injected).toEqual([['/content-scripts/page.js']]);
  });
});
