// @vitest-environment happy-dom
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { confluence, pageFromUrl } from './confluence';
import { loadFixtures } from './fixtures/fixtures';
import { Detection } from './types';

const parse = (html: string) => new DOMParser().parseFromString(html, 'text/html') as unknown as Document;
const page = (head: string, body: string) =>
  parse(`<!doctype html><html><head>${head}</head><body>${body}</body></html>`);
const RENDERER = '<div data-testid="renderer-document"><p>Body</p></div>';
const PAGE_URL = new URL('https://acme.atlassian.net/wiki/spaces/RM/pages/123/Slug+Title');

describe('confluence fixtures', () => {
  for (const fixture of loadFixtures('confluence')) {
    it(`${fixture.file} gives its expected detections`, () => {
      const doc = parse(fixture.html);
      const before = doc.documentElement.outerHTML;
      const detections = confluence.detect(doc, new URL(fixture.url));
      expect(detections).toEqual(fixture.expected);
      for (const detection of detections) expect(v.parse(Detection, detection)).toEqual(detection);
      expect(doc.documentElement.outerHTML).toBe(before);
    });
  }
});

describe('confluence URL grammar', () => {
  const cases: [string, ReturnType<typeof pageFromUrl>][] = [
    [
      'https://a.atlassian.net/wiki/spaces/RM/pages/2147713025/Records+Retention+Policy',
      { pageId: '2147713025', spaceKey: 'RM', slug: 'Records Retention Policy', blog: false },
    ],
    ['https://a.atlassian.net/wiki/spaces/RM/pages/55', { pageId: '55', spaceKey: 'RM', slug: '', blog: false }],
    [
      'https://a.atlassian.net/wiki/spaces/~5b10a2844c/blog/2026/11/20/77/Week+1',
      { pageId: '77', spaceKey: '~5b10a2844c', slug: 'Week 1', blog: true },
    ],
    ['https://a.atlassian.net/wiki/spaces/RM/blog/78', { pageId: '78', spaceKey: 'RM', slug: '', blog: true }],
    ['https://a.atlassian.net/wiki/pages/viewpage.action?pageId=98309', { pageId: '98309' }],
    ['https://a.atlassian.net/wiki/pages/viewpage.action?pageId=abc', {}],
    [
      'https://a.atlassian.net/wiki/spaces/RM/pages/12/%E0%A4%A',
      { pageId: '12', spaceKey: 'RM', slug: '%E0%A4%A', blog: false },
    ],
    ['https://a.atlassian.net/wiki/x/AYCAfw', {}],
    ['https://a.atlassian.net/wiki/home', {}],
  ];
  for (const [url, expected] of cases) it(`reads ${url}`, () => expect(pageFromUrl(new URL(url))).toEqual(expected));

  const yes = ['https://a.atlassian.net/wiki/spaces/RM/pages/1/X', 'https://a.atlassian.net/wiki/home'];
  const no = [
    'http://a.atlassian.net/wiki/spaces/RM/pages/1/X',
    'https://a.atlassian.net/browse/REC-1',
    'https://a.atlassian.net.evil.example/wiki/spaces/RM/pages/1/X',
    'https://confluence.example.org/wiki/spaces/RM/pages/1/X',
  ];
  for (const url of yes) it(`matches ${url}`, () => expect(confluence.matches(new URL(url))).toBe(true));
  for (const url of no) it(`rejects ${url}`, () => expect(confluence.matches(new URL(url))).toBe(false));
});

describe('confluence signals and fallbacks', () => {
  it('takes the title from ajs-page-title, then the document title, then the URL slug', () => {
    const meta = '<meta name="ajs-page-title" content="From meta"><title>From title - Space - Confluence</title>';
    expect(confluence.detect(page(meta, RENDERER), PAGE_URL)[0]?.title).toBe('From meta');
    const title = '<title>A - B - Space - Confluence</title>';
    expect(confluence.detect(page(title, RENDERER), PAGE_URL)[0]?.title).toBe('A - B');
    expect(confluence.detect(page('<title>Loading…</title>', RENDERER), PAGE_URL)[0]?.title).toBe('Slug Title');
  });

  it('reads the page id from the AJS meta tags when the URL has none', () => {
    const doc = page('<meta name="ajs-latest-page-id" content="4242"><title>T - S - Confluence</title>', '');
    const [d] = confluence.detect(doc, new URL('https://acme.atlassian.net/wiki/x/kBAB'));
    expect(d?.source.sourceId).toBe('confluence:acme.atlassian.net:4242');
    expect(d?.via).toBe('ajs-meta');
  });

  it('needs the page to show a page, not just the URL', () => {
    expect(confluence.detect(page('<title>T - S - Confluence</title>', '<div id="root"></div>'), PAGE_URL)).toEqual([]);
  });

  it('gives nothing while the page in the DOM is another one than the URL names', () => {
    const doc = page('<meta name="ajs-page-id" content="999"><meta name="ajs-page-title" content="Old">', RENDERER);
    expect(confluence.detect(doc, PAGE_URL)).toEqual([]);
  });

  it('captures the Word export, named after the page', () => {
    const doc = page('<meta name="ajs-page-title" content="Q3: report/final?">', RENDERER);
    expect(confluence.detect(doc, PAGE_URL)[0]?.capture).toEqual({
      parts: [
        {
          source: 'fetch',
          url: 'https://acme.atlassian.net/wiki/exportword?pageId=123',
          name: 'Q3_ report_final_.doc',
          mimeType: 'application/msword',
          role: 'primary',
        },
      ],
    });
  });
});

describe('confluence never throws', () => {
  it('returns [] when the document itself throws', () => {
    const hostile = new Proxy({} as Document, {
      get() {
        throw new Error('boom');
      },
    });
    expect(confluence.detect(hostile, PAGE_URL)).toEqual([]);
  });

  it('stays bounded on 10 000 meta tags and page ids', () => {
    const metas = Array.from({ length: 10_000 }, (_, i) => `<meta name="ajs-page-id" content="${i + 1}">`).join('');
    const ids = Array.from({ length: 10_000 }, (_, i) => `<div data-page-id="${i + 1}"></div>`).join('');
    const detections = confluence.detect(page(`${metas}<title>T - S - Confluence</title>`, ids + RENDERER), PAGE_URL);
    expect(detections).toEqual([]); // the first stated id (1) is not the URL's (123): a page in transition
    const [d] = confluence.detect(
      page(`${metas}<title>T - S - Confluence</title>`, ids + RENDERER),
      new URL('https://acme.atlassian.net/wiki/spaces/RM/pages/1/T'),
    );
    expect(d?.title).toBe('T');
  });
});

describe('confluence stays off other apps’ pages', () => {
  const others = ['gmail', 'generic', 'confluence', 'jira', 'slack', 'salesforce'].filter(
    (site) => site !== 'confluence',
  );
  for (const fixture of others.flatMap((site) => loadFixtures(site))) {
    it(`finds nothing on ${fixture.site}/${fixture.file}`, () => {
      const url = new URL(fixture.url);
      expect(confluence.matches(url) ? confluence.detect(parse(fixture.html), url) : []).toEqual([]);
    });
  }
});
