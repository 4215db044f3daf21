// @vitest-environment happy-dom
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFixtures } from './fixtures/fixtures';
import { expectRunnerReports } from './fixtures/reported';
import {
  brokenDocument,
  expectValid,
  fixtureIndex,
  itDetectsFixtures,
  itGatesUrls,
  parse,
  primaryFetch,
} from './fixtures/support';
import { assignedJson, mimeTypeOf, sharepoint } from './sharepoint';

const dir = join(import.meta.dirname, 'fixtures/sharepoint');
const load = (file: string) => parse(readFileSync(join(dir, file), 'utf8'));
const page = (head: string, body = '') => parse(`<!doctype html><html><head>${head}</head><body>${body}</body></html>`);
const script = (name: string, value: unknown) => `<script>var ${name} = ${JSON.stringify(value)};</script>`;
const GUID = '5a1f0d3e-8c2b-4e6a-9b7d-1f2e3d4c5b6a';
const DOC = `https://contoso.sharepoint.com/sites/Finance/_layouts/15/Doc.aspx?sourcedoc=%7B${GUID.toUpperCase()}%7D&file=Budget%202024.docx&action=default`;

describe('sharepoint fixtures', () => {
  itDetectsFixtures(sharepoint, 'sharepoint');

  it('serves the e2e download from the same origin as the page', () => {
    const e2e = fixtureIndex('sharepoint').find((f) => f.serve)!;
    const [d] = sharepoint.detect(load('e2e-document.html'), new URL(e2e.url));
    const part = d?.capture.parts[0];
    expect(part?.source === 'fetch' && new URL(part.url).origin).toBe(new URL(e2e.url).origin);
    expect(Object.keys(e2e.serve!)).toEqual([part?.source === 'fetch' ? part.url : '']);
  });

  it('skips selected folders and unselected rows', () => {
    const found = sharepoint.detect(
      load('library-selection.html'),
      new URL('https://contoso.sharepoint.com/sites/Finance/Shared%20Documents/Forms/AllItems.aspx'),
    );
    expect(found.map((d) => d.title)).toEqual(['MSA-Fabrikam.pdf', 'Rates 2024.xlsx']);
  });
});

describe('sharepoint signals and fallbacks', () => {
  it('uses the sourcedoc guid and file name of the URL when the page embeds nothing', () => {
    const [d] = sharepoint.detect(page(''), new URL(DOC));
    expect(d?.via).toBe('url-id');
    expect(d?.source.sourceId).toBe(`sharepoint:${GUID}`);
    expect(d?.title).toBe('Budget 2024.docx');
    expect(d?.capture.parts).toEqual([
      primaryFetch(
        `https://contoso.sharepoint.com/sites/Finance/_layouts/15/download.aspx?UniqueId=${GUID}`,
        'Budget 2024.docx',
        mimeTypeOf('x.docx'),
      ),
    ]);
  });

  it('takes the guid from FileGetUrl on a share link, but never fetches FileGetUrl itself', () => {
    const wopi = script('_wopiContextJson', {
      FileName: 'Plan.xlsx',
      FileGetUrl: `https://contoso.sharepoint.com/sites/Ops/_layouts/15/download.aspx?UniqueId=${GUID}&tempauth=secret`,
    });
    const [d] = sharepoint.detect(page(wopi), new URL('https://contoso.sharepoint.com/:x:/s/Ops/EQabcDEF?e=x1'));
    expect(d?.source.sourceId).toBe(`sharepoint:${GUID}`);
    expect(JSON.stringify(d)).not.toContain('tempauth');
    expect(d?.capture.parts[0]).toMatchObject({
      url: `https://contoso.sharepoint.com/sites/Ops/_layouts/15/download.aspx?UniqueId=${GUID}`,
    });
    expect(d?.metadata.identifiers?.shareLinkType).toBe('x');
  });

  it('falls back to the link itself, with ?download=1, when a share link page names no guid', () => {
    const wopi = script('_wopiContextJson', { FileName: 'Minutes.pdf' });
    const link = 'https://contoso.sharepoint.com/:b:/s/Board/EaBcD123';
    const [d] = sharepoint.detect(page(wopi), new URL(`${link}?e=zz`));
    expect(d?.source.sourceId).toBe(`sharepoint:${link}`);
    expect(d?.capture.parts[0]).toMatchObject({ url: `${link}?download=1`, mimeType: 'application/pdf' });
    expect(sharepoint.detect(page(''), new URL(`${link}?e=zz`))).toEqual([]);
  });

  it('uses the path form of download.aspx for a previewed file the list data does not hold', () => {
    const url = new URL(
      'https://contoso.sharepoint.com/sites/HR/Shared%20Documents/Forms/AllItems.aspx?id=%2Fsites%2FHR%2FShared%20Documents%2FPolicy.pdf&parent=%2Fsites%2FHR%2FShared%20Documents',
    );
    const [d] = sharepoint.detect(page(''), url);
    expect(d?.via).toBe('url-path');
    expect(d?.source.sourceId).toBe('sharepoint:https://contoso.sharepoint.com/sites/HR/Shared Documents/Policy.pdf');
    expect(d?.capture.parts[0]).toMatchObject({
      url: 'https://contoso.sharepoint.com/sites/HR/_layouts/15/download.aspx?SourceUrl=%2Fsites%2FHR%2FShared%20Documents%2FPolicy.pdf',
    });
  });

  it('treats ?id= without parent as a folder being browsed', () => {
    const url = new URL(
      'https://contoso.sharepoint.com/sites/HR/Shared%20Documents/Forms/AllItems.aspx?id=%2Fsites%2FHR%2FShared%20Documents%2F2024',
    );
    expect(sharepoint.detect(page(''), url)).toEqual([]);
  });

  it('matches a selected row without a name by its data-list-index', () => {
    const rows = script('g_listData', {
      ListData: {
        Row: [{ FSObjType: '0', UniqueId: `{${GUID}}`, FileLeafRef: 'a.txt', FileRef: '/sites/x/Docs/a.txt' }],
      },
    });
    const [d] = sharepoint.detect(
      page(rows, '<div role="row" aria-selected="true" data-list-index="0"></div>'),
      new URL('https://contoso.sharepoint.com/sites/x/Docs/Forms/AllItems.aspx'),
    );
    expect(d?.title).toBe('a.txt');
    expect(d?.via).toBe('aria-selected');
    expect(d?.capture.parts[0]).toMatchObject({
      url: `https://contoso.sharepoint.com/sites/x/_layouts/15/download.aspx?UniqueId=${GUID}`,
    });
  });

  it('keeps OneDrive consumer files metadata-only, since their bytes come from another host', () => {
    const wopi = script('_wopiContextJson', {
      FileName: 'Notes.docx',
      FileGetUrl: 'https://my.microsoftpersonalcontent.com/personal/abc/_layouts/15/download.aspx?UniqueId=x',
    });
    const [d] = sharepoint.detect(
      page(wopi),
      new URL('https://onedrive.live.com/edit.aspx?resid=ABC123!101&cid=abc123'),
    );
    expect(d?.source.sourceId).toBe('sharepoint:onedrive:abc123!101');
    expect(d?.capture).toEqual({ parts: [] });
  });

  it('ignores a page context pointing at another origin', () => {
    const ctx = script('_spPageContextInfo', { webAbsoluteUrl: 'https://evil.example/sites/x' });
    const [d] = sharepoint.detect(page(ctx), new URL(DOC));
    expect(d?.metadata.identifiers?.webUrl).toBe('https://contoso.sharepoint.com/sites/Finance');
  });
});

describe('sharepoint on hostile pages', () => {
  it('parses embedded JSON without evaluating it, and survives broken JSON', () => {
    const doc = page(`<script>var _wopiContextJson = {"FileName": "a}b.docx", "x": "\\"}"};</script>
      <script>var _spPageContextInfo = {webAbsoluteUrl: alert(1)};</script>`);
    expect(assignedJson(doc, '_wopiContextJson')).toEqual({ FileName: 'a}b.docx', x: '"}' });
    expect(assignedJson(doc, '_spPageContextInfo')).toBeUndefined();
    expect(assignedJson(page('<script>var g_listData = {{{{</script>'), 'g_listData')).toBeUndefined();
  });

  it('stays bounded with 10 000 selected rows', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => ({
      FSObjType: '0',
      UniqueId: `{${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000}`,
      FileLeafRef: `f${i}.pdf`,
      FileRef: `/sites/x/Docs/f${i}.pdf`,
    }));
    const body = rows.map((_, i) => `<div role="row" aria-selected="true" data-list-index="${i}"></div>`).join('');
    const found = sharepoint.detect(
      page(script('g_listData', { ListData: { Row: rows } }), body),
      new URL('https://contoso.sharepoint.com/sites/x/Docs/Forms/AllItems.aspx'),
    );
    expect(found).toHaveLength(100);
    expectValid(found.slice(0, 3));
  }, 120_000);

  it('drops names that are not file names from the capture plan', () => {
    const [d] = sharepoint.detect(page(''), new URL(`${DOC.split('&file=')[0]}&file=..%2F..%2Fetc%2Fpasswd`));
    expect(d?.capture).toEqual({ parts: [] });
  });

  it('does not hide a document that throws: the runner reports it', () => {
    expectRunnerReports(sharepoint, brokenDocument('querySelectorAll'), DOC);
  });
});

describe('sharepoint server on its own host', () => {
  const WOPI =
    'https://portail.example.fr/sites/archives/_layouts/15/WopiFrame.aspx?sourcedoc=%7B9C1B2A3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D%7D&file=A.docx';
  it('needs SharePoint’s own page context off Microsoft’s hosts', () => {
    expect(sharepoint.matches(new URL(WOPI))).toBe(true);
    expect(sharepoint.detect(parse('<title>A.docx</title>'), new URL(WOPI))).toEqual([]);
    const context =
      '<script>var _spPageContextInfo = {webServerRelativeUrl: "\\u002f", siteClientTag: "0$$15.0.4569.1000"};</script>';
    expect(sharepoint.detect(parse(context), new URL(WOPI))[0]?.title).toBe('A.docx');
  });

  it('reads the farm build for health counts', () => {
    const fixture = loadFixtures('sharepoint').find((f) => f.file === 'server-wopiframe.html')!;
    expect(sharepoint.build?.(parse(fixture.html))).toBe('16.0.10337.12109');
  });
});

describe('sharepoint URL gate', () => {
  itGatesUrls(sharepoint, {
    yes: [
      DOC,
      'https://contoso-my.sharepoint.com/personal/ann_lee_contoso_com/_layouts/15/onedrive.aspx',
      'https://contoso.sharepoint.com/:x:/s/Finance/EQabc?e=1',
      'https://contoso.sharepoint.com/sites/Finance/_layouts/15/WopiFrame.aspx?sourcedoc={x}',
      'https://onedrive.live.com/edit.aspx?resid=ABC123!101&cid=abc123',
    ],
    no: [
      'http://contoso.sharepoint.com/sites/Finance/',
      'https://sharepoint.com/',
      'https://contoso.sharepoint.com.evil.example/sites/x',
      'https://evil.example/contoso.sharepoint.com/',
      'https://1drv.ms/w/s!AbC',
      'https://contoso.sharepoint.com:8443/sites/x',
      'https://outlook.office.com/mail/',
    ],
  });
});
