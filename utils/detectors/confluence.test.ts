// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { confluence, pageFromUrl } from './confluence';
import { describeStaysOffOthers, itDetectsFixtures, itGatesUrls, parse, primaryFetch } from './fixtures/support';
import { runDetectorList } from './runner';

const page = (head: string, body: string) =>
  parse(`<!doctype html><html><head>${head}</head><body>${body}</body></html>`);
const RENDERER = '<div data-testid="renderer-document"><p>Body</p></div>';
const PAGE_URL = new URL('https://acme.atlassian.net/wiki/spaces/RM/pages/123/Slug+Title');

describe('confluence fixtures', () => {
  itDetectsFixtures(confluence, 'confluence');
});

describeStaysOffOthers(confluence, 'confluence');

describe('confluence URL grammar', () => {
  const cases: [string, ReturnType<typeof pageFromUrl>][] = [
    [
      'https://a.atlassian.net/wiki/spaces/RM/pages/2147713025/Records+Retention+Policy',
      { pageId: '2147713025', spaceKey: 'RM', slug: 'Records Retention Policy', blog: false, contextPath: '/wiki' },
    ],
    [
      'https://a.atlassian.net/wiki/spaces/RM/pages/55',
      { pageId: '55', spaceKey: 'RM', slug: '', blog: false, contextPath: '/wiki' },
    ],
    [
      'https://a.atlassian.net/wiki/spaces/~5b10a2844c/blog/2026/11/20/77/Week+1',
      { pageId: '77', spaceKey: '~5b10a2844c', slug: 'Week 1', blog: true, contextPath: '/wiki' },
    ],
    [
      'https://a.atlassian.net/wiki/spaces/RM/blog/78',
      { pageId: '78', spaceKey: 'RM', slug: '', blog: true, contextPath: '/wiki' },
    ],
    ['https://a.atlassian.net/wiki/pages/viewpage.action?pageId=98309', { pageId: '98309', contextPath: '/wiki' }],
    ['https://a.atlassian.net/wiki/pages/viewpage.action?pageId=abc', { contextPath: '/wiki' }],
    [
      'https://a.atlassian.net/wiki/spaces/RM/pages/12/%E0%A4%A',
      { pageId: '12', spaceKey: 'RM', slug: '%E0%A4%A', blog: false, contextPath: '/wiki' },
    ],
    ['https://a.atlassian.net/wiki/x/AYCAfw', { contextPath: '/wiki' }],
    [
      'https://wiki.example.org/confluence/display/RM/Vital+Records',
      { spaceKey: 'RM', slug: 'Vital Records', contextPath: '/confluence' },
    ],
    ['https://wiki.example.org/pages/viewpage.action?pageId=42', { pageId: '42', contextPath: '' }],
    ['https://a.atlassian.net/wiki/home', {}],
  ];
  for (const [url, expected] of cases) it(`reads ${url}`, () => expect(pageFromUrl(new URL(url))).toEqual(expected));
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
        primaryFetch(
          'https://acme.atlassian.net/wiki/exportword?pageId=123',
          'Q3_ report_final_.doc',
          'application/msword',
        ),
      ],
    });
  });
});

describe('confluence on its own host (Server / Data Center)', () => {
  it('needs Confluence’s own AJS page id off Cloud: a look-alike path gives nothing', () => {
    const url = new URL('https://shop.example.org/display/settings/colours');
    expect(confluence.matches(url)).toBe(true);
    expect(confluence.detect(page('<title>Display settings</title>', '<h1>Colours</h1>'), url)).toEqual([]);
  });

  it('exports under the context path the page states, or the one the URL shows', () => {
    const head = '<meta name="ajs-page-id" content="42"><meta name="ajs-page-title" content="T">';
    const at = (href: string, extra = '') =>
      confluence.detect(page(head + extra, ''), new URL(href))[0]?.capture.parts[0];
    expect(at('https://wiki.example.org/pages/viewpage.action?pageId=42')).toMatchObject({
      url: 'https://wiki.example.org/exportword?pageId=42',
    });
    expect(at('https://example.org/kb/display/RM/T')).toMatchObject({
      url: 'https://example.org/kb/exportword?pageId=42',
    });
    expect(at('https://example.org/kb/display/RM/T', '<meta name="ajs-context-path" content="/evil">')).toMatchObject({
      url: 'https://example.org/kb/exportword?pageId=42',
    });
  });

  it('reads the build marker for health counts', () => {
    const head = '<meta name="ajs-version-number" content="8.5.4"><meta name="ajs-build-number" content="9012">';
    expect(confluence.build?.(page(head, ''))).toBe('8.5.4+9012');
    expect(confluence.build?.(page('<meta name="ajs-version-number" content="<script>">', ''))).toBeUndefined();
  });
});

describe('confluence on hostile pages', () => {
  it('does not hide a failure: the runner reports a document that throws', () => {
    const hostile = new Proxy({} as Document, {
      get() {
        throw new Error('boom');
      },
    });
    const run = runDetectorList(hostile, PAGE_URL.href, [confluence], undefined);
    expect(run.detections).toEqual([]);
    expect(run.errors).toEqual([
      { detector: 'confluence', problem: 'detect-failed', message: 'Detector failed on this page: boom' },
    ]);
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
  }, 120_000);
});

describe('confluence URL grammar', () => {
  itGatesUrls(confluence, {
    yes: [
      'https://a.atlassian.net/wiki/spaces/RM/pages/1/X',
      'https://a.atlassian.net/wiki/home',
      // Server and Data Center on the organisation's own host, by their URL shapes (the page must then prove it).
      'https://confluence.example.org/wiki/spaces/RM/pages/1/X',
      'http://wiki.example.org/display/RM/Vital+Records',
      'https://intranet.example.org/confluence/pages/viewpage.action?pageId=42',
    ],
    no: [
      'http://a.atlassian.net/wiki/spaces/RM/pages/1/X',
      'https://a.atlassian.net/browse/REC-1',
      'https://confluence.example.org/dashboard.action',
      'https://www.example.org/blog/2026/a-post',
      'ftp://wiki.example.org/display/RM/X',
    ],
  });
});
