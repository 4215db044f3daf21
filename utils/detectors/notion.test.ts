// @vitest-environment happy-dom
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { loadFixtures } from './fixtures/fixtures';
import { expectRunnerReports } from './fixtures/reported';
import { notion, parseNotionUrl, toUuid } from './notion';
import { Detection } from './types';

const parse = (html: string) => new DOMParser().parseFromString(html, 'text/html') as unknown as Document;
const page = (body: string, head = '') => parse(`<!doctype html><html><head>${head}</head><body>${body}</body></html>`);
const content =
  '<div class="notion-page-content"><div data-block-id="5f0b3a52-7d1e-4b8a-9c6d-2e4f8a1b3c5d">x</div></div>';
const PAGE = 'https://www.notion.so/acme/Development-Lifecycle-1d5b23c7ac364a0fa286b5fbfaeff687';

describe('notion fixtures', () => {
  for (const fixture of loadFixtures('notion')) {
    it(`${fixture.file} gives its expected detections`, () => {
      const doc = parse(fixture.html);
      const before = doc.documentElement.outerHTML;
      const detections = notion.detect(doc, new URL(fixture.url));
      expect(detections).toEqual(fixture.expected);
      for (const detection of detections) expect(v.parse(Detection, detection)).toEqual(detection);
      expect(doc.documentElement.outerHTML).toBe(before);
    });
  }

  it('captures every page as a snapshot', () => {
    for (const fixture of loadFixtures('notion')) {
      for (const d of notion.detect(parse(fixture.html), new URL(fixture.url))) {
        expect(d.capture).toEqual({ parts: [{ source: 'snapshot', name: 'page.html', role: 'primary' }] });
      }
    }
  });
});

describe('notion URL gate', () => {
  const yes = [
    PAGE,
    'https://notion.so/acme/Development-Lifecycle-1d5b23c7ac364a0fa286b5fbfaeff687',
    'https://www.notion.so/Development-Lifecycle-1d5b23c7ac364a0fa286b5fbfaeff687',
    'https://www.notion.so/1d5b23c7ac364a0fa286b5fbfaeff687',
    'https://www.notion.so/49e5279dce9e4d3bb346360b5395b6ab?v=9b0c8d7e6f5a4b3c2d1e0f9a8b7c6d5e',
    'https://www.notion.so/acme?p=8a1c2b3d4e5f4a6b8c7d9e0f1a2b3c4d&pm=s',
    'https://app.notion.com/p/Development-Lifecycle-1d5b23c7ac364a0fa286b5fbfaeff687',
    'https://acme.notion.site/Records-Retention-Policy-49e5279dce9e4d3bb346360b5395b6ac',
    'https://acme.notion.site/1d5b23c7-ac36-4a0f-a286-b5fbfaeff687',
  ];
  const no = [
    'http://www.notion.so/1d5b23c7ac364a0fa286b5fbfaeff687',
    'https://www.notion.so/',
    'https://www.notion.so/acme',
    'https://www.notion.so/login',
    'https://www.notion.so/acme/Not-an-id-1d5b23c7',
    'https://www.notion.so/a/b/c-1d5b23c7ac364a0fa286b5fbfaeff687',
    'https://www.notion.so.evil.example/1d5b23c7ac364a0fa286b5fbfaeff687',
    'https://notion.site.evil.example/1d5b23c7ac364a0fa286b5fbfaeff687',
    'https://evil.example/1d5b23c7ac364a0fa286b5fbfaeff687',
  ];
  for (const url of yes) it(`matches ${url}`, () => expect(notion.matches(new URL(url))).toBe(true));
  for (const url of no) it(`rejects ${url}`, () => expect(notion.matches(new URL(url))).toBe(false));

  it('normalises ids to dashed lower-case UUIDs', () => {
    expect(toUuid('Development-Lifecycle-1D5B23C7AC364A0FA286B5FBFAEFF687')).toBe(
      '1d5b23c7-ac36-4a0f-a286-b5fbfaeff687',
    );
    expect(toUuid('1d5b23c7-ac36-4a0f-a286-b5fbfaeff687')).toBe('1d5b23c7-ac36-4a0f-a286-b5fbfaeff687');
    expect(toUuid('xyz')).toBeUndefined();
  });

  it('reads workspace, view and peek', () => {
    expect(
      parseNotionUrl(
        new URL(
          'https://www.notion.so/acme/49e5279dce9e4d3bb346360b5395b6ab?v=9b0c8d7e6f5a4b3c2d1e0f9a8b7c6d5e&p=8a1c2b3d4e5f4a6b8c7d9e0f1a2b3c4d&pm=s',
        ),
      ),
    ).toEqual({
      pageId: '8a1c2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      slug: '',
      workspace: 'acme',
      parentId: '49e5279d-ce9e-4d3b-b346-360b5395b6ab',
    });
  });
});

describe('notion title fallbacks', () => {
  it('uses the header block, then <title> without " | Notion", then the URL slug', () => {
    const header =
      '<div data-block-id="1d5b23c7-ac36-4a0f-a286-b5fbfaeff687" class="notion-page-block"><h1 placeholder="Untitled">From block</h1></div>';
    expect(notion.detect(page(header + content, '<title>From title</title>'), new URL(PAGE))[0]).toMatchObject({
      title: 'From block',
      via: 'data-attribute',
    });
    expect(notion.detect(page(content, '<title>From title | Notion</title>'), new URL(PAGE))[0]).toMatchObject({
      title: 'From title',
      via: 'title',
    });
    expect(notion.detect(page(content, '<title>Notion</title>'), new URL(PAGE))[0]).toMatchObject({
      title: 'Development Lifecycle',
      via: 'url-id',
    });
    expect(
      notion.detect(page(content), new URL('https://www.notion.so/1d5b23c7ac364a0fa286b5fbfaeff687'))[0]?.title,
    ).toBe('Untitled');
  });

  it('does not take the title of a sub-page block or of a database row', () => {
    const body = `${content}<div data-block-id="0a9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c" class="notion-page-block"><h1>Child</h1></div>`;
    expect(notion.detect(page(body, '<title>Parent</title>'), new URL(PAGE))[0]?.title).toBe('Parent');
    const row =
      '<div data-block-id="1d5b23c7-ac36-4a0f-a286-b5fbfaeff687" class="notion-page-block notion-collection-item"><div role="cell">Row text</div><div role="cell">Other</div></div>';
    expect(notion.detect(page(row, '<title>Parent</title>'), new URL(PAGE))[0]?.title).toBe('Parent');
  });

  it('reads the description only on public notion.site pages', () => {
    const head = '<title>T</title><meta name="description" content="About &lt;script&gt;x&lt;/script&gt;it">';
    const site = notion.detect(
      page(content, head),
      new URL('https://acme.notion.site/1d5b23c7ac364a0fa286b5fbfaeff687'),
    );
    expect(site[0]?.metadata.description).toBe('About x it');
    expect(notion.detect(page(content, head), new URL(PAGE))[0]?.metadata.description).toBeUndefined();
  });

  it('gives nothing while only the app chrome is shown', () => {
    expect(notion.detect(page('<div id="notion-app"><main class="notion-frame"></main></div>'), new URL(PAGE))).toEqual(
      [],
    );
  });
});

describe('notion never throws and stays bounded', () => {
  it('does not hide a document that throws: the runner reports it', () => {
    const hostile = new Proxy({} as Document, {
      get() {
        throw new Error('boom');
      },
    });
    expectRunnerReports(notion, hostile, PAGE);
  });

  it('gives one detection on a page of 10 000 blocks', () => {
    const blocks = Array.from(
      { length: 10_000 },
      (_, i) =>
        `<div data-block-id="1d5b23c7-ac36-4a0f-a286-b5fbfaeff687" class="notion-page-block"><div>${i}</div></div>`,
    );
    const detections = notion.detect(
      page(`<div class="notion-page-content">${blocks.join('')}</div>`, '<title>Big</title>'),
      new URL(PAGE),
    );
    expect(detections).toHaveLength(1);
    expect(detections[0]?.title).toBe('Big');
  }, 120_000);

  it('ignores a huge URL and keeps a huge title within bounds', () => {
    expect(notion.detect(page(content), new URL(`${PAGE}?x=${'y'.repeat(9000)}`))).toEqual([]);
    const [d] = notion.detect(page(content, `<title>${'T'.repeat(50_000)}</title>`), new URL(PAGE));
    expect(d?.title.length).toBe(1024);
    expect(v.parse(Detection, d)).toEqual(d);
  });
});
