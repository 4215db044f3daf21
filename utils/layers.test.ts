import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLayers, DOMAIN } from '../scripts/layers';

// The rule is written in README.md ("Layers"): the domain imports no effects, directly or through a helper.
describe('layers', () => {
  it('keeps every domain module free of effects', () => {
    const { violations, scanned } = checkLayers(join(import.meta.dirname, '..'));
    // The scan found the domain at all: a moved folder must move the rule with it.
    for (const folder of DOMAIN) expect(scanned.some((file) => file.startsWith(folder))).toBe(true);
    expect(violations).toEqual([]);
    // Parsing the tree takes seconds on a busy machine.
  }, 120_000);

  describe('the check itself', () => {
    const tree = (files: Record<string, string>) => {
      const root = mkdtempSync(join(tmpdir(), 'layers-'));
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), text);
      }
      return root;
    };
    /** The violations the check finds in a tree of these files, as `file -> via -> ...`, sorted. */
    const violationsIn = (files: Record<string, string>) =>
      checkLayers(tree(files))
        .violations.map((v) => `${v.file} -> ${v.via.join(' -> ')}`)
        .sort();

    it('names a domain file that imports the outbox, messages or the browser, even for types', () => {
      const found = violationsIn({
        'utils/outbox/outbox.ts': 'export const enqueue = () => 1;',
        'utils/messaging.ts': 'export type Ask = { a: 1 };',
        'utils/records/a.ts': "import { enqueue } from '../outbox/outbox';\nexport const a = enqueue;",
        'utils/presets/b.ts': "import type { Ask } from '../messaging';\nexport type B = Ask;",
        'utils/detectors/c.ts': "import { browser } from 'wxt/browser';\nexport const c = browser;",
        'utils/detectors/d.ts': "export const d = () => import('ky');",
      });
      expect(found).toEqual([
        'utils/detectors/c.ts -> wxt/browser',
        'utils/detectors/d.ts -> ky',
        'utils/presets/b.ts -> utils/messaging.ts',
        'utils/records/a.ts -> utils/outbox/outbox.ts',
      ]);
    });

    it('follows helpers outside the domain to the effect they reach, and sees effectful globals', () => {
      const found = violationsIn({
        'utils/http.ts': 'export const get = (url: string) => fetch(url);',
        'utils/helper.ts': "export { get } from './http';",
        'utils/pure.ts': 'export const twice = (n: number) => n * 2;',
        'utils/records/a.ts':
          "import { get } from '../helper';\nimport { twice } from '../pure';\nexport { get, twice };",
        'utils/records/b.ts': 'export const b = () => chrome.runtime.id;',
        // A parameter or a property that happens to be called `fetch` is not the global.
        'utils/records/c.ts': 'export const c = (fetch: () => 1, o: { fetch: 1 }) => [fetch(), o.fetch];',
      });
      expect(found).toEqual([
        'utils/records/a.ts -> utils/helper.ts -> utils/http.ts -> global fetch',
        'utils/records/b.ts -> global chrome',
      ]);
    });
  });
});
