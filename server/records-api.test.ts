// @vitest-environment node
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ReceiptSchema } from '../utils/records/record.ts';
import {
  type ContentFile,
  ENGINES,
  fetch,
  flipFirstByte,
  getJson,
  heldPost,
  makeRecord,
  postRecord,
  recordForm,
  sha256Hex,
  startTestServer,
  textFile,
  until,
} from './test/support.ts';

describe.each(ENGINES)('Records API on %s', (engine) => {
  const MAX_BYTES = 64 * 1024;
  let t: Awaited<ReturnType<typeof startTestServer>>;
  let ann: string;
  let bob: string;
  let admin: string;

  beforeAll(async () => {
    t = await startTestServer(
      {
        maxBytes: MAX_BYTES,
        publicUrl: 'https://records.example.org',
        corsOrigins: [
          'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
          'moz-extension://1f0e3c2a-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
        ],
      },
      engine,
    );
    ann = await t.server.createToken('ann@x.org', false);
    bob = await t.server.createToken('bob@x.org', false);
    admin = await t.server.createToken('root', true);
  });
  afterAll(() => t?.stop());

  const eml = textFile(
    'message.eml',
    'From: Ann <ann@x.org>\r\nSubject: Grievance\r\n\r\nHello.\r\n',
    'message/rfc822',
  );
  const pdf: ContentFile = {
    name: 'message.pdf',
    mimeType: 'application/pdf',
    bytes: new Uint8Array([37, 80, 68, 70, 0, 255, 1]),
  };

  async function expectProblem(response: Response, status: number, detail?: RegExp) {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = await response.json();
    expect(body).toMatchObject({
      status,
      type: expect.any(String),
      title: expect.any(String),
      detail: expect.any(String),
    });
    if (detail) expect(body.detail).toMatch(detail);
    return body;
  }

  describe('health and authentication', () => {
    it('answers health without a token', async () => {
      const response = await fetch(`${t.api}/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true });
    });

    it('rejects a missing or unknown token with 401', async () => {
      const missing = await fetch(`${t.api}/records?sourceId=x`);
      await expectProblem(missing, 401, /Bearer/);
      expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
      await expectProblem(await getJson(`${t.api}/records?sourceId=x`, 'rk_not-a-real-token'), 401);
      await expectProblem(await postRecord(t.api, 'nonsense', makeRecord([eml]), [eml]), 401);
    });

    it('answers unknown routes with a 404 problem', async () => {
      await expectProblem(await getJson(`${t.api}/nothing-here`, ann), 404);
    });
  });

  describe('POST /records', () => {
    it('stores a record and answers 201 with a receipt carrying the digests', async () => {
      const record = makeRecord([eml, pdf]);
      const response = await postRecord(t.api, ann, record, [eml, pdf]);
      expect(response.status).toBe(201);
      const receipt = await response.json();
      expect(v.safeParse(ReceiptSchema, receipt).success).toBe(true);
      expect(receipt).toEqual({
        id: record.id,
        url: `https://records.example.org/records/${record.id}`,
        receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        content: [
          { name: 'message.eml', sha256: sha256Hex(eml.bytes), size: eml.bytes.byteLength },
          { name: 'message.pdf', sha256: sha256Hex(pdf.bytes), size: pdf.bytes.byteLength },
        ],
      });

      const stored = await (await getJson(`${t.api}/records/${record.id}`, ann)).json();
      expect(stored.receipt).toEqual(receipt);
      // declaredBy was missing, so the server fills in the token's user.
      expect(stored.record).toEqual({ ...record, declaredBy: 'ann@x.org' });
    });

    it("records the token's user as declaredBy: a different client value is replaced and audited", async () => {
      const record = makeRecord([eml], { declaredBy: 'Bob <bob@x.org>' });
      expect((await postRecord(t.api, ann, record, [eml])).status).toBe(201);
      const stored = await (await getJson(`${t.api}/records/${record.id}`, ann)).json();
      expect(stored.record.declaredBy).toBe('ann@x.org');
      const { items } = await (await getJson(`${t.api}/records/${record.id}/events`, ann)).json();
      expect(items[0]).toMatchObject({ kind: 'declared', actor: 'ann@x.org' });
      expect(items[0].detail).toContain('Bob <bob@x.org>');
      // A retry of the very same body is still the same record.
      expect((await postRecord(t.api, ann, record, [eml])).status).toBe(200);
      const listed = await (
        await getJson(`${t.api}/records?declaredBy=${encodeURIComponent('Bob <bob@x.org>')}`, ann)
      ).json();
      expect(listed.items).toEqual([]);
    });

    it('answers a retry of the same body with 200 and the original receipt', async () => {
      const record = makeRecord([eml]);
      const first = await postRecord(t.api, ann, record, [eml]);
      expect(first.status).toBe(201);
      const again = await postRecord(t.api, ann, record, [eml]);
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual(await first.json());
    });

    it('answers 409 when the key was used for a different body, and keeps the original', async () => {
      const record = makeRecord([eml]);
      expect((await postRecord(t.api, ann, record, [eml])).status).toBe(201);
      const changed = { ...record, title: 'Something else' };
      await expectProblem(await postRecord(t.api, ann, changed, [eml]), 409, /different/);
      const stored = await (await getJson(`${t.api}/records/${record.id}`, ann)).json();
      expect(stored.record.title).toBe(record.title);
    });

    it('answers 409 while the same key is in flight, then the first request completes', async () => {
      const record = makeRecord([eml]);
      // Send everything except the end of the content part, so the first request stays in flight.
      const first = heldPost(t.api, ann, record, [eml], 'rk-boundary-in-flight');
      await until(() => t.server.inFlightKeys().includes(record.id));

      await expectProblem(await postRecord(t.api, ann, record, [eml]), 409, /in flight|still being received/);

      first.finish();
      const response = await first.response;
      expect(response.status).toBe(201);
      const receipt = await response.json();
      expect(t.server.inFlightKeys()).not.toContain(record.id);

      const retry = await postRecord(t.api, ann, record, [eml]);
      expect(retry.status).toBe(200);
      expect(await retry.json()).toEqual(receipt);
    });

    it('checks the token, looks the record up and takes its lease in one statement, and stores it in one more', async () => {
      // A first request marks the token as used, so that the measured one is as every later one.
      expect((await postRecord(t.api, ann, makeRecord([eml]), [eml])).status).toBe(201);
      const record = makeRecord([eml]);
      const query = vi.spyOn(t.server.db, 'query');
      try {
        expect((await postRecord(t.api, ann, record, [eml])).status).toBe(201);
        expect(query).toHaveBeenCalledTimes(2);
      } finally {
        query.mockRestore();
      }
      expect(t.server.inFlightKeys()).not.toContain(record.id);
    });

    it('releases the lease taken with the token when it refuses the request before using it', async () => {
      const record = makeRecord([eml]);
      const headers = { authorization: `Bearer ${ann}`, 'idempotency-key': record.id };
      const notMultipart = await fetch(`${t.api}/records`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(record),
      });
      await expectProblem(notMultipart, 400, /multipart/);
      const invalid = await fetch(`${t.api}/records`, {
        method: 'POST',
        headers,
        body: recordForm({ ...record, title: 42 }, [eml]),
      });
      await expectProblem(invalid, 400);
      expect(t.server.inFlightKeys()).not.toContain(record.id);
      // Were the lease still in the database, this would be told the record is in flight.
      expect((await postRecord(t.api, ann, record, [eml])).status).toBe(201);
    });

    it('refuses an unknown token and a key that cannot be a record id, and leaves no lease behind', async () => {
      const record = makeRecord([eml]);
      const unknownToken = `rk_${'x'.repeat(43)}`;
      await expectProblem(await postRecord(t.api, unknownToken, record, [eml]), 401);
      const wrongKey = await fetch(`${t.api}/records`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ann}`, 'idempotency-key': record.id.toUpperCase() },
        body: recordForm(record, [eml]),
      });
      await expectProblem(wrongKey, 400, /Idempotency-Key/);
      expect(t.server.inFlightKeys()).toEqual([]);
      expect((await postRecord(t.api, ann, record, [eml])).status).toBe(201);
    });

    it('answers 422 on a sha256 mismatch and stores nothing', async () => {
      const record = makeRecord([eml]);
      // Same length, one byte changed: only the digest can tell.
      const tampered = flipFirstByte(eml);
      const body = await expectProblem(await postRecord(t.api, ann, record, [tampered]), 422, /sha256/);
      expect(body.detail).toContain(sha256Hex(tampered.bytes));
      expect(body.detail).toContain(record.content[0]!.sha256);
      expect(body.detail).toMatch(/nothing was stored/);
      await expectProblem(await getJson(`${t.api}/records/${record.id}`, ann), 404);
    });

    it('keeps no blob of a refused request, not even of the parts that matched', async () => {
      const unique = textFile('message.eml', `unique ${Math.random()}`, 'message/rfc822');
      const record = makeRecord([unique, pdf]);
      const tamperedPdf = flipFirstByte(pdf);
      await expectProblem(await postRecord(t.api, ann, record, [unique, tamperedPdf]), 422, /part 2 of 2/);
      const digest = sha256Hex(unique.bytes);
      expect(await t.server.blobs.has(digest)).toBe(false);
      expect(readdirSync(join(t.dataDir, 'blobs', 'tmp'))).toEqual([]);

      // The same content in an accepted record is stored, where the test above looked.
      const accepted = makeRecord([unique]);
      expect((await postRecord(t.api, ann, accepted, [unique])).status).toBe(201);
      expect(await t.server.blobs.has(digest)).toBe(true);
    });

    it('answers 422 on a size mismatch', async () => {
      const record = makeRecord([eml]);
      record.content[0]!.size += 1;
      await expectProblem(await postRecord(t.api, ann, record, [eml]), 422, /bytes/);
      await expectProblem(await getJson(`${t.api}/records/${record.id}`, ann), 404);
    });

    it('answers 422 when the number of content parts differs from the record', async () => {
      const two = makeRecord([eml, pdf]);
      await expectProblem(await postRecord(t.api, ann, two, [eml]), 422, /2 content/);
      const one = makeRecord([eml]);
      await expectProblem(await postRecord(t.api, ann, one, [eml, pdf]), 422, /more/);
      await expectProblem(await getJson(`${t.api}/records/${two.id}`, ann), 404);
      await expectProblem(await getJson(`${t.api}/records/${one.id}`, ann), 404);
    });

    it('answers 400 with the problems listed when the record is invalid', async () => {
      const record = makeRecord([eml]);
      const invalid = { ...record, title: '', content: [{ ...record.content[0], sha256: 'abc' }] };
      const body = await expectProblem(await postRecord(t.api, ann, invalid as never, [eml]), 400);
      expect(body.errors).toEqual(expect.arrayContaining([expect.stringMatching(/^title:/)]));
      expect(body.errors).toEqual(expect.arrayContaining([expect.stringMatching(/^content\.0\.sha256:/)]));
      expect(body.detail).toContain('title');
    });

    it('answers 400 when the record part is not JSON', async () => {
      const form = new FormData();
      form.append('record', '{"id": ');
      const response = await fetch(`${t.api}/records`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ann}`, 'idempotency-key': makeRecord([]).id },
        body: form,
      });
      const body = await expectProblem(response, 400, /JSON/);
      expect(body.errors).toHaveLength(1);
    });

    it('answers 400 when the Idempotency-Key is missing or differs from the record id', async () => {
      const record = makeRecord([eml]);
      await expectProblem(await postRecord(t.api, ann, record, [eml], null), 400, /Idempotency-Key/);
      await expectProblem(await postRecord(t.api, ann, record, [eml], makeRecord([]).id), 400, /record id/);
      await expectProblem(await getJson(`${t.api}/records/${record.id}`, ann), 404);
    });

    it('answers 400 when the body is not multipart', async () => {
      const response = await fetch(`${t.api}/records`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${ann}`,
          'idempotency-key': makeRecord([]).id,
          'content-type': 'application/json',
        },
        body: JSON.stringify(makeRecord([])),
      });
      await expectProblem(response, 400, /multipart/);
    });

    it('answers 413 when the content is over the configured limit', async () => {
      const big: ContentFile = {
        name: 'big.bin',
        mimeType: 'application/octet-stream',
        bytes: new Uint8Array(MAX_BYTES + 1),
      };
      const record = makeRecord([big]);
      await expectProblem(await postRecord(t.api, ann, record, [big]), 413, /at most/);
      await expectProblem(await getJson(`${t.api}/records/${record.id}`, ann), 404);
    });

    it('accepts a record without content', async () => {
      const record = makeRecord([], { source: { ...makeRecord([]).source, kind: 'page' } });
      const response = await postRecord(t.api, ann, record, []);
      expect(response.status).toBe(201);
      expect((await response.json()).content).toEqual([]);
    });
  });

  describe('GET /records', () => {
    const sourceId = '<list-test@mail.gmail.com>';
    const ids: string[] = [];

    beforeAll(async () => {
      for (const title of ['first', 'second', 'third']) {
        const record = makeRecord([eml], { title, source: { ...makeRecord([]).source, sourceId } });
        expect((await postRecord(t.api, ann, record, [eml])).status).toBe(201);
        ids.push(record.id);
      }
      const other = makeRecord([eml], { source: { ...makeRecord([]).source, sourceId: '<unrelated@x>' } });
      expect((await postRecord(t.api, ann, other, [eml])).status).toBe(201);
    });

    it('lists the records of a source newest first', async () => {
      const response = await getJson(`${t.api}/records?sourceId=${encodeURIComponent(sourceId)}`, ann);
      expect(response.status).toBe(200);
      const { items } = await response.json();
      expect(items.map((item: { record: { id: string } }) => item.record.id)).toEqual([...ids].reverse());
      expect(items[0].receipt.id).toBe(ids[2]);
    });

    it('pages through all records with limit and cursor', async () => {
      const first = await (
        await getJson(`${t.api}/records?sourceId=${encodeURIComponent(sourceId)}&limit=2`, ann)
      ).json();
      expect(first.items).toHaveLength(2);
      expect(first.nextCursor).toEqual(expect.any(String));
      const url = `${t.api}/records?sourceId=${encodeURIComponent(sourceId)}&limit=2&cursor=${first.nextCursor}`;
      const second = await (await getJson(url, ann)).json();
      expect(second.items.map((item: { record: { id: string } }) => item.record.id)).toEqual([ids[0]]);
      expect(second.nextCursor).toBeUndefined();
    });

    it('lists without sourceId, newest first, and rejects a bad limit or cursor', async () => {
      const { items } = await (await getJson(`${t.api}/records?limit=100`, ann)).json();
      expect(items.length).toBeGreaterThanOrEqual(4);
      const times = items.map((item: { receipt: { receivedAt: string } }) => item.receipt.receivedAt);
      expect(times).toEqual([...times].sort().reverse());
      await expectProblem(await getJson(`${t.api}/records?limit=101`, ann), 400, /limit/);
      await expectProblem(await getJson(`${t.api}/records?cursor=garbage`, ann), 400, /cursor/);
    });

    it('shows a user only their own records; an admin sees all', async () => {
      const query = `${t.api}/records?sourceId=${encodeURIComponent(sourceId)}`;
      expect((await (await getJson(query, bob)).json()).items).toEqual([]);
      await expectProblem(await getJson(`${t.api}/records/${ids[0]}`, bob), 404);
      await expectProblem(await getJson(`${t.api}/records/${ids[0]}/content/0`, bob), 404);
      expect((await (await getJson(query, admin)).json()).items).toHaveLength(3);
      expect((await getJson(`${t.api}/records/${ids[0]}`, admin)).status).toBe(200);
    });

    it('does not let another user reuse a record id', async () => {
      const record = makeRecord([eml]);
      expect((await postRecord(t.api, ann, record, [eml])).status).toBe(201);
      await expectProblem(await postRecord(t.api, bob, record, [eml]), 409);
    });

    it("answers another user's record id exactly as a reused id, so nobody learns that it exists", async () => {
      const record = makeRecord([eml]);
      expect((await postRecord(t.api, ann, record, [eml])).status).toBe(201);
      const changed = { ...record, title: 'Changed' };
      const answer = async (response: Response) => ({
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: await response.json(),
      });
      const own = await answer(await postRecord(t.api, ann, changed, [eml]));
      const sameBody = await answer(await postRecord(t.api, bob, record, [eml]));
      const otherBody = await answer(await postRecord(t.api, bob, changed, [eml]));
      expect(own.status).toBe(409);
      expect(sameBody).toEqual(own);
      expect(otherBody).toEqual(own);
      await expectProblem(await getJson(`${t.api}/records/${record.id}`, bob), 404);
    });

    it('does not tell another user that a record id is being received: it is an unused id until stored', async () => {
      const record = makeRecord([eml]);
      const first = heldPost(t.api, ann, record, [eml], 'rk-boundary-other-user');
      await until(() => t.server.inFlightKeys().includes(record.id));
      // Ann's request is in flight; to Bob the id is as unknown as any other: his record is stored.
      const bobs = await postRecord(t.api, bob, record, [eml]);
      expect(bobs.status).toBe(201);
      first.finish();
      // Ann's then collides, and hears what any reused id hears.
      const anns = await first.response;
      expect(anns.status).toBe(409);
      expect((await anns.json()).type).toBe('urn:recordkeeper:problem:idempotency-key-reused');
    });

    it('answers 404 for an id that is not a UUID', async () => {
      await expectProblem(await getJson(`${t.api}/records/not-a-uuid`, ann), 404);
    });
  });

  describe('GET /records/{id}/content/{n}', () => {
    it('streams the bytes with their type and digests', async () => {
      const record = makeRecord([eml, pdf]);
      expect((await postRecord(t.api, ann, record, [eml, pdf])).status).toBe(201);
      const response = await getJson(`${t.api}/records/${record.id}/content/1`, ann);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/pdf');
      const base64 = createHash('sha256').update(pdf.bytes).digest('base64');
      expect(response.headers.get('repr-digest')).toBe(`sha-256=:${base64}:`);
      expect(response.headers.get('digest')).toBe(`sha-256=${base64}`);
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(pdf.bytes);

      const first = await getJson(`${t.api}/records/${record.id}/content/0`, ann);
      expect(await first.text()).toBe(new TextDecoder().decode(eml.bytes));
      await expectProblem(await getJson(`${t.api}/records/${record.id}/content/2`, ann), 404);
      await expectProblem(await getJson(`${t.api}/records/${record.id}/content/x`, ann), 404);
    });
  });

  describe('GET /presets', () => {
    it('returns the demo presets with a strong ETag and honours If-None-Match', async () => {
      const response = await getJson(`${t.api}/presets`, ann);
      expect(response.status).toBe(200);
      const text = await response.text();
      const etag = response.headers.get('etag');
      expect(etag).toBe(`"${createHash('sha256').update(text).digest('hex')}"`);
      const presets = JSON.parse(text);
      expect(presets.version).toBe(7);
      expect(presets.profiles.map((p: { id: string }) => p.id)).toEqual(['hr-case', 'invoice']);

      const again = await fetch(`${t.api}/presets`, {
        headers: { authorization: `Bearer ${ann}`, 'if-none-match': `"stale", ${etag}` },
      });
      expect(again.status).toBe(304);
      expect(again.headers.get('etag')).toBe(etag);
      const stale = await fetch(`${t.api}/presets`, {
        headers: { authorization: `Bearer ${ann}`, 'if-none-match': '"x"' },
      });
      expect(stale.status).toBe(200);
    });
  });

  describe('CORS', () => {
    it('answers a preflight from an extension origin', async () => {
      const response = await fetch(`${t.api}/records`, {
        method: 'OPTIONS',
        headers: {
          origin: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, idempotency-key',
        },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(
        'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
      );
      const allowed = response.headers.get('access-control-allow-headers')?.toLowerCase() ?? '';
      for (const header of ['authorization', 'content-type', 'idempotency-key', 'if-none-match']) {
        expect(allowed).toContain(header);
      }
    });

    it('echoes configured origins only: no other extension, loopback or web origin', async () => {
      const moz = await fetch(`${t.api}/presets`, {
        headers: { authorization: `Bearer ${ann}`, origin: 'moz-extension://1f0e3c2a-5b6d-4e7f-8a9b-0c1d2e3f4a5b' },
      });
      expect(moz.headers.get('access-control-allow-origin')).toBe(
        'moz-extension://1f0e3c2a-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
      );
      expect(moz.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('etag');
      for (const origin of [
        'chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba',
        'moz-extension://00000000-0000-4000-8000-000000000000',
        'http://localhost:3000',
        'https://evil.example',
      ]) {
        const preflight = await fetch(`${t.api}/records`, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization',
          },
        });
        expect(preflight.headers.get('access-control-allow-origin'), origin).toBeNull();
        const simple = await fetch(`${t.api}/health`, { headers: { origin } });
        expect(simple.headers.get('access-control-allow-origin'), origin).toBeNull();
      }
    });
  });

  describe('multipart edge cases', () => {
    it('answers 400 when the first part is not the record', async () => {
      const record = makeRecord([eml]);
      const form = new FormData();
      form.append('content', new Blob([eml.bytes]), 'message.eml');
      form.append('record', JSON.stringify(record));
      const response = await fetch(`${t.api}/records`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ann}`, 'idempotency-key': record.id },
        body: form,
      });
      await expectProblem(response, 400, /first part/);
    });

    it('accepts the record part sent as a JSON file', async () => {
      const record = makeRecord([eml]);
      const form = recordForm(record, [eml]);
      form.set('record', new Blob([JSON.stringify(record)], { type: 'application/json' }), 'record.json');
      // FormData.set moves the record part to the position of the first "record" entry, so it stays first.
      const response = await fetch(`${t.api}/records`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ann}`, 'idempotency-key': record.id },
        body: form,
      });
      expect(response.status).toBe(201);
    });
  });
});
