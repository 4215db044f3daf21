// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { loadFixtures } from './fixtures/fixtures';
import { expectValid, itDetectsFixtures, itGatesUrls, itReportsThrowing, parse } from './fixtures/support';
import { notion, parseNotionUrl, toUuid } from './notion';

const page = (body: string, head = '') => parse(`<!doctype html><html><head>${head}</head><body>${body}</body></html>`);
const content =
  '<div class="notion-page-content"><div data-block-id="5f0b3a52-7d1e-4b8a-9c6d-2e4f8a1b3c5d">x</div></div>';
const PAGE = 'https://www.notion.so/acme/Development-Lifecycle-1d5b23c7ac364a0fa286b5fbfaeff687';

describe('notion fixtures', () => {
  itDetectsFixtures(notion, 'notion', (fixture) => `${fixture.file} at ${fixture.url} gives its expected detections`);

  it('captures every page as a snapshot', () => {
    for (const fixture of loadFixtures('notion')) {
      for (const d of notion.detect(parse(fixture.html), new URL(fixture.url))) {
        expect(d.capture).toEqual({ parts: [{ source: 'snapshot', name: 'page.html', role: 'primary' }] });
      }
    }
  });
});

describe('notion URL gate', () => {
  itGatesUrls(notion, {
    yes: [
      PAGE,
      'https://notion.so/acme/Development-Lifecycle-1d5b23c7ac364a0fa286b5fbfaeff687',
      'https://www.notion.so/Development-Lifecycle-1d5b23c7ac364a0fa286b5fbfaeff687',
      'https://www.notion.so/1d5b23c7ac364a0fa286b5fbfaeff687',
      'https://www.notion.so/49e5279dce9e4d3bb346360b5395b6ab?v=9b0c8d7e6f5a4b3c2d1e0f9a8b7c6d5e',
      'https://www.notion.so/acme?p=8a1c2b3d4e5f4a6b8c7d9e0f1a2b3c4d&pm=s',
      'https://app.notion.com/p/Development-Lifecycle-1d5b23c7ac364a0fa286b5fbfaeff687',
      'https://acme.notion.site/Records-Retention-Policy-49e5279dce9e4d3bb346360b5395b6ac',
      'https://acme.notion.site/1d5b23c7-ac36-4a0f-a286-b5fbfaeff687',
      'https://app.notion.com/p/acme/Development-Lifecycle-1d5b23c7ac364a0fa286b5fbfaeff687',
      'https://app.notion.com/p/1d5b23c7ac364a0fa286b5fbfaeff687?source=copy_link',
      'https://app.notion.com/acme/Development-Lifecycle-1d5b23c7ac364a0fa286b5fbfaeff687',
      'https://app.notion.com/p/acme/49e5279dce9e4d3bb346360b5395b6ab?v=9b0c8d7e6f5a4b3c2d1e0f9a8b7c6d5e&p=8a1c2b3d4e5f4a6b8c7d9e0f1a2b3c4d&pm=c',
      'https://www.notion.so/acme/Development-Lifecycle-1d5b23c7ac364a0fa286b5fbfaeff687?pvs=4#5f0b3a527d1e4b8a9c6d2e4f8a1b3c5d',
      'https://www.notion.so/p/acme/Development-Lifecycle-1d5b23c7ac364a0fa286b5fbfaeff687',
      'https://www.notion.so/acme/49e5279dce9e4d3bb346360b5395b6ab?p=8a1c2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d&pm=s',
    ],
    no: [
      'http://www.notion.so/1d5b23c7ac364a0fa286b5fbfaeff687',
      'https://www.notion.so/',
      'https://www.notion.so/acme',
      'https://www.notion.so/login',
      'https://www.notion.so/acme/Not-an-id-1d5b23c7',
      'https://www.notion.so/a/b/c-1d5b23c7ac364a0fa286b5fbfaeff687',
      'https://app.notion.com/p/a/b/c-1d5b23c7ac364a0fa286b5fbfaeff687',
      'https://app.notion.com/p/acme',
      'https://app.notion.com/login',
      'https://app.notion.com/p/acme?p=not-an-id',
      'https://www.notion.so.evil.example/1d5b23c7ac364a0fa286b5fbfaeff687',
      'https://notion.site.evil.example/1d5b23c7ac364a0fa286b5fbfaeff687',
      'https://evil.example/1d5b23c7ac364a0fa286b5fbfaeff687',
    ],
  });

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

describe('notion URL shapes', () => {
  const pageId = '1d5b23c7-ac36-4a0f-a286-b5fbfaeff687';
  const db = '49e5279d-ce9e-4d3b-b346-360b5395b6ab';
  const peek = '8a1c2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
  const view = '9b0c8d7e-6f5a-4b3c-2d1e-0f9a8b7c6d5e';
  const cases: [string, ReturnType<typeof parseNotionUrl>][] = [
    // app.notion.com puts its pages under /p/, with or without the workspace slug.
    [
      'https://app.notion.com/p/acme/Development-Lifecycle-1d5b23c7ac364a0fa286b5fbfaeff687',
      { pageId, slug: 'Development-Lifecycle-', workspace: 'acme' },
    ],
    [
      'https://app.notion.com/p/Development-Lifecycle-1d5b23c7ac364a0fa286b5fbfaeff687',
      { pageId, slug: 'Development-Lifecycle-' },
    ],
    ['https://app.notion.com/p/1d5b23c7ac364a0fa286b5fbfaeff687?source=copy_link', { pageId, slug: '' }],
    [
      'https://app.notion.com/p/acme/49e5279dce9e4d3bb346360b5395b6ab?v=9b0c8d7e6f5a4b3c2d1e0f9a8b7c6d5e&p=8a1c2b3d4e5f4a6b8c7d9e0f1a2b3c4d&pm=c',
      { pageId: peek, slug: '', workspace: 'acme', parentId: db },
    ],
    // A peek over a workspace's home, and a peek whose id is dashed.
    [
      'https://www.notion.so/acme?p=8a1c2b3d4e5f4a6b8c7d9e0f1a2b3c4d&pm=s',
      { pageId: peek, slug: '', workspace: 'acme' },
    ],
    [
      'https://www.notion.so/acme/49e5279dce9e4d3bb346360b5395b6ab?p=8a1c2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d&pm=s',
      { pageId: peek, slug: '', workspace: 'acme', parentId: db },
    ],
    // Tracking parameters and block anchors do not change the page.
    [
      'https://www.notion.so/acme/Development-Lifecycle-1d5b23c7ac364a0fa286b5fbfaeff687?pvs=4#5f0b3a527d1e4b8a9c6d2e4f8a1b3c5d',
      { pageId, slug: 'Development-Lifecycle-', workspace: 'acme' },
    ],
    [
      'https://www.notion.so/acme/49e5279dce9e4d3bb346360b5395b6ab?v=9b0c8d7e6f5a4b3c2d1e0f9a8b7c6d5e&pvs=4',
      { pageId: db, slug: '', workspace: 'acme', viewId: view },
    ],
    ['https://acme.notion.site/1d5b23c7ac364a0fa286b5fbfaeff687?pvs=4', { pageId, slug: '', workspace: 'acme' }],
  ];
  for (const [url, expected] of cases) it(`reads ${url}`, () => expect(parseNotionUrl(new URL(url))).toEqual(expected));

  it('gives the same record for a page on every host and path shape', () => {
    const urls = [
      PAGE,
      'https://notion.so/acme/Development-Lifecycle-1d5b23c7ac364a0fa286b5fbfaeff687',
      'https://www.notion.so/1d5b23c7ac364a0fa286b5fbfaeff687?pvs=4',
      'https://app.notion.com/p/acme/Development-Lifecycle-1d5b23c7ac364a0fa286b5fbfaeff687',
      'https://app.notion.com/p/1d5b23c7ac364a0fa286b5fbfaeff687?source=copy_link',
      'https://www.notion.so/acme/49e5279dce9e4d3bb346360b5395b6ab?v=9b0c8d7e6f5a4b3c2d1e0f9a8b7c6d5e&p=1d5b23c7ac364a0fa286b5fbfaeff687&pm=s',
    ];
    const ids = urls.map((url) => notion.detect(page(content), new URL(url))[0]?.source.sourceId);
    expect(new Set(ids)).toEqual(new Set([`notion:${pageId}`]));
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
  itReportsThrowing(notion, PAGE);

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
    expectValid([d]);
  });
});
