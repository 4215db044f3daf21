// @vitest-environment happy-dom
import { readFileSync, writeFileSync } from 'node:fs';
import { it } from 'vitest';
import { gmail } from './gmail';
it('dump', () => {
  process.env.TZ = 'UTC';
  const dir = new URL('./fixtures/gmail/', import.meta.url);
  for (const f of JSON.parse(readFileSync(new URL('index.json', dir), 'utf8'))) {
    const doc = new DOMParser().parseFromString(readFileSync(new URL(f.file, dir), 'utf8'), 'text/html');
    const out = gmail.detect(doc as unknown as Document, new URL(f.url));
    writeFileSync(`/tmp/fx/${f.expected}`, `${JSON.stringify(out, null, 2)}\n`);
  }
});
