import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GraphFake, startGraphFake } from '../../../tests/fakes/graph/server';
import { bytesToBase64 } from '../../capture/bytes';
import { type DeclareDeps, declare } from '../../declaring/declare';
import type { Detection } from '../../detectors/types';
import type { DeclareRequest } from '../../messaging';
import { type OutboxDb, openOutbox } from '../../outbox/db';
import { getRow, readContent } from '../../outbox/outbox';
import { EMPTY_PRESETS } from '../../presets/schema';
import { GraphClient } from './graph';
import { driveItemPath, encodeSharingUrl, graphDownload, outlookCapture } from './originals';

/**
 * Originals through Graph in the declare path, against the Graph fake: an Outlook message as its MIME, a SharePoint
 * file the page could not download, and the snapshot kept as the fallback with the reason said.
 */

const fixture = (site: string, name: string) =>
  (JSON.parse(readFileSync(`utils/detectors/fixtures/${site}/${name}.expected.json`, 'utf8')) as Detection[])[0]!;
const outlook = fixture('outlook', 'e2e-message');
const document = fixture('sharepoint', 'e2e-document');
const eml = readFileSync('utils/capture/parse/fixtures/mailparser_nodemailer.eml');
const docx = readFileSync('utils/detectors/fixtures/sharepoint/e2e-document.docx');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const REST_ID = 'AAMkADAwATM3ZmYAZS1hNjE1LTQ0ZGEtMDACLTAwCgBGAAADdCd2eVbXm0SQyPePPNoPnwcAQb8RV3K-QkWaNJBQgOE9SgAAAgEM';

let fake: GraphFake;
let db: OutboxDb;
beforeEach(async () => {
  fake = await startGraphFake({ testTokens: ['token-1'] });
  db = await openOutbox(`originals-${Math.random()}`);
});
afterEach(() => fake.close());

const graph = (token = async () => 'token-1') => new GraphClient({ base: fake.url, fetch, now: Date.now, token });

const request = (detection: Detection): DeclareRequest => ({
  detection,
  title: detection.title,
  profileId: 'general',
  tags: [],
  fields: {},
  metadataOnly: false,
});

function deps(extra: Partial<DeclareDeps> = {}): DeclareDeps {
  return {
    db,
    presets: EMPTY_PRESETS,
    now: () => new Date('2026-11-23T10:00:00Z'),
    captureInTab: async () => ({
      ok: true,
      base64: bytesToBase64(new TextEncoder().encode('<!doctype html><title>snapshot</title>')),
      mimeType: 'text/html',
    }),
    streamInTab: async () => ({ ok: false, error: 'The site refused to give the original (HTTP 403).' }),
    ...extra,
  };
}

describe('sharing URLs', () => {
  it('are encoded as shares-get.md says: u! and unpadded base64url', () => {
    const url = 'https://onedrive.live.com/redir?resid=1231244193912!12&authKey=1201919!12921!1';
    const expected = `u!${Buffer.from(url).toString('base64').replace(/=+$/, '').replaceAll('/', '_').replaceAll('+', '-')}`;
    expect(encodeSharingUrl(url)).toBe(expected);
    expect(encodeSharingUrl('https://contoso.sharepoint.com/sites/Finance/Documents/Étude ✔.docx')).toBe(
      `u!${Buffer.from('https://contoso.sharepoint.com/sites/Finance/Documents/Étude ✔.docx').toString('base64url')}`,
    );
  });
});

describe('where Graph finds a SharePoint file', () => {
  it('by its list item, by its unique id on the library’s drive, or by its address', () => {
    expect(driveItemPath(document)).toBe(
      '/sites/contoso.sharepoint.com%2C0b7a2e3c-4d5f-4a6b-8c9d-0e1f2a3b4c5d%2C7c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e0f' +
        '/lists/3f2e1d0c-9b8a-4765-8432-10fedcba9876/drive/items/8d3c2b1a-0f9e-4d8c-b7a6-5e4d3c2b1a0f',
    );
    expect(driveItemPath(fixture('sharepoint', 'library-preview'))).toMatch(
      /\/lists\/3f2e1d0c-[^/]+\/items\/31\/driveItem$/,
    );
    const link = fixture('sharepoint', 'share-link');
    expect(driveItemPath(link)).toBe(`/shares/${encodeSharingUrl(link.metadata.identifiers!.shareLink!)}/driveItem`);
    expect(driveItemPath(outlook)).toBeUndefined();
  });
});

describe('Outlook originals in the declare path', () => {
  it('captures the message as its MIME, read like a Gmail message, and says so', async () => {
    const itemId = outlook.metadata.identifiers!.itemId!;
    fake.addMessage(REST_ID, eml, itemId);
    const result = await declare(
      request(outlook),
      deps({ original: (detection, withAttachments) => outlookCapture(graph(), detection, withAttachments) }),
    );
    expect(result).toMatchObject({
      ok: true,
      sourceId: '<012d606e-3550-2d94-b566-6cd996de88e3@kreata.ee>',
      capture: { via: 'graph', original: true },
    });
    const row = (await getRow(db, result.ok ? result.id : ''))!;
    const { record } = row;
    expect(record.metadata.originator).toBe('Andris Kreata <andris@kreata.ee>');
    expect(record.metadata.addressees).toEqual(['Andris Reinman <andris+123@kreata.ee>', 'andris.reinman@gmail.com']);
    expect(record.metadata.identifiers).toMatchObject({ appSourceId: outlook.source.sourceId, restId: REST_ID });
    // The same reader as Gmail's: it also keeps the message's text/watch-html alternative as a part.
    expect(record.content.map((c) => [c.role, c.name])).toEqual([
      ['primary', 'message.eml'],
      ['attachment', 'attachment-1.txt'],
      ['attachment', 'image.png'],
      ['attachment', 'nyan cat ✔.gif'],
      ['attachment', 'notes.txt'],
    ]);
    expect(record.content[0]).toMatchObject({ mimeType: 'message/rfc822', size: eml.length, sha256: sha256(eml) });
    expect(Buffer.from((await readContent(db, row))[0]!).equals(eml)).toBe(true);
    // The page's snapshot was not taken: the message itself is the record.
    expect(record.content.some((c) => c.mimeType === 'text/html')).toBe(false);
  });

  it('keeps the page’s snapshot when Graph cannot give the message, and says why', async () => {
    const result = await declare(
      request(outlook),
      deps({
        original: (detection, withAttachments) =>
          outlookCapture(
            graph(async () => {
              throw Object.assign(new Error('Not signed in to Microsoft 365: sign in from the options page.'), {
                reason: 'sign-in',
              });
            }),
            detection,
            withAttachments,
          ),
      }),
    );
    expect(result).toMatchObject({
      ok: true,
      sourceId: outlook.source.sourceId,
      capture: { via: 'page', original: false, reason: expect.stringContaining('Not signed in to Microsoft 365') },
    });
    const { record } = (await getRow(db, result.ok ? result.id : ''))!;
    expect(record.content.map((c) => [c.name, c.mimeType])).toEqual([['message.html', 'text/html']]);
  });
});

describe('SharePoint files through Graph', () => {
  function addDocument() {
    const site = fake.addSite(
      'contoso.sharepoint.com',
      '/sites/Finance',
      [{ name: 'Documents', listId: document.metadata.identifiers!.listId! }],
      { siteCollectionId: document.metadata.identifiers!.siteId!, webId: document.metadata.identifiers!.webId! },
    );
    return fake.addFile(site.drives[0]!.id, 'Rates/Rate tables.docx', docx, {
      uniqueId: document.metadata.identifiers!.uniqueId!,
    });
  }

  it('fetches a file the page could not download, without a token on the download URL', async () => {
    addDocument();
    const result = await declare(
      request(document),
      deps({ fetchFallback: (detection, part, stage) => graphDownload(graph(), fetch, detection, part, stage) }),
    );
    expect(result).toMatchObject({
      ok: true,
      capture: { via: 'graph', original: true, pageError: expect.stringContaining('HTTP 403') },
    });
    const row = (await getRow(db, result.ok ? result.id : ''))!;
    expect(row.record.content[0]).toMatchObject({ name: 'Rate tables.docx', size: docx.length, sha256: sha256(docx) });
    expect(Buffer.from((await readContent(db, row))[0]!).equals(docx)).toBe(true);
    const downloadRequest = fake.requests.find((r) => r.path.startsWith('/download/'))!;
    expect(downloadRequest).toMatchObject({ method: 'GET', authorization: false, status: 200 });
    expect(
      fake.requests.some(
        (r) => r.path.includes('%40microsoft.graph.downloadUrl') || r.path.includes('@microsoft.graph.downloadUrl'),
      ),
    ).toBe(true);
  });

  it('streams a large file in the outbox’s chunks and hashes it on the way', async () => {
    const site = fake.addSite('contoso.sharepoint.com', '/sites/Big', [{ name: 'Documents' }]);
    const big = Buffer.alloc(9 * 1024 * 1024 + 5);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    const file = fake.addFile(site.drives[0]!.id, 'big.bin', big);
    const chunks: number[] = [];
    const detection: Detection = {
      ...document,
      metadata: {
        identifiers: {
          serverRelativeUrl: '/sites/Big/Documents/big.bin',
          webUrl: 'https://contoso.sharepoint.com/sites/Big',
        },
      },
    };
    const part = document.capture.parts[0] as Extract<Detection['capture']['parts'][number], { source: 'fetch' }>;
    const streamed = await graphDownload(graph(), fetch, detection, part, async (n, bytes) => {
      chunks[n] = bytes.byteLength;
    });
    expect(new URL(file.webUrl).pathname).toBe('/sites/Big/Documents/big.bin');
    expect(streamed).toMatchObject({
      ok: true,
      size: big.length,
      chunks: 3,
      chunkSize: 4 * 1024 * 1024,
      sha256: sha256(big),
    });
    expect(chunks).toEqual([4 * 1024 * 1024, 4 * 1024 * 1024, 1024 * 1024 + 5]);
  });

  it('says both why the page and Graph failed when neither could give the file', async () => {
    const result = await declare(
      request(document),
      deps({ fetchFallback: (detection, part, stage) => graphDownload(graph(), fetch, detection, part, stage) }),
    );
    expect(result).toMatchObject({ ok: false, canDeclareMetadataOnly: true });
    expect(!result.ok && result.error).toMatch(/HTTP 403\).* Through Microsoft 365: .*HTTP 404/);
  });
});
