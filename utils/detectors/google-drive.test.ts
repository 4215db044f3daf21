// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { expectRunnerReports } from './fixtures/reported';
import { expectValid, itDetectsFixtures, parse } from './fixtures/support';
import { googleDrive } from './google-drive';

const page = (head: string, body = '') => parse(`<!doctype html><html><head>${head}</head><body>${body}</body></html>`);
const detect = (doc: Document, url: string) => googleDrive.detect(doc, new URL(url));
const ID = '108RHF3bQb6dgOByv_KMGzHuktJOwU_jL';
const FOLDER = '1fOlDeRiDfIlEs100aBcDeFgHiJkLmNoP';
const row = (id: string, name: string, selected = true, mime = 'application/pdf') =>
  `<div role="row" data-id="${id}" aria-selected="${selected}"><div role="gridcell"><img src="https://drive-thirdparty.googleusercontent.com/16/type/${mime}" alt="">${name}</div><div role="gridcell">me</div></div>`;
const grid = (rows: string) =>
  page('<title>files - Google Drive</title>', `<div role="main"><div role="grid">${rows}</div></div>`);

describe('google-drive fixtures', () => {
  itDetectsFixtures(googleDrive, 'google-drive');
});

describe('google-drive URL grammar', () => {
  const title = '<title>report.pdf - Google Drive</title>';
  const views = [
    `https://drive.google.com/file/d/${ID}/view`,
    `https://drive.google.com/file/d/${ID}/view?usp=sharing`,
    `https://drive.google.com/file/d/${ID}/edit`,
    `https://drive.google.com/file/d/${ID}/preview`,
    `https://drive.google.com/file/d/${ID}`,
    `https://drive.google.com/file/u/1/d/${ID}/view`,
    `https://drive.google.com/open?id=${ID}`,
  ];
  for (const url of views) {
    it(`reads the file in ${url}`, () => {
      const [d] = detect(page(title), url);
      expect(d?.source.sourceId).toBe(`gdrive:${ID}`);
      expect(d?.title).toBe('report.pdf');
    });
  }

  it('puts the account slot on the download URL', () => {
    const [d] = detect(page(title), `https://drive.google.com/file/u/1/d/${ID}/view`);
    expect(d?.capture.parts[0]).toMatchObject({
      url: `https://drive.google.com/uc?id=${ID}&export=download&confirm=t&authuser=1`,
      mimeType: 'application/pdf',
    });
  });

  const nothing = [
    `https://drive.google.com/file/d/short/view`,
    `https://drive.google.com/uc?id=${ID}&export=download`,
    `https://drive.google.com/embeddedfolderview?id=${FOLDER}`,
    `https://drive.google.com/open?id=${ID}%3Cscript%3E`,
  ];
  for (const url of nothing) it(`gives nothing at ${url}`, () => expect(detect(page(title), url)).toEqual([]));

  it('claims only https drive.google.com', () => {
    expect(googleDrive.matches(new URL('https://drive.google.com/drive/my-drive'))).toBe(true);
    expect(googleDrive.matches(new URL('http://drive.google.com/drive/my-drive'))).toBe(false);
    expect(googleDrive.matches(new URL('https://drive.google.com.evil.example/drive/'))).toBe(false);
    expect(googleDrive.matches(new URL(`https://docs.google.com/document/d/${ID}/edit`))).toBe(false);
  });

  it('gives nothing on a sign-in page at a file URL', () => {
    expect(detect(page('<title>Google Drive: Sign-in</title>'), `https://drive.google.com/file/d/${ID}/view`)).toEqual(
      [],
    );
  });
});

describe('google-drive selection', () => {
  const url = `https://drive.google.com/drive/folders/${FOLDER}`;
  it('reads aria-selected on a wrapper with data-id inside', () => {
    const doc = grid(
      `<div role="row" aria-selected="true"><div data-id="${ID}"><div role="gridcell">a.pdf</div></div></div>`,
    );
    expect(detect(doc, url).map((d) => d.title)).toEqual(['a.pdf']);
  });

  it('falls back to the row’s aria-label for the name, then to the id', () => {
    const labelled = grid(`<div role="row" data-id="${ID}" aria-selected="true" aria-label="b.pdf"></div>`);
    expect(detect(labelled, url)[0]?.title).toBe('b.pdf');
    const bare = grid(`<div role="row" data-id="${ID}" aria-selected="true"></div>`);
    expect(detect(bare, url)[0]).toMatchObject({ title: `Drive file ${ID}` });
    // Nothing says what the file is: it could be a native one, so it is never downloaded blindly.
    expect(detect(bare, url)[0]?.capture).toEqual({
      parts: [],
      reason: expect.stringMatching(/not downloaded blindly/),
    });
  });

  it('declares every Google-native type by its metadata with the reason, skips folders, downloads no native file', () => {
    const natives = [
      'spreadsheet',
      'shortcut',
      'form',
      'drawing',
      'site',
      'vid',
      'jam',
      'script',
      'map',
      'fusiontable',
    ];
    const doc = grid(
      row('1BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB', 'Dir', true, 'application/vnd.google-apps.folder') +
        natives
          .map((type, i) =>
            row(`1${String.fromCharCode(65 + i).repeat(32)}`, type, true, `application/vnd.google-apps.${type}`),
          )
          .join(''),
    );
    const found = detect(doc, url);
    expect(found.map((d) => d.title)).toEqual(natives);
    for (const d of found) {
      expect(d.capture.parts, d.title).toEqual([]);
      expect(d.capture.reason, d.title).toMatch(/\w/);
      expect(d.metadata.mimeType).toBe(`application/vnd.google-apps.${d.title}`);
    }
    expect(found[0]?.source.kind).toBe('document');
    expect(found.find((d) => d.title === 'vid')?.capture.reason).toMatch(/Google Vids/);
  });

  it('reads the MIME type Drive embeds in the page (_DRIVE_ivd), before any icon or name', () => {
    const items = JSON.stringify([
      [
        [ID, ['0AParent'], 'Quarterly review', 'application/vnd.google-apps.vid'],
        ['1ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ', [], 'scan', 'application/pdf'],
      ],
      null,
      1,
    ]);
    const escaped = items.replace(/"/g, '\\x22').replace(/\[/g, '\\x5b').replace(/\]/g, '\\x5d');
    const script = `<script nonce="n">window['_DRIVE_ivd'] = '${escaped}';</script>`;
    const doc = grid(
      script + row(ID, 'Quarterly review', true) + row('1ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ', 'scan', true),
    );
    const [vid, pdf] = detect(doc, url);
    expect(vid?.capture).toEqual({ parts: [], reason: expect.stringMatching(/Google Vids/) });
    expect(vid?.metadata.mimeType).toBe('application/vnd.google-apps.vid');
    expect(pdf?.capture.parts[0]).toMatchObject({ mimeType: 'application/pdf', source: 'fetch' });
  });

  it('ignores selection in the folder tree and the open folder itself', () => {
    const doc = grid(
      `<div role="tree"><div role="treeitem" aria-selected="true" data-id="1EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE">x</div></div>` +
        `<div role="row" aria-selected="true" data-id="${FOLDER}">self</div>`,
    );
    expect(detect(doc, url)).toEqual([]);
  });

  it('caps the selection at 100 and stays bounded on 10 000 rows', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => row(`1${String(i).padStart(32, '0')}`, `f${i}.pdf`)).join('');
    const found = detect(grid(rows), url);
    expect(found).toHaveLength(100);
    expectValid(found.slice(0, 3));
  }, 120_000);

  it('does not hide a document that throws: the runner reports it, or the URL is not Drive', () => {
    const hostile = new Proxy({} as Document, {
      get() {
        throw new Error('boom');
      },
    });
    expectRunnerReports(googleDrive, hostile, url);
    expect(detect(grid(row(ID, 'a.pdf')), 'https://mail.google.com/mail/u/0/#inbox')).toEqual([]);
  });
});
