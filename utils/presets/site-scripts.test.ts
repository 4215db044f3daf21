import { describe, expect, it } from 'vitest';
import type { Site } from './schema';
import { browserPatterns, sitesFor } from './site-scripts';

const dms = {
  id: 'acme-dms',
  title: 'ACME DMS',
  matches: ['https://dms.acme.example:8443/doc/*', 'https://*.acme.example/records/*'],
  kind: 'document',
  fields: { title: { selector: 'h1' }, sourceId: { selector: 'meta[name=doc-id]', attribute: 'content' } },
} as unknown as Site;

describe('site plugin scripts', () => {
  it('gives the browser port-less match patterns', () => {
    expect(browserPatterns([dms])).toEqual(['https://dms.acme.example/doc/*', 'https://*.acme.example/records/*']);
  });
  it('finds the sites whose pages a URL is on', () => {
    expect(sitesFor([dms], 'https://dms.acme.example:8443/doc/42')).toEqual([dms]);
    expect(sitesFor([dms], 'https://dms.acme.example/other')).toEqual([]);
    expect(sitesFor([dms], 'not a url')).toEqual([]);
  });
});
