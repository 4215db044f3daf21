// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { box } from './box';
import { dropbox, fileFromUrl } from './dropbox';
import { loadFixtures } from './fixtures/fixtures';
import { expectValid, grid, itDetectsFixtures, itGatesUrls, itReportsThrowing, parse } from './fixtures/support';
import { notion } from './notion';

const page = (body: string, head = '') => parse(`<!doctype html><html><head>${head}</head><body>${body}</body></html>`);
const selectedRow = (href: string) =>
  `<div role="row" aria-selected="true"><div role="gridcell"><a href="${href}">f</a></div></div>`;

describe('dropbox fixtures', () => {
  itDetectsFixtures(dropbox, 'dropbox');

  it('names a file the same whether it is previewed in its folder or on its own page', () => {
    const [home, preview] = ['home-preview.html', 'preview-path.html'].map((file) => {
      const f = loadFixtures('dropbox').find((x) => x.file === file)!;
      return dropbox.detect(parse(f.html), new URL(f.url))[0]?.source.sourceId;
    });
    expect(home).toBe('dropbox:path:/finance/invoices 2026/inv-2026-0042.pdf');
    expect(preview).toBe(home);
  });
});

describe('dropbox signals', () => {
  it('canonicalises a shared link: drops dl, st and other extras, keeps rlkey', () => {
    const found = fileFromUrl(
      new URL('https://www.dropbox.com/e/scl/fi/abc123/Plan.pdf?st=kq0b2v7n&dl=0&rlkey=k1&utm_source=mail'),
    );
    expect(found?.sourceId).toBe('https://www.dropbox.com/scl/fi/abc123/Plan.pdf?rlkey=k1');
    expect(found?.download).toBe('https://www.dropbox.com/scl/fi/abc123/Plan.pdf?rlkey=k1&dl=1');
  });

  it('a legacy link without a name takes the title from the page', () => {
    const doc = page('', '<title>Minutes.docx - Dropbox</title>');
    const [d] = dropbox.detect(doc, new URL('https://www.dropbox.com/s/nelirfsxnmcfbfh'));
    expect(d?.title).toBe('Minutes.docx');
    expect(d?.capture.parts[0]).toMatchObject({
      url: 'https://www.dropbox.com/s/nelirfsxnmcfbfh?dl=1',
      name: 'Minutes.docx',
    });
  });

  it('a shared folder preview keeps rlkey and is metadata only', () => {
    const [d] = dropbox.detect(
      page(''),
      new URL('https://www.dropbox.com/scl/fo/abc/def?rlkey=k1&preview=Plan.pdf&dl=0&st=x'),
    );
    expect(d?.source.sourceId).toBe('https://www.dropbox.com/scl/fo/abc/def?rlkey=k1&preview=Plan.pdf');
    expect(d?.capture).toEqual({ parts: [] });
  });

  it('a shared folder gives its selected file rows', () => {
    const doc = page(selectedRow('/scl/fi/abc/Plan.pdf?rlkey=k1&dl=0'));
    const detections = dropbox.detect(doc, new URL('https://www.dropbox.com/scl/fo/xyz/def?rlkey=k2'));
    expect(detections.map((d) => d.source.sourceId)).toEqual(['https://www.dropbox.com/scl/fi/abc/Plan.pdf?rlkey=k1']);
    expect(detections[0]?.via).toBe('aria');
  });

  it('a file at the root of the home view', () => {
    const [d] = dropbox.detect(page(''), new URL('https://www.dropbox.com/home?preview=Welcome.pdf'));
    expect(d?.source.sourceId).toBe('dropbox:path:/welcome.pdf');
    expect(d?.metadata.identifiers).toEqual({ path: '/Welcome.pdf' });
  });
});

describe('dropbox never throws and stays bounded', () => {
  itReportsThrowing(dropbox, 'https://www.dropbox.com/home');

  it('caps selected rows at 100 among 10 000', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => selectedRow(`/home/x?preview=f${i}.pdf`));
    const detections = dropbox.detect(page(grid(rows)), new URL('https://www.dropbox.com/home/x'));
    expect(detections).toHaveLength(100);
    expectValid(detections);
  }, 120_000);

  it('ignores a huge URL', () => {
    expect(dropbox.detect(page(''), new URL(`https://www.dropbox.com/home?preview=${'x'.repeat(9000)}`))).toEqual([]);
  });
});

describe('box, dropbox and notion claim only their own pages', () => {
  const detectors = { box, dropbox, notion };
  for (const [id, detector] of Object.entries(detectors)) {
    for (const other of ['box', 'dropbox', 'notion', 'gmail', 'generic'].filter((x) => x !== id)) {
      it(`${id} gives nothing on ${other} fixtures`, () => {
        for (const fixture of loadFixtures(other)) {
          const url = new URL(fixture.url);
          expect(detector.matches(url)).toBe(false);
          expect(detector.detect(parse(fixture.html), url)).toEqual([]);
        }
      });
    }
  }
});

describe('dropbox URL gate', () => {
  itGatesUrls(dropbox, {
    yes: [
      'https://www.dropbox.com/s/nelirfsxnmcfbfh/youtube-dl%20test%20video%20%27%C3%A4%22BaW_jenozKc.mp4?dl=0',
      'https://www.dropbox.com/s/nelirfsxnmcfbfh',
      'https://www.dropbox.com/sh/2mgpiuq7kv8nqdf/AABy-fW4dkydT4GmWi2mdOUDa?dl=0&preview=Drone+Shot.mp4',
      'https://www.dropbox.com/scl/fi/r2kd2skcy5ylbbta5y1pz/DJI_0003.MP4?dl=0&rlkey=wcdgqangn7t3lnmmv6li9mu9h',
      'https://www.dropbox.com/e/scl/fi/r2kd2skcy5ylbbta5y1pz/DJI_0003.MP4?dl=0&rlkey=wcdgqangn7t3lnmmv6li9mu9h',
      'https://www.dropbox.com/scl/fo/r2kd2skcy5ylbbta5y1pz/AABy-fW4dkydT4GmWi2mdOUDa?rlkey=wcdgqangn7t3lnmmv6li9mu9h',
      'https://dropbox.com/home/Finance?preview=a.pdf',
      'https://www.dropbox.com/home',
      'https://www.dropbox.com/preview/Finance/a.pdf?context=browse&role=personal',
    ],
    no: [
      'http://www.dropbox.com/s/nelirfsxnmcfbfh/x.mp4',
      'https://www.dropbox.com/',
      'https://www.dropbox.com/login',
      'https://www.dropbox.com/account/plan',
      'https://www.dropbox.com/preview',
      'https://dl.dropboxusercontent.com/s/nelirfsxnmcfbfh/x.mp4',
      'https://www.dropbox.com.evil.example/s/nelirfsxnmcfbfh/x.mp4',
      'https://evil.example/home?preview=a.pdf',
      'https://www.dropbox.com/s/<script>/x.pdf',
    ],
  });
});
