// @vitest-environment node
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from './main.ts';
import {
  type ContentFile,
  ENGINES,
  fetch,
  getJson,
  makeRecord,
  recordHeaders,
  sha256Hex,
  startTestServer,
  until,
  untilAsync,
} from './test/support.ts';
import { UPLOAD_REF_TYPE } from './uploads.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe.each(ENGINES)('Resumable uploads on %s', (engine) => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  let ann: string;
  let bob: string;

  beforeAll(async () => {
    t = await startTestServer({ maxBytes: 8 * 1024 * 1024 }, engine);
    ann = await t.server.createToken('ann@x.org');
    bob = await t.server.createToken('bob@x.org');
  });
  afterAll(() => t?.stop());

  const tus = (token: string, extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${token}`,
    'tus-resumable': '1.0.0',
    ...extra,
  });

  function file(size: number): ContentFile {
    return { name: 'big.bin', mimeType: 'application/octet-stream', bytes: new Uint8Array(randomBytes(size)) };
  }

  async function create(token: string, f: ContentFile, recordId?: string, api = t.api): Promise<string> {
    const metadata = [`sha256 ${b64(sha256Hex(f.bytes))}`, `name ${b64(f.name)}`];
    if (recordId) metadata.push(`record ${b64(recordId)}`, `part ${b64('0')}`);
    const response = await fetch(`${api}/uploads`, {
      method: 'POST',
      headers: tus(token, { 'upload-length': String(f.bytes.byteLength), 'upload-metadata': metadata.join(',') }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('tus-resumable')).toBe('1.0.0');
    expect(response.headers.get('upload-offset')).toBe('0');
    return new URL(response.headers.get('location')!, api).href;
  }

  const head = (url: string, token = ann) => fetch(url, { method: 'HEAD', headers: tus(token) });
  const offsetOf = async (url: string) => Number((await head(url)).headers.get('upload-offset'));
  const patch = (url: string, offset: number, bytes: Uint8Array, token = ann) =>
    fetch(url, {
      method: 'PATCH',
      headers: tus(token, { 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) }),
      body: bytes as Uint8Array<ArrayBuffer>,
    });

  function postWithRef(token: string, record: ReturnType<typeof makeRecord>, uploadUrl: string, api = t.api) {
    const form = new FormData();
    form.append('record', JSON.stringify(record));
    const id = new URL(uploadUrl).pathname.split('/').pop();
    form.append('content', new Blob([`upload:${id}`], { type: UPLOAD_REF_TYPE }), record.content[0]!.name);
    return fetch(`${api}/records`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'idempotency-key': record.id },
      body: form,
    });
  }

  it('takes a part in pieces, refuses a wrong offset, and lets a record refer to it', async () => {
    const f = file(300_000);
    const record = makeRecord([f]);
    const url = await create(ann, f, record.id);
    expect(await offsetOf(url)).toBe(0);
    expect((await patch(url, 0, f.bytes.subarray(0, 100_000))).status).toBe(204);
    expect(await offsetOf(url)).toBe(100_000);

    const wrong = await patch(url, 50_000, f.bytes.subarray(50_000, 60_000));
    expect(wrong.status).toBe(409);
    expect(wrong.headers.get('upload-offset')).toBe('100000');
    expect(await offsetOf(url)).toBe(100_000);

    const last = await patch(url, 100_000, f.bytes.subarray(100_000));
    expect(last.status).toBe(204);
    expect(last.headers.get('upload-offset')).toBe('300000');

    const created = await postWithRef(ann, record, url);
    expect(created.status).toBe(201);
    const receipt = await created.json();
    expect(receipt.content).toEqual([{ name: 'big.bin', sha256: sha256Hex(f.bytes), size: 300_000 }]);
    const content = await getJson(`${t.api}/records/${record.id}/content/0`, ann);
    expect(Buffer.from(await content.arrayBuffer()).equals(Buffer.from(f.bytes))).toBe(true);

    // A retry after the answer was lost gets the original receipt, though the upload is used up.
    const again = await postWithRef(ann, record, url);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(receipt);
    expect((await head(url)).status).toBe(404);
  });

  it('keeps what arrived before a connection dropped, and continues from there', async () => {
    const f = file(2_000_000);
    const url = await create(ann, f);
    const sent = 1_200_000;
    await new Promise<void>((resolve) => {
      const req = request(url, {
        method: 'PATCH',
        headers: {
          ...tus(ann),
          'content-type': 'application/offset+octet-stream',
          'upload-offset': '0',
          'content-length': String(f.bytes.byteLength),
        },
      });
      req.on('error', () => resolve());
      req.write(f.bytes.subarray(0, sent), () => setTimeout(() => req.destroy(), 200));
    });
    let offset = 0;
    for (let i = 0; i < 50 && offset < sent; i++) {
      offset = await offsetOf(url);
      if (offset < sent) await new Promise((r) => setTimeout(r, 50));
    }
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(sent);
    let response = await patch(url, offset, f.bytes.subarray(offset));
    // The dropped request may still be finishing its write: the server says so with 409 + Retry-After.
    for (let i = 0; response.status === 409 && i < 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
      offset = await offsetOf(url);
      response = await patch(url, offset, f.bytes.subarray(offset));
    }
    expect(response.status).toBe(204);
    expect(await offsetOf(url)).toBe(f.bytes.byteLength);
  });

  it('survives a server restart: the offset is what the disk holds', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dataDir = mkdtempSync(join(tmpdir(), 'rk-uploads-restart-'));
    const databaseUrl = t.databaseUrl;
    const first = await startServer({ port: 0, dataDir, databaseUrl });
    try {
      const token = await first.createToken('carl');
      const f = file(500_000);
      const record = makeRecord([f]);
      const url = await create(token, f, record.id, `${first.url}/api/v1`);
      expect(
        (
          await fetch(url, {
            method: 'PATCH',
            headers: tus(token, { 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' }),
            body: f.bytes.subarray(0, 200_000),
          })
        ).status,
      ).toBe(204);
      await first.close();
      const second = await startServer({ port: first.port, dataDir, databaseUrl });
      try {
        const h = await fetch(url, { method: 'HEAD', headers: tus(token) });
        expect(h.headers.get('upload-offset')).toBe('200000');
        expect(
          (
            await fetch(url, {
              method: 'PATCH',
              headers: tus(token, { 'content-type': 'application/offset+octet-stream', 'upload-offset': '200000' }),
              body: f.bytes.subarray(200_000),
            })
          ).status,
        ).toBe(204);
        expect((await postWithRef(token, record, url, `${second.url}/api/v1`)).status).toBe(201);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps nothing when the completed bytes do not match the sha256', async () => {
    const f = file(100_000);
    const url = await create(ann, f);
    const tampered = f.bytes.slice();
    tampered[5] = tampered[5]! ^ 1;
    const response = await patch(url, 0, tampered);
    expect(response.status).toBe(422);
    expect((await response.json()).detail).toMatch(/nothing was kept/);
    expect((await head(url)).status).toBe(404);
    const id = new URL(url).pathname.split('/').pop()!;
    expect(existsSync(join(t.dataDir, 'blobs', 'uploads', id))).toBe(false);
    expect(await t.server.blobs.has(sha256Hex(tampered))).toBe(false);
  });

  it('answers 404 for an unknown, expired or another user’s upload', async () => {
    expect((await head(`${t.api}/uploads/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await head(`${t.api}/uploads/not-a-uuid`)).status).toBe(404);
    const f = file(1000);
    const url = await create(ann, f);
    expect((await head(url, bob)).status).toBe(404);
    expect((await patch(url, 0, f.bytes, bob)).status).toBe(404);
    const id = new URL(url).pathname.split('/').pop()!;
    await t.server.db.query("UPDATE uploads SET expires_at = now() - interval '1 minute' WHERE id = $1", [id]);
    expect((await head(url)).status).toBe(404);
    expect((await patch(url, 0, f.bytes)).status).toBe(404);
    expect(readdirSync(join(t.dataDir, 'blobs', 'uploads'))).not.toContain(id);
  });

  it('refuses a record that refers to an unknown or incomplete upload, storing nothing', async () => {
    const f = file(1000);
    const record = makeRecord([f]);
    const unknown = await postWithRef(ann, record, `${t.api}/uploads/00000000-0000-4000-8000-000000000000`);
    expect(unknown.status).toBe(422);
    expect((await unknown.json()).type).toMatch(/:upload-unknown$/);
    const url = await create(ann, f);
    await patch(url, 0, f.bytes.subarray(0, 10));
    const incomplete = await postWithRef(ann, record, url);
    expect(incomplete.status).toBe(422);
    expect((await getJson(`${t.api}/records/${record.id}`, ann)).status).toBe(404);
  });

  /**
   * A record that refers to an upload and also carries a part of its own, sent in two halves: the upload is claimed
   * when the record's first content part arrives, and the request stays open until `finish` is called.
   */
  async function slowRecordWithRef(token: string, uploaded: ContentFile, uploadUrl: string) {
    const inline: ContentFile = { name: 'inline.bin', mimeType: 'application/octet-stream', bytes: file(50_000).bytes };
    const record = makeRecord([uploaded, inline]);
    const boundary = 'rk-slow-ref';
    const id = new URL(uploadUrl).pathname.split('/').pop();
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="record"\r\n\r\n${JSON.stringify(record)}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="big.bin"\r\n` +
        `Content-Type: ${UPLOAD_REF_TYPE}\r\n\r\nupload:${id}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="inline.bin"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    );
    const half = inline.bytes.byteLength / 2;
    const req = request(`${t.api}/records`, {
      method: 'POST',
      headers: recordHeaders(token, record.id, boundary),
    });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body }));
      });
      req.on('error', reject);
    });
    req.write(head);
    req.write(inline.bytes.subarray(0, half));
    // The server holds the record id in flight once it read the record; the claim comes with the first part.
    await until(() => t.server.inFlightKeys().includes(record.id));
    return {
      record,
      answer,
      finish() {
        req.end(Buffer.concat([inline.bytes.subarray(half), Buffer.from(`\r\n--${boundary}--\r\n`)]));
      },
    };
  }

  async function completedUpload(token: string) {
    const f = file(200_000);
    const url = await create(token, f);
    expect((await patch(url, 0, f.bytes, token)).status).toBe(204);
    return { f, url, id: new URL(url).pathname.split('/').pop()! };
  }

  /** Waits until a record's claim of upload `id` pushed its expiry back (hours ahead). */
  const untilClaimed = (id: string) =>
    untilAsync(async () => {
      const { rows } = await t.server.db.query<{ expires_at: Date }>('SELECT expires_at FROM uploads WHERE id = $1', [
        id,
      ]);
      return rows[0]!.expires_at.getTime() > Date.now() + 60 * 60_000;
    });

  it('never sweeps an upload that a record being received refers to', async () => {
    const { f, url, id } = await completedUpload(ann);
    const slow = await slowRecordWithRef(ann, f, url);
    // Wait until the claim pushed the expiry back, then let the clock run past it, and make a sweep run.
    await untilClaimed(id);
    await t.server.db.query("UPDATE uploads SET expires_at = now() - interval '1 minute' WHERE id = $1", [id]);
    await create(ann, file(10));
    expect(existsSync(join(t.dataDir, 'blobs', 'uploads', id))).toBe(true);
    slow.finish();
    const { status, body } = await slow.answer;
    expect(status, body).toBe(201);
    const content = await getJson(`${t.api}/records/${slow.record.id}/content/0`, ann);
    expect(Buffer.from(await content.arrayBuffer()).equals(Buffer.from(f.bytes))).toBe(true);
  });

  it('gives no receipt when the upload’s bytes are gone by the commit: 422, nothing kept', async () => {
    const { f, url, id } = await completedUpload(ann);
    const slow = await slowRecordWithRef(ann, f, url);
    await untilClaimed(id);
    rmSync(join(t.dataDir, 'blobs', 'uploads', id));
    slow.finish();
    const { status, body } = await slow.answer;
    expect(status, body).toBe(422);
    expect(JSON.parse(body).type).toBe('urn:recordkeeper:problem:upload-unknown');
    expect((await getJson(`${t.api}/records/${slow.record.id}`, ann)).status).toBe(404);
    expect(await t.server.blobs.has(sha256Hex(f.bytes))).toBe(false);
  });

  it('refuses a record whose entry differs from the upload', async () => {
    const f = file(1000);
    const url = await create(ann, f);
    expect((await patch(url, 0, f.bytes)).status).toBe(204);
    const other = makeRecord([file(1000)]);
    const response = await postWithRef(ann, other, url);
    expect(response.status).toBe(422);
    expect((await response.json()).detail).toMatch(/nothing was stored/);
  });

  it('speaks tus 1.0 only, and checks the request', async () => {
    const { 'tus-resumable': _, ...versionless } = tus(ann, {
      'upload-length': '10',
      'upload-metadata': `sha256 ${b64('a'.repeat(64))}`,
    });
    const missing = await fetch(`${t.api}/uploads`, { method: 'POST', headers: versionless });
    expect(missing.status).toBe(412);
    expect(missing.headers.get('tus-version')).toBe('1.0.0');
    const noSha = await fetch(`${t.api}/uploads`, { method: 'POST', headers: tus(ann, { 'upload-length': '10' }) });
    expect(noSha.status).toBe(400);
    const tooBig = await fetch(`${t.api}/uploads`, {
      method: 'POST',
      headers: tus(ann, {
        'upload-length': String(9 * 1024 * 1024),
        'upload-metadata': `sha256 ${b64('a'.repeat(64))}`,
      }),
    });
    expect(tooBig.status).toBe(413);
    const f = file(10);
    const url = await create(ann, f);
    const wrongType = await fetch(url, {
      method: 'PATCH',
      headers: tus(ann, { 'content-type': 'application/octet-stream', 'upload-offset': '0' }),
      body: f.bytes,
    });
    expect(wrongType.status).toBe(415);
    const overflow = await patch(url, 0, file(11).bytes);
    expect(overflow.status).toBe(400);
    expect(await offsetOf(url)).toBe(0);
  });
});
