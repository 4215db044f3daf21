import * as v from 'valibot';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { syncAppScripts } from '../presets-store/site-scripts';
import { AppHostsSchema, EMPTY_PRESETS, PresetsSchema } from './schema';
import { APP_SCRIPT_PREFIX, appHostPatterns, appHostScripts } from './site-scripts';

/** Presets `appHosts`: built-in apps on an organisation's own hosts, read by the app's own content script. */

describe('presets appHosts', () => {
  it('accepts match patterns per built-in app and refuses anything else', () => {
    const ok = { confluence: ['https://wiki.example.org/*'], outlook: ['https://mail.example.org:8443/owa/*'] };
    expect(v.parse(AppHostsSchema, ok)).toEqual(ok);
    expect(v.safeParse(AppHostsSchema, { gmail: ['https://mail.example.org/*'] }).success).toBe(false);
    expect(v.safeParse(AppHostsSchema, { jira: ['<all_urls>'] }).success).toBe(false);
    expect(v.safeParse(AppHostsSchema, { jira: ['https://*/*'] }).success).toBe(false);
    expect(v.safeParse(AppHostsSchema, { jira: ['wiki.example.org'] }).success).toBe(false);
  });

  it('defaults to none, so existing presets documents stay valid', () => {
    expect(v.parse(PresetsSchema, { version: 1 }).appHosts).toEqual({});
    expect(EMPTY_PRESETS.appHosts).toEqual({});
  });

  it('maps each app to its content script, Confluence and Jira to the Atlassian one, ports dropped', () => {
    const scripts = appHostScripts({
      confluence: ['https://wiki.example.org/*'],
      jira: ['https://jira.example.org:8443/*'],
      sharepoint: ['https://intranet.example.org/*'],
    });
    expect(Object.fromEntries(scripts)).toEqual({
      atlassian: ['https://wiki.example.org/*', 'https://jira.example.org/*'],
      sharepoint: ['https://intranet.example.org/*'],
    });
    expect(appHostPatterns({ outlook: ['https://mail.example.org/owa/*'] })).toEqual([
      'https://mail.example.org/owa/*',
    ]);
  });
});

describe('syncAppScripts', () => {
  const granted = new Set<string>();
  let registered: { id: string; matches?: string[]; js?: string[] }[] = [];

  beforeEach(() => {
    fakeBrowser.reset();
    granted.clear();
    registered = [
      { id: `${APP_SCRIPT_PREFIX}outlook`, matches: ['https://old.example.org/*'], js: [] },
      { id: 'other' },
    ];
    Object.assign(fakeBrowser, {
      scripting: {
        getRegisteredContentScripts: async () => registered,
        unregisterContentScripts: async ({ ids }: { ids: string[] }) => {
          registered = registered.filter((s) => !ids.includes(s.id));
        },
        registerContentScripts: async (scripts: typeof registered) => {
          registered.push(...scripts);
        },
      },
    });
    fakeBrowser.permissions.contains = async ({ origins }) => (origins ?? []).every((o) => granted.has(o));
  });

  it('registers the app’s own script on the granted hosts only, and says which wait for the grant', async () => {
    granted.add('https://wiki.example.org/*');
    const result = await syncAppScripts({
      confluence: ['https://wiki.example.org/*'],
      jira: ['https://jira.example.org/*'],
    });
    expect(result).toEqual({ registered: ['https://wiki.example.org/*'], needsGrant: ['https://jira.example.org/*'] });
    expect(registered).toEqual([
      { id: 'other' },
      {
        id: `${APP_SCRIPT_PREFIX}atlassian`,
        matches: ['https://wiki.example.org/*'],
        js: ['content-scripts/atlassian.js'],
        runAt: 'document_idle',
        persistAcrossSessions: true,
      },
    ]);
  });
});
