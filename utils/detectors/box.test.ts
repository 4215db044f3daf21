// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { box, boxStreamData, parseBoxUrl } from './box';
import { loadFixtures } from './fixtures/fixtures';
import { expectValid, grid, itDetectsFixtures, itGatesUrls, itReportsThrowing, parse } from './fixtures/support';
import { mimeTypeFromName, safeFileName } from './text';

const page = (body: string, head = '') => parse(`<!doctype html><html><head>${head}</head><body>${body}</body></html>`);
const stream = (data: unknown) => `<script>Box.postStreamData = ${JSON.stringify(data)};</script>`;
const selectedRow = (href: string, text = 'file') =>
  `<div role="row" aria-selected="true"><div role="gridcell"><a href="${href}">${text}</a></div></div>`;

describe('box fixtures', () => {
  itDetectsFixtures(box, 'box');

  it('the e2e page fetches the download URL it serves bytes for', () => {
    const e2e = loadFixtures('box').find((f) => f.file === 'e2e-file.html')!;
    const [d] = box.detect(parse(e2e.html), new URL(e2e.url));
    const part = d?.capture.parts[0];
    expect(part?.source === 'fetch' && part.url).toBe(
      'https://app.box.com/index.php?rm=box_download_file&file_id=1062884591001',
    );
    expect(new URL(part?.source === 'fetch' ? part.url : '').origin).toBe(new URL(e2e.url).origin);
  });
});

describe('box URL gate', () => {
  itGatesUrls(box, {
    yes: [
      'https://app.box.com/file/1062884590215',
      'https://app.box.com/file/1062884590215?sb=/activity',
      'https://acme.app.box.com/file/1062884590215',
      'https://acme.ent.box.com/file/1062884590215',
      'https://acme.box.com/file/1062884590215',
      'https://app.box.com/notes/1062884590300',
      'https://app.box.com/folder/0',
      'https://app.box.com/s/0evd2o3e08l60lr4ygukepvnkord1o1x',
      'https://mlssoccer.app.box.com/s/0evd2o3e08l60lr4ygukepvnkord1o1x/file/510727257538',
      'https://thejacksonlaboratory.ent.box.com/s/2x09dm6vcg6y28o0oox1so4l0t8wzt6l/file/1536173056065',
      'https://nrcs.app.box.com/v/soils/folder/180112652169',
      'https://nrcs.app.box.com/v/soils',
    ],
    no: [
      'http://app.box.com/file/1062884590215',
      'https://www.box.com/s/abc',
      'https://api.box.com/2.0/files/1062884590215',
      'https://account.box.com/login',
      'https://app.box.com/',
      'https://app.box.com/recents',
      'https://app.box.com/file/abc',
      'https://app.box.com/file/1062884590215/extra/segment',
      'https://app.box.com.evil.example/file/1062884590215',
      'https://evil.example/file/1062884590215',
      'https://app.box.com/s/<script>',
      'https://app.box.com/v/soils/notes/1',
    ],
  });

  it('reads the ids and share of a URL', () => {
    expect(parseBoxUrl(new URL('https://nrcs.app.box.com/v/soils/file/995142367500'))).toEqual({
      origin: 'https://nrcs.app.box.com',
      fileId: '995142367500',
      share: { param: 'vanity_name', name: 'soils' },
    });
  });
});

describe('box signals and fallbacks', () => {
  it('a shared file link inside a shared folder downloads through the share, by typed id', () => {
    const doc = page(
      stream({ '/app-api/enduserapp/shared-item': { itemID: 1, itemType: 'folder', sharedName: 'abc' } }),
    );
    const [d] = box.detect(doc, new URL('https://app.box.com/s/abc/file/510727257538'));
    expect(d?.via).toBe('url-id');
    expect(d?.title).toBe('Box file 510727257538');
    expect(d?.capture.parts[0]).toMatchObject({
      url: 'https://app.box.com/index.php?rm=box_download_shared_file&shared_name=abc&file_id=f_510727257538',
      name: 'Box file 510727257538',
      mimeType: 'application/octet-stream',
    });
  });

  it('reads Box.prefetchedData as well as Box.postStreamData, and sidebar item lists', () => {
    const data = {
      '/app-api/enduserapp/file/77/sidebar': {
        items: [{ id: 77, name: 'Minutes', extension: 'docx', ownerName: 'Ann' }],
      },
    };
    const doc = page(`<script>Box.prefetchedData = ${JSON.stringify(data)};</script>`);
    const [d] = box.detect(doc, new URL('https://app.box.com/file/77'));
    expect(d?.title).toBe('Minutes.docx');
    expect(d?.metadata.owner).toBe('Ann');
    expect(d?.via).toBe('embedded-json');
  });

  it('takes the title from <title> without the Box suffix when there is no page data', () => {
    for (const title of ['Plan.pdf | Powered by Box', 'Plan.pdf - Box', 'Plan.pdf | Box']) {
      const [d] = box.detect(page('', `<title>${title}</title>`), new URL('https://app.box.com/file/5'));
      expect(d?.title).toBe('Plan.pdf');
      expect(d?.metadata.mimeType).toBe('application/pdf');
    }
  });

  it('a shared folder link alone gives nothing until rows are selected', () => {
    const doc = page(
      stream({ '/app-api/enduserapp/shared-item': { itemID: 9, itemType: 'folder', sharedName: 'abc' } }),
    );
    expect(box.detect(doc, new URL('https://app.box.com/s/abc'))).toEqual([]);
  });

  it('selected rows without page data are named by their link, and downloads go through the share', () => {
    const doc = page(selectedRow('/s/abc/file/12', 'Budget.xlsx'));
    const [d] = box.detect(doc, new URL('https://app.box.com/s/abc'));
    expect(d?.via).toBe('aria');
    expect(d?.title).toBe('Budget.xlsx');
    expect(d?.capture.parts[0]).toMatchObject({
      url: 'https://app.box.com/index.php?rm=box_download_shared_file&shared_name=abc&file_id=f_12',
    });
  });

  it('reads selection from listbox options too', () => {
    const doc = page(
      '<div role="listbox"><div role="option" aria-selected="true"><a href="/file/3">A.pdf</a></div></div>',
    );
    expect(box.detect(doc, new URL('https://app.box.com/folder/0')).map((d) => d.source.sourceId)).toEqual(['box:3']);
  });

  it('does not fetch when the page says downloads are disabled', () => {
    const doc = page(
      stream({ '/app-api/enduserapp/item/f_8': { items: [{ id: 8, name: 'x.pdf', canDownload: false }] } }),
    );
    expect(box.detect(doc, new URL('https://app.box.com/file/8'))[0]?.capture).toEqual({ parts: [] });
  });

  it('reads epoch seconds and milliseconds', () => {
    const doc = page(
      stream({
        '/app-api/enduserapp/item/f_8': {
          items: [{ id: 8, name: 'x', created: 1566320259, contentUpdated: 1566320259000 }],
        },
      }),
    );
    const [d] = box.detect(doc, new URL('https://app.box.com/file/8'));
    expect(d?.metadata.dateCreated).toBe('2019-08-20T16:57:39Z');
    expect(d?.metadata.dateModified).toBe('2019-08-20T16:57:39Z');
  });
});

describe('box never throws and stays bounded', () => {
  itReportsThrowing(box, 'https://app.box.com/file/1');

  it('survives broken, truncated and non-object page data', () => {
    for (const script of [
      'Box.postStreamData = {"a":',
      'Box.postStreamData = {"a": "unterminated}',
      'Box.postStreamData = null;',
      'Box.postStreamData = alert(1);',
      'Box.postStreamData = {"a": 1} + {"b": 2};',
      `Box.postStreamData = ${'{'.repeat(50_000)}`,
      'Box.postStreamData',
    ]) {
      const doc = page(`<script>${script}</script>`, '<title>Plan.pdf | Powered by Box</title>');
      expect(box.detect(doc, new URL('https://app.box.com/file/1'))[0]?.title).toBe('Plan.pdf');
    }
  });

  it('treats a __proto__ key in the page data as data, not as a prototype', () => {
    const doc = page(
      '<script>Box.postStreamData = {"__proto__": {"/app-api/enduserapp/shared-item": {"itemType": "file", "itemID": 666}}};</script>',
    );
    expect(boxStreamData(doc)['/app-api/enduserapp/shared-item']).toBeUndefined();
    expect(box.detect(doc, new URL('https://app.box.com/s/abc'))).toEqual([]);
    expect(({} as Record<string, unknown>)['/app-api/enduserapp/shared-item']).toBeUndefined();
  });

  it('caps selected rows at 100 and ignores 10 000 unselected ones', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) =>
      selectedRow(`/file/${i + 1}`).replace('"true"', i % 2 ? '"true"' : '"false"'),
    );
    const detections = box.detect(page(grid(rows)), new URL('https://app.box.com/folder/0'));
    expect(detections).toHaveLength(100);
    expectValid(detections);
  }, 120_000);

  it('ignores huge attributes and a huge URL', () => {
    const doc = page(selectedRow(`/file/${'9'.repeat(100_000)}`));
    expect(box.detect(doc, new URL('https://app.box.com/folder/0'))).toEqual([]);
    expect(box.detect(page(''), new URL(`https://app.box.com/file/1?q=${'x'.repeat(9000)}`))).toEqual([]);
  });
});

describe('file name helpers', () => {
  it('maps common extensions to media types', () => {
    expect(mimeTypeFromName('a.PDF')).toBe('application/pdf');
    expect(mimeTypeFromName('a', 'docx')).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    expect(mimeTypeFromName('a.constructor')).toBeUndefined();
    expect(mimeTypeFromName('noext')).toBeUndefined();
  });

  it('makes safe part names', () => {
    expect(safeFileName('../../etc/passwd', 'f')).toBe('.._.._etc_passwd');
    expect(safeFileName('..', 'f')).toBe('f');
    expect(safeFileName('', 'f')).toBe('f');
    const long = safeFileName(`${'a'.repeat(400)}.pdf`, 'f');
    expect(long).toHaveLength(255);
    expect(long.endsWith('.pdf')).toBe(true);
  });
});
