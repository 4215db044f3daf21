import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appScriptFor, appScripts, siteDetectors } from '../detectors/index';
import { scriptDetectors } from './content-script';

const ENTRYPOINTS = join(import.meta.dirname, '../../entrypoints');
/** Scripts that are not an app's: injected on the user's gesture, for site plugins, for snapshots or skeletons. */
const NOT_APPS = new Set(['page', 'sites', 'snapshot', 'skeleton']);

describe('app content scripts', () => {
  const files = readdirSync(ENTRYPOINTS)
    .filter((file) => file.endsWith('.content.ts'))
    .map((file) => file.replace(/\.content\.ts$/, ''))
    .filter((name) => !NOT_APPS.has(name));

  it('one per entry of appScripts, and every site detector in exactly one', () => {
    expect(new Set(files)).toEqual(new Set(appScripts.map((script) => script.name)));
    const ids = appScripts.flatMap((script) => script.detectors.map((detector) => detector.id));
    expect(ids.sort()).toEqual(siteDetectors.map((detector) => detector.id).sort());
  });

  for (const script of appScripts) {
    it(`entrypoints/${script.name}.content.ts comes from the factory with ${script.name}'s detectors`, async () => {
      const definition = (await import(join(ENTRYPOINTS, `${script.name}.content.ts`))).default;
      expect(scriptDetectors.get(definition)).toEqual(script.detectors.map((detector) => detector.id));
      expect(definition.matches).toEqual([...new Set(script.detectors.flatMap((detector) => detector.hosts))]);
      expect(definition.runAt).toBe('document_idle');
    });
  }

  it('finds the app of a URL by host, whatever the path', () => {
    expect(appScriptFor(new URL('https://docs.google.com/forms/d/1abc/edit'))?.name).toBe('google-docs');
    expect(appScriptFor(new URL('https://acme.atlassian.net/wiki/home'))?.name).toBe('atlassian');
    expect(appScriptFor(new URL('https://acme.atlassian.net/jira/your-work'))?.name).toBe('atlassian');
    expect(appScriptFor(new URL('https://wiki.example.org/display/RM/X'))).toBeUndefined();
  });
});
