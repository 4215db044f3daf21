import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GraphFake, startGraphFake } from '../../../tests/fakes/graph/server';

/**
 * The Graph fake enforces what the documents say (tests/fakes/graph/server.ts cites each): these tests hold it to
 * that, so the connector's tests cannot pass against a fake that lets anything through.
 */

let fake: GraphFake;
let drive: string;
/** Moves the fake's clock ahead of the real one. */
let skew = 0;
const auth = { Authorization: 'Bearer good' };
const KiB = 1024;

beforeEach(async () => {
  skew = 0;
  fake = await startGraphFake({ testTokens: ['good'], now: () => Date.now() + skew });
  const site = fake.addSite('contoso.sharepoint.com', '/sites/records', [{ name: 'Records', columns: ['Kind'] }]);
  drive = site.drives[0]!.id;
  fake.addLabel('Record', 'retainAsRecord');
}, 60_000);
afterEach(() => fake.close(), 60_000);

const graph = (path: string, init: RequestInit = {}) =>
  fetch(`${fake.url}${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });

async function session(name: string) {
  const response = await graph(`/drives/${drive}/root:/${name}:/createUploadSession`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ item: { '@microsoft.graph.conflictBehavior': 'fail', name } }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { uploadUrl: string }).uploadUrl;
}

const put = (url: string, start: number, length: number, total: number, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'PUT',
    headers: { 'content-range': `bytes ${start}-${start + length - 1}/${total}`, ...headers },
    body: new Uint8Array(length),
  });

// Servers on loopback on a busy machine: generous time, never a fixed sleep.
describe('Graph fake', { timeout: 120_000 }, () => {
  it('refuses calls without a valid token, and a token sent to the upload URL', async () => {
    expect((await fetch(`${fake.url}/me`)).status).toBe(401);
    expect((await graph('/me', { headers: { Authorization: 'Bearer forged' } })).status).toBe(401);
    expect((await graph('/me')).status).toBe(200);
    const url = await session('a.bin');
    expect((await put(url, 0, 320 * KiB, 640 * KiB, auth)).status).toBe(401);
  });

  it('takes fragments only in order, in multiples of 320 KiB, and answers 416 to a repeat', async () => {
    const url = await session('b.bin');
    const total = 960 * KiB + 10;
    expect((await put(url, 0, 300 * KiB, total)).status).toBe(400);
    const first = await put(url, 0, 320 * KiB, total);
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ nextExpectedRanges: [`${320 * KiB}-`] });
    expect((await put(url, 0, 320 * KiB, total)).status).toBe(416);
    expect((await put(url, 640 * KiB, 320 * KiB, total)).status).toBe(416);
    expect((await put(url, 320 * KiB, 320 * KiB, total + 1)).status).toBe(400);
    expect((await put(url, 320 * KiB, 640 * KiB, total)).status).toBe(202);
    const status = await fetch(url);
    expect(await status.json()).toMatchObject({ nextExpectedRanges: [`${960 * KiB}-`] });
    const last = await put(url, 960 * KiB, 10, total);
    expect(last.status).toBe(201);
    expect(await last.json()).toMatchObject({ name: 'b.bin', size: total });
    expect((await fetch(url)).status).toBe(404);
  });

  it('refuses fragments of 60 MiB or more', async () => {
    const url = await session('c.bin');
    expect((await put(url, 0, 60 * 1024 * KiB, 61 * 1024 * KiB)).status).toBe(413);
  });

  it('answers 409 at the last fragment when the name was taken meanwhile, and keeps the session', async () => {
    const url = await session('d.bin');
    await graph(`/drives/${drive}/root:/d.bin:/content`, { method: 'PUT', body: 'someone else' });
    const last = await put(url, 0, 100, 100);
    expect(last.status).toBe(409);
    expect(await last.json()).toMatchObject({ error: { code: 'nameAlreadyExists' } });
    expect((await fetch(url)).status).toBe(200);
  });

  it('replaces on a plain PUT, refuses with conflictBehavior=fail, renames on request', async () => {
    const path = `/drives/${drive}/root:/e.txt:/content`;
    expect((await graph(path, { method: 'PUT', body: 'one' })).status).toBe(201);
    expect((await graph(path, { method: 'PUT', body: 'two' })).status).toBe(200);
    expect(
      (await graph(`${path}?@microsoft.graph.conflictBehavior=fail`, { method: 'PUT', body: 'three' })).status,
    ).toBe(409);
    const renamed = await graph(`${path}?@microsoft.graph.conflictBehavior=rename`, { method: 'PUT', body: 'four' });
    expect(await renamed.json()).toMatchObject({ name: 'e 1.txt' });
    expect(
      fake
        .files()
        .map((f) => f.name)
        .sort(),
    ).toEqual(['e 1.txt', 'e.txt']);
    expect(
      fake
        .files()
        .find((f) => f.name === 'e.txt')!
        .bytes!.toString(),
    ).toBe('two');
  });

  it('locks a file’s columns, content and label once a record label is applied', async () => {
    const created = (await (
      await graph(`/drives/${drive}/root:/f.txt:/content`, { method: 'PUT', body: 'x' })
    ).json()) as { id: string };
    const ids = (await (await graph(`/drives/${drive}/items/${created.id}?$select=id,sharepointIds`)).json()) as {
      sharepointIds: { siteId: string; listId: string; listItemId: string };
    };
    const fields = `/sites/${ids.sharepointIds.siteId}/lists/${ids.sharepointIds.listId}/items/${ids.sharepointIds.listItemId}/fields`;
    const patch = (body: unknown) =>
      graph(fields, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await patch({ Kind: 'invoice' })).status).toBe(200);
    expect((await patch({ Unknown: 'x' })).status).toBe(400);
    const label = (name: string) =>
      graph(`/drives/${drive}/items/${created.id}/retentionLabel`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
    expect((await label('Nope')).status).toBe(400);
    expect((await label('Record')).status).toBe(201);
    expect((await label('Record')).status).toBe(200);
    expect((await patch({ Kind: 'changed' })).status).toBe(423);
    expect((await graph(`/drives/${drive}/root:/f.txt:/content`, { method: 'PUT', body: 'y' })).status).toBe(423);
    expect((await graph(`/drives/${drive}/items/${created.id}`, { method: 'DELETE' })).status).toBe(423);
  });

  it('returns sharepointIds only on $select, as Graph does', async () => {
    const created = (await (
      await graph(`/drives/${drive}/root:/g.txt:/content`, { method: 'PUT', body: 'x' })
    ).json()) as Record<string, unknown>;
    expect(created.sharepointIds).toBeUndefined();
    expect(created.file).toEqual({ hashes: { quickXorHash: 'eAAAAAAAAAAAAAAAAQAAAAAAAAA=' } });
  });

  it('throttles with Retry-After, and again when retried too soon', async () => {
    let clock = 1_000_000;
    const timed = await startGraphFake({ testTokens: ['good'], now: () => clock });
    try {
      timed.throttle(1, '3');
      const call = () => fetch(`${timed.url}/me`, { headers: auth });
      const first = await call();
      expect(first.status).toBe(429);
      expect(first.headers.get('retry-after')).toBe('3');
      clock += 1000;
      const early = await call();
      expect(early.status).toBe(429);
      expect(early.headers.get('retry-after')).toBe('2');
      clock += 2000;
      expect((await call()).status).toBe(200);
    } finally {
      await timed.close();
    }
  });

  it('serves a message as MIME by its REST id, and translates an EWS id', async () => {
    fake.addMessage('AAMkAD-rest_id=', 'From: a@b.c\r\nSubject: hi\r\n\r\nbody', 'AAMkAD+rest/id=');
    const mime = await graph('/me/messages/AAMkAD-rest_id=/$value');
    expect(mime.headers.get('content-type')).toBe('text/plain');
    expect(await mime.text()).toContain('Subject: hi');
    const translated = await graph('/me/translateExchangeIds', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputIds: ['AAMkAD+rest/id='], sourceIdType: 'ewsId', targetIdType: 'restId' }),
    });
    expect(await translated.json()).toEqual({ value: [{ sourceId: 'AAMkAD+rest/id=', targetId: 'AAMkAD-rest_id=' }] });
  });

  it('finds a file by list item, by unique id or by sharing URL, with a download URL that needs no token and expires', async () => {
    const site = fake.addSite(
      'contoso.sharepoint.com',
      '/sites/Finance',
      [{ name: 'Documents', listId: '3f2e1d0c-9b8a-4765-8432-10fedcba9876' }],
      { siteCollectionId: '0b7a2e3c-4d5f-4a6b-8c9d-0e1f2a3b4c5d', webId: '7c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e0f' },
    );
    const file = fake.addFile(site.drives[0]!.id, 'Rates/Rate tables.docx', Buffer.from('docx bytes'), {
      uniqueId: '8D3C2B1A-0F9E-4D8C-B7A6-5E4D3C2B1A0F',
      listItemId: '31',
    });
    const list = `/sites/${encodeURIComponent(site.id)}/lists/3f2e1d0c-9b8a-4765-8432-10fedcba9876`;
    const select = '?$select=id,name,size,@microsoft.graph.downloadUrl';
    const shared = Buffer.from(file.webUrl).toString('base64url');
    for (const path of [
      `${list}/items/31/driveItem`,
      `${list}/drive/items/8d3c2b1a-0f9e-4d8c-b7a6-5e4d3c2b1a0f`,
      `${list}/drive/items/${file.id}`,
      `/shares/u!${shared}/driveItem`,
    ]) {
      const item = (await (await graph(`${path}${select}`)).json()) as Record<string, unknown>;
      expect(item, path).toMatchObject({ id: file.id, name: 'Rate tables.docx', size: 10 });
      const download = String(item['@microsoft.graph.downloadUrl']);
      expect(download.startsWith(fake.origin)).toBe(true);
      expect(await (await fetch(download)).text()).toBe('docx bytes');
    }
    // Only when selected; and unknown ids, links and shares are 404s.
    expect(await (await graph(`${list}/items/31/driveItem`)).json()).not.toHaveProperty('@microsoft.graph.downloadUrl');
    expect((await graph(`${list}/items/32/driveItem`)).status).toBe(404);
    expect(
      (await graph(`/shares/u!${Buffer.from('https://contoso.sharepoint.com/x').toString('base64url')}/driveItem`))
        .status,
    ).toBe(404);
    // "Preauthenticated download URLs are only valid for a short period of time (a few minutes)".
    const item = (await (await graph(`${list}/items/31/driveItem${select}`)).json()) as Record<string, string>;
    skew += 6 * 60 * 1000;
    expect((await fetch(item['@microsoft.graph.downloadUrl']!)).status).toBe(404);
  });
});
