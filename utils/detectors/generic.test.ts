// @vitest-environment happy-dom
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { itDetectsFixtures, itReportsThrowing, parse, primaryFetch } from './fixtures/support';
import { generic } from './generic';
import { Detection } from './types';

const page = (head: string, attrs = '') =>
  parse(`<!doctype html><html${attrs}><head>${head}</head><body></body></html>`);
const detectOne = (doc: Document, url = 'https://example.org/a') => {
  const detections = generic.detect(doc, new URL(url));
  expect(detections).toHaveLength(1);
  return v.parse(Detection, detections[0]);
};

describe('generic fixtures', () => {
  itDetectsFixtures(generic, 'generic', (fixture) => `${fixture.file} gives its expected detection`);
});

describe('generic sources', () => {
  it('lets a better source win each field and a lesser one fill the gaps', () => {
    const d = detectOne(
      page(`<title>Title tag</title>
        <meta property="og:title" content="OG title"><meta property="og:description" content="OG description">
        <meta name="DC.title" content="DC title"><meta name="DC.creator" content="Dee Cee">
        <meta name="citation_title" content="Citation title"><meta name="citation_publication_date" content="2020">`),
    );
    expect(d.title).toBe('Citation title');
    expect(d.via).toBe('citation');
    expect(d.metadata.author).toEqual(['Dee Cee']);
    expect(d.metadata.description).toBe('OG description');
    expect(d.metadata.dateCreated).toBe('2020-01-01T00:00:00Z');
    expect(d.source.kind).toBe('document');
  });

  it('reads JSON-LD arrays, @graph and schema.org type URLs, and prefers the document over the page node', () => {
    const ld = JSON.stringify([
      { '@type': 'WebPage', name: 'The page' },
      { '@graph': [{ '@type': 'http://schema.org/ScholarlyArticle', headline: 'The paper', author: 'A. Author' }] },
    ]);
    const d = detectOne(page(`<script type="application/ld+json">${ld}</script>`));
    expect(d.title).toBe('The paper');
    expect(d.metadata.author).toEqual(['A. Author']);
    expect(d.source.kind).toBe('document');
  });

  it('treats a JSON-LD web page as a page, and ignores JSON-LD that describes no page', () => {
    const webPage = detectOne(page('<script type="application/ld+json">{"@type":"WebPage","name":"Home"}</script>'));
    expect(webPage).toMatchObject({ title: 'Home', via: 'json-ld', source: { kind: 'page' } });
    const orgOnly = detectOne(
      page(
        '<title>Real title</title><script type="application/ld+json">{"@type":"Organization","name":"ACME"}</script>',
      ),
    );
    expect(orgOnly).toMatchObject({ title: 'Real title', via: 'title' });
  });

  it('uses the canonical link, then og:url, then the cleaned page URL as sourceId', () => {
    const url = 'https://example.org/a?utm_source=x&id=7&fbclid=1&gclid=2#frag';
    expect(detectOne(page('<link rel="canonical" href="/canon">'), url).source.sourceId).toBe(
      'https://example.org/canon',
    );
    expect(detectOne(page('<link rel="canonical" href="/canon">'), url).via).toBe('canonical');
    expect(detectOne(page('<meta property="og:url" content="https://example.org/og">'), url).source.sourceId).toBe(
      'https://example.org/og',
    );
    expect(detectOne(page(''), url).source.sourceId).toBe('https://example.org/a?id=7');
  });

  it('names the page after its address when nothing else does', () => {
    expect(detectOne(page(''), 'https://example.org/docs/x').title).toBe('example.org/docs/x');
    expect(detectOne(page(''), 'https://example.org/docs/x').via).toBe('url');
  });

  it('normalises dates to UTC and drops what it cannot read', () => {
    const d = detectOne(
      page(`<meta property="article:published_time" content="2026-11-20T10:14:00+01:00">
            <meta property="article:modified_time" content="last Tuesday">`),
    );
    expect(d.metadata.dateCreated).toBe('2026-11-20T09:14:00Z');
    expect(d.metadata.dateModified).toBeUndefined();
  });

  it('takes the language from <html lang> when no metadata gives one', () => {
    expect(detectOne(page('<title>x</title>', ' lang="de-CH"')).metadata.language).toBe('de-CH');
    expect(detectOne(page('<title>x</title>', ' lang="not a language!"')).metadata.language).toBeUndefined();
  });

  it('resolves a relative PDF URL and refuses a non-http one', () => {
    const relative = detectOne(page('<meta name="citation_pdf_url" content="/files/paper%20one.pdf">'));
    expect(relative.capture).toEqual({
      parts: [primaryFetch('https://example.org/files/paper%20one.pdf', 'paper_one.pdf', 'application/pdf')],
    });
    expect(detectOne(page('<meta name="citation_pdf_url" content="javascript:alert(1)">')).capture).toEqual({
      parts: [],
    });
  });
});

describe('generic URL gate', () => {
  it('matches http and https only', () => {
    expect(generic.matches(new URL('https://example.org/'))).toBe(true);
    expect(generic.matches(new URL('http://example.org/'))).toBe(true);
    for (const url of [
      'file:///tmp/a.html',
      'chrome://extensions/',
      'about:blank',
      'data:text/html,hi',
      'ftp://x.org/',
    ]) {
      expect(generic.matches(new URL(url))).toBe(false);
      expect(generic.detect(page('<title>x</title>'), new URL(url))).toEqual([]);
    }
  });

  itReportsThrowing(generic, 'https://example.org/');
});
