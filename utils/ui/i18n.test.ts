import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { translator } from './i18n';

const load = (lang: string) =>
  JSON.parse(readFileSync(`public/_locales/${lang}/messages.json`, 'utf8')) as Record<string, { message: string }>;
const en = load('en');
const fr = load('fr');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !/\.test\./.test(name) ? [path] : [];
  });
}

/** Every key the UI asks for: `t('key'`, the values of its key maps, the suggestion reasons and audit actions. */
function usedKeys(): Set<string> {
  const keys = new Set<string>();
  for (const file of [...sources('components'), ...sources('entrypoints/popup'), ...sources('entrypoints/options')]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bt\('([A-Za-z0-9_]+)'/g)) keys.add(m[1]!);
    for (const map of text.matchAll(/(?:_KEYS|LABELS)[^=]*=\s*\{([^}]*)\}/g))
      for (const m of map[1]!.matchAll(/:\s*'([A-Za-z0-9_]+)'/g)) keys.add(m[1]!);
  }
  for (const m of readFileSync('utils/presets/suggest.ts', 'utf8').matchAll(/'(reason[A-Za-z]+)'/g)) keys.add(m[1]!);
  for (const action of ['declared', 'retried', 'discarded', 'synced']) keys.add(`audit_${action}`);
  return keys;
}

describe('locales', () => {
  it('English and French have the same keys', () => {
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
  });

  it('has every key the UI uses, in both languages', () => {
    const used = usedKeys();
    expect(used.size).toBeGreaterThan(100);
    expect([...used].filter((key) => !en[key])).toEqual([]);
    expect([...used].filter((key) => !fr[key])).toEqual([]);
  });

  it('uses the same substitutions in both languages, and only $1…$9', () => {
    const subs = (text: string) => [...text.matchAll(/\$(\d)/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en)) {
      expect(subs(fr[key]!.message), key).toEqual(subs(en[key]!.message));
      expect(en[key]!.message, key).not.toMatch(/\$(?![1-9])/);
    }
  });
});

describe('translator', () => {
  it('fills substitutions and shows a missing key as itself', () => {
    const t = translator({ a: { message: 'Declare $1 items ($2)' } });
    expect(t('a', [3, 'x'])).toBe('Declare 3 items (x)');
    expect(t('a', 'one')).toBe('Declare one items ()');
    expect(t('missing')).toBe('missing');
  });
});
