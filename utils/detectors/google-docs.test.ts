// @vitest-environment happy-dom
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFixtures } from './fixtures/fixtures';
import { expectValid, fixtureIndex, itDetectsFixtures, itReportsThrowing, parse } from './fixtures/support';
import { fileName, googleDocs, parseDocsUrl } from './google-docs';
import type { Detection } from './types';

const dir = join(import.meta.dirname, 'fixtures/google-docs');
const page = (head: string, body = '') => parse(`<!doctype html><html><head>${head}</head><body>${body}</body></html>`);
const ID = '1qX9kP3vR7tLm2nB8cZ4dF6gH0jK5sW1yE3uI9oA7bQe';
const detect = (doc: Document, url: string) => googleDocs.detect(doc, new URL(url));

describe('google-docs fixtures', () => {
  itDetectsFixtures(googleDocs, 'google-docs');

  it('serves the e2e export URLs from files in the folder, matching realdata hashes', () => {
    const e2e = fixtureIndex('google-docs').find((f) => f.file === 'e2e-document.html')!;
    const [detection] = loadFixtures('google-docs').find((f) => f.file === 'e2e-document.html')!
      .expected as Detection[];
    expect(Object.keys(e2e.serve!)).toEqual(detection!.capture.parts.map((p) => (p.source === 'fetch' ? p.url : '')));
    const sha = (file: string) =>
      createHash('sha256')
        .update(readFileSync(join(dir, file)))
        .digest('hex');
    expect(
      sha(e2e.serve![detection!.capture.parts[0]!.source === 'fetch' ? detection!.capture.parts[0]!.url : '']!),
    ).toBe('9f75a82d36530d91989a43fcb8940f2e753051787714cecbf6a1f49a22e58ded');
    expect(sha('e2e-document.pdf')).toBe('9f4e6cf9e5420f52c0a51b497e36235d1ddf48ba1b978b26215df4f0c374c216');
  });
});

describe('google-docs URL grammar', () => {
  const files: [string, ReturnType<typeof parseDocsUrl>][] = [
    [`https://docs.google.com/document/d/${ID}/edit`, { editor: 'document', fileId: ID }],
    [`https://docs.google.com/document/d/${ID}`, { editor: 'document', fileId: ID }],
    [`https://docs.google.com/document/d/${ID}/`, { editor: 'document', fileId: ID }],
    [`https://docs.google.com/document/d/${ID}/view?usp=sharing`, { editor: 'document', fileId: ID }],
    [`https://docs.google.com/spreadsheets/d/${ID}/htmlview`, { editor: 'spreadsheets', fileId: ID }],
    [`https://docs.google.com/presentation/d/${ID}/preview`, { editor: 'presentation', fileId: ID }],
    [`https://docs.google.com/document/u/2/d/${ID}/edit`, { editor: 'document', fileId: ID, account: '2' }],
    [
      `https://docs.google.com/a/example.org/spreadsheets/d/${ID}/edit`,
      { editor: 'spreadsheets', fileId: ID, domain: 'example.org' },
    ],
  ];
  for (const [url, expected] of files) it(`reads ${url}`, () => expect(parseDocsUrl(new URL(url))).toEqual(expected));

  const notFiles = [
    `http://docs.google.com/document/d/${ID}/edit`,
    `https://docs.google.com.evil.example/document/d/${ID}/edit`,
    `https://docs.google.com/document/d/e/2PACX-1vQ${ID}/pub`,
    `https://docs.google.com/forms/d/${ID}/edit`,
    `https://docs.google.com/document/d/${ID}/copy`,
    'https://docs.google.com/document/d/tooShort/edit',
    'https://docs.google.com/document/u/0/',
  ];
  for (const url of notFiles) it(`finds no file in ${url}`, () => expect(parseDocsUrl(new URL(url))).toBeNull());

  it('claims the editors’ own pages, but not published copies or other hosts', () => {
    expect(googleDocs.matches(new URL('https://docs.google.com/document/u/0/'))).toBe(true);
    expect(googleDocs.matches(new URL(`https://docs.google.com/spreadsheets/d/${ID}/edit#gid=0`))).toBe(true);
    expect(googleDocs.matches(new URL(`https://docs.google.com/document/d/e/2PACX-1vQ${ID}/pub`))).toBe(false);
    expect(googleDocs.matches(new URL(`https://drive.google.com/file/d/${ID}/view`))).toBe(false);
    expect(googleDocs.matches(new URL('https://mail.google.com/mail/u/0/#inbox'))).toBe(false);
    expect(googleDocs.matches(new URL('https://docs.google.com/forms/d/x/viewform'))).toBe(false);
  });
});

describe('google-docs signals', () => {
  const url = `https://docs.google.com/document/d/${ID}/edit`;
  it('prefers the title input, then its label, then <title>, then og:title', () => {
    const input = '<input class="docs-title-input" value="From input">';
    const label = '<span class="docs-title-input-label-inner">From label</span>';
    const title = '<title>From title - Google Docs</title>';
    const og = '<meta property="og:title" content="From og">';
    expect(detect(page(title + og, input + label), url)[0]).toMatchObject({
      title: 'From input',
      via: 'url-id/title-input',
    });
    expect(detect(page(title + og, label), url)[0]).toMatchObject({ title: 'From label', via: 'url-id/title-input' });
    expect(detect(page(title + og), url)[0]).toMatchObject({ title: 'From title', via: 'url-id/title' });
    expect(detect(page(og, '<div id="docs-menubar"></div>'), url)[0]).toMatchObject({
      title: 'From og',
      via: 'url-id/og-title',
    });
  });

  it('names an untitled file as Docs does', () => {
    const doc = page('<script>var _docs_flag_initialData={"docs-hue":"#fff"};</script>');
    expect(detect(doc, `https://docs.google.com/spreadsheets/d/${ID}/edit`)[0]).toMatchObject({
      title: 'Untitled spreadsheet',
      via: 'url-id/default-title',
    });
  });

  it('strips the Sheets and Slides suffixes too', () => {
    expect(
      detect(page('<title>Q1 - Google Sheets</title>'), `https://docs.google.com/spreadsheets/d/${ID}/edit`)[0]?.title,
    ).toBe('Q1');
    expect(
      detect(page('<title>Deck — Google Slides</title>'), `https://docs.google.com/presentation/d/${ID}/edit`)[0]
        ?.title,
    ).toBe('Deck');
  });

  it('gives nothing on a page without Docs markers, even at a file URL', () => {
    expect(detect(page('<title>Some page</title><meta property="og:title" content="x">'), url)).toEqual([]);
    expect(detect(page('<title>Google Docs: Sign-in</title>'), url)).toEqual([]);
  });

  it('keeps the account slot and resource key in the export URLs', () => {
    const [d] = detect(
      page('<title>Plan - Google Slides</title>'),
      `https://docs.google.com/presentation/u/3/d/${ID}/edit?resourcekey=0-abcDEF_12`,
    );
    const urls = d?.capture.parts.map((p) => (p.source === 'fetch' ? p.url : ''));
    expect(urls).toEqual([
      `https://docs.google.com/presentation/u/3/d/${ID}/export/pptx?resourcekey=0-abcDEF_12`,
      `https://docs.google.com/presentation/u/3/d/${ID}/export/pdf?resourcekey=0-abcDEF_12`,
    ]);
    expect(d?.metadata.identifiers).toMatchObject({ account: '3', resourceKey: '0-abcDEF_12' });
  });

  it('ignores a malformed resource key, tab, sheet or slide', () => {
    const [d] = detect(
      page('<title>X - Google Docs</title>'),
      `https://docs.google.com/document/d/${ID}/edit?resourcekey=%3Cscript%3E&tab=t.%22x#gid=abc&slide=id.<b>`,
    );
    expect(d?.metadata.identifiers).toEqual({ fileId: ID, editor: 'document' });
  });
});

describe('google-docs never throws', () => {
  const url = `https://docs.google.com/document/d/${ID}/edit`;
  itReportsThrowing(googleDocs, url);

  it('returns [] for a URL outside Docs even with Docs markup', () => {
    const html = readFileSync(join(dir, 'e2e-document.html'), 'utf8');
    expect(detect(parse(html), 'https://mail.google.com/mail/u/0/#inbox')).toEqual([]);
    expect(detect(parse(html), `https://evil.example/document/d/${ID}/edit`)).toEqual([]);
  });

  it('bounds a huge title and 10 000 scripts', () => {
    const scripts = Array.from({ length: 10_000 }, (_, i) => `<script>var x${i}=1;</script>`).join('');
    const huge = 'A'.repeat(200_000);
    const [d] = detect(page(`<title>${huge} - Google Docs</title>${scripts}`), url);
    expect(d?.title.length).toBeLessThanOrEqual(1024);
    expectValid([d]);
    for (const part of d?.capture.parts ?? []) expect(part.name.length).toBeLessThanOrEqual(255);
    expect(detect(page(scripts), url)).toEqual([]);
  }, 120_000);

  it('makes file names without path separators', () => {
    expect(fileName('../../etc/passwd', '.docx', 'id')).toBe('_.._etc_passwd.docx');
    expect(fileName('  ', '.pdf', 'id')).toBe('id.pdf');
    expect(fileName('a:b*c?', '.pdf', 'id')).toBe('a_b_c_.pdf');
  });
});

describe('every Google editor: its own export format, or its metadata with the reason', () => {
  const at = (url: string, title: string) => googleDocs.detect(parse(`<title>${title}</title>`), new URL(url))[0];
  it('exports a drawing as SVG, with a PDF rendition', () => {
    const d = at(`https://docs.google.com/drawings/d/${ID}/edit`, 'Plan - Google Drawings');
    expect(
      d?.capture.parts.map((p) => [p.source === 'fetch' && p.url, p.source === 'fetch' && p.mimeType, p.role]),
    ).toEqual([
      [`https://docs.google.com/drawings/d/${ID}/export/svg`, 'image/svg+xml', 'primary'],
      [`https://docs.google.com/drawings/d/${ID}/export/pdf`, 'application/pdf', 'rendition'],
    ]);
  });

  it('exports an Apps Script project as its JSON, on its own origin', () => {
    const d = at(`https://script.google.com/home/projects/${ID}/edit`, 'Retention sweep - Apps Script');
    expect(d?.title).toBe('Retention sweep');
    expect(d?.capture.parts[0]).toMatchObject({
      url: `https://script.google.com/feeds/download/export?id=${ID}&format=json`,
      name: 'Retention sweep.json',
    });
  });

  const metadataOnly: [string, string, RegExp][] = [
    [`https://docs.google.com/forms/d/${ID}/edit`, 'Survey - Google Forms', /Google Forms/],
    [`https://docs.google.com/videos/d/${ID}/edit`, 'Onboarding - Google Vids', /Google Vids/],
    [`https://jamboard.google.com/d/${ID}/viewer`, 'Ideas - Google Jamboard', /Jamboard/],
    [`https://sites.google.com/d/${ID}/p/1a2b3c/edit`, 'Intranet - Google Sites', /Google Sites/],
  ];
  for (const [url, title, reason] of metadataOnly) {
    it(`declares ${new URL(url).pathname.split('/')[1]} ${url.includes('jamboard') ? '(Jamboard)' : ''} by its metadata, saying why`, () => {
      const d = at(url, title);
      expect(d?.title).toBe(title.replace(/ - Google \w+$/, ''));
      expect(d?.capture.parts).toEqual([]);
      expect(d?.capture.reason).toMatch(reason);
      expect(d?.metadata.mimeType).toMatch(/^application\/vnd\.google-apps\./);
    });
  }

  it('gives nothing for a sign-in page at an editor URL', () => {
    expect(
      googleDocs.detect(parse('<title>Sign in</title>'), new URL(`https://docs.google.com/forms/d/${ID}/edit`)),
    ).toEqual([]);
  });
});
