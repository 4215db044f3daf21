// @vitest-environment node

import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeclaredRecord, parseRecord } from '../utils/records/record.ts';
import { uuidv7 } from '../utils/records/uuidv7.ts';
import {
  ENGINES,
  fetch,
  getJson,
  makeRecord,
  multipartPieces,
  postRecord,
  startTestServerWithToken,
  type TestServer,
  textFile,
} from './test/support.ts';

/** A small seeded generator (mulberry32), so a failing case can be replayed from its seed. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick };
}

/** Pieces hostile strings are made of: what PostgreSQL refuses, what breaks headers, what confuses text handling. */
const PIECES = [
  '\u0000',
  '\ud800',
  '\udfff',
  '\ud83d\ude00',
  '\ud83d',
  'a\u0000b',
  '\r\n',
  '\u2028',
  '\u202e',
  '\ufeff',
  '\uffff',
  '%00',
  '\\u0000',
  "'; DROP TABLE records; --",
  '<script>alert(1)</script>',
  '日本語',
  'x'.repeat(300),
  ' ',
  '',
  'plain',
];
const DATES = [
  '2023-02-31T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '1899-12-31T23:59:59Z',
  '1900-01-01T00:00:00Z',
  '2026-01-01T00:00:00+14:00',
  '2026-01-01T00:00:00+14:01',
  '2026-01-01T00:00:00-15:00',
  '2026-13-01T00:00:00Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01T10:00:60Z',
  '2024-02-29T12:00:00.123456789Z',
  '2023-02-29T12:00:00Z',
  '9999-12-31T23:59:59Z',
  '2026-01-01 10:00:00+0100',
  '2026-01-01 10:00:00 +01:00',
  '2026-01-01T10:00Z',
  '+002026-01-01T00:00:00Z',
  'yesterday',
  '2026-01-01T00:00:00',
];

function hostileRecord(seed: number): { record: DeclaredRecord; file: ReturnType<typeof textFile> } {
  const r = random(seed);
  const text = () => Array.from({ length: 1 + r.int(3) }, () => r.pick(PIECES)).join('');
  const file = textFile('note.txt', `fuzz ${seed}`);
  const record = makeRecord([file]);
  const base: DeclaredRecord = {
    ...record,
    title: r.next() < 0.15 ? text() : `Fuzz ${seed}`,
    source: { ...record.source, sourceId: r.next() < 0.15 ? text() : `fuzz-${seed}` },
    tags: r.next() < 0.15 ? [text()] : ['fuzz'],
    fields: r.next() < 0.15 ? { [text()]: text() } : { caseNumber: 'HR-1' },
    classification: { categoryId: r.next() < 0.15 ? text() : 'HR/2.3' },
    metadata: {
      originator: r.next() < 0.15 ? text() : 'Ann',
      ...(r.next() < 0.15 ? { dateSent: r.pick(DATES) } : {}),
      ...(r.next() < 0.1 ? { identifiers: { [text()]: text() } } : {}),
    },
    content: [{ ...record.content[0]!, name: r.next() < 0.1 ? text() : 'note.txt' }],
    declaredAt: r.next() < 0.15 ? r.pick(DATES) : new Date().toISOString(),
    ...(r.next() < 0.1 ? { declaredBy: text() } : {}),
  };
  return { record: base, file };
}

describe.each(ENGINES)('hostile input on %s', (engine) => {
  let t: TestServer, token: string;
  beforeAll(async () => {
    ({ t, token } = await startTestServerWithToken(engine, 'fuzz@x.org'));
  });
  afterAll(() => t?.stop());

  it('never answers 500 to hostile strings and dates, and every record it stores reads back', async () => {
    let stored = 0;
    let refused = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const { record, file } = hostileRecord(seed);
      const valid = parseRecord(JSON.parse(JSON.stringify(record))).ok;
      const response = await postRecord(t.api, token, record, [file]);
      const where = `seed ${seed}: ${JSON.stringify(record).slice(0, 300)}`;
      expect(response.status, where).toBeLessThan(500);
      if (response.status !== 201) {
        refused++;
        expect([400, 413, 422], where).toContain(response.status);
        continue;
      }
      stored++;
      expect(valid, where).toBe(true);
      // Read back through every door: the record, the list and its filters, the audit trail, the page.
      const one = await getJson(`${t.api}/records/${record.id}`, token);
      expect(one.status, where).toBe(200);
      const back = (await one.json()).record as DeclaredRecord;
      expect(back.title, where).toBe(record.title.trim());
      expect(back.declaredAt, where).toBe(record.declaredAt);
      expect(back.metadata.dateSent, where).toBe(record.metadata.dateSent);
      const filters = new URLSearchParams({
        sourceId: back.source.sourceId,
        q: Array.from(back.title.split(/\s+/)[0] ?? '')
          .slice(0, 50)
          .join(''),
        from: '1900-01-01',
        to: '2999-12-31',
      });
      const listed = await getJson(`${t.api}/records?${filters}`, token);
      expect(listed.status, where).toBe(200);
      expect((await listed.json()).items.map((item: { record: { id: string } }) => item.record.id)).toContain(
        record.id,
      );
      expect((await getJson(`${t.api}/records/${record.id}/events`, token)).status, where).toBe(200);
      expect((await getJson(`${t.api}/records/${record.id}/content/0`, token)).status, where).toBe(200);
    }
    // The generator must exercise both sides, or the test proves nothing.
    expect(stored).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
    const all = await getJson(`${t.api}/records?limit=100`, token);
    expect(all.status).toBe(200);
  });

  it('reads dates back exactly as written, also the earliest ones', async () => {
    const file = textFile('note.txt', 'dates');
    const record = makeRecord([file], {
      declaredAt: '1900-01-01T01:00:00+01:00',
      metadata: { dateSent: '0001-01-01T00:00:00Z', dateCreated: '0099-12-31T23:59:59-14:00' },
    });
    expect((await postRecord(t.api, token, record, [file])).status).toBe(201);
    const back = (await (await getJson(`${t.api}/records/${record.id}`, token)).json()).record;
    expect(back.declaredAt).toBe('1900-01-01T01:00:00+01:00');
    expect(back.metadata).toEqual(record.metadata);
    const { items } = await (await getJson(`${t.api}/records/${record.id}/events`, token)).json();
    expect(items[0]).toMatchObject({ kind: 'declared', at: '1900-01-01T00:00:00.000Z' });

    // Year 1 cannot be declared; were it stored, it must never come back as 2001.
    const ancient = makeRecord([file], { declaredAt: '0001-01-01T00:00:00Z' });
    const answer = await postRecord(t.api, token, ancient, [file]);
    if (answer.status === 201) {
      const events = await (await getJson(`${t.api}/records/${ancient.id}/events`, token)).json();
      expect(events.items[0].at).toBe('0001-01-01T00:00:00.000Z');
    } else expect(answer.status).toBe(400);
  });

  it('refuses declaredAt in the future beyond clock skew (422) and before 1900 (400)', async () => {
    const file = textFile('note.txt', 'when');
    const future = makeRecord([file], { declaredAt: new Date(Date.now() + 60 * 60_000).toISOString() });
    const late = await postRecord(t.api, token, future, [file]);
    expect(late.status).toBe(422);
    expect((await late.json()).type).toBe('urn:recordkeeper:problem:declared-in-future');
    const skewed = makeRecord([file], { declaredAt: new Date(Date.now() + 60_000).toISOString() });
    expect((await postRecord(t.api, token, skewed, [file])).status).toBe(201);
    const old = makeRecord([file], { declaredAt: '1899-12-31T23:59:59Z' });
    expect((await postRecord(t.api, token, old, [file])).status).toBe(400);
  });

  /** Bad input of every kind the API takes: each is a 4xx problem+json whose detail says what to fix. */
  describe('4xx for bad input, always', () => {
    const raw = (path: string, headers: Record<string, string>, body: Buffer | string) =>
      new Promise<{ status: number; type: string; detail: string }>((resolve, reject) => {
        const req = request(`${t.server.url}${path}`, { method: 'POST', headers }, (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () => {
            const problem = JSON.parse(text || '{}');
            resolve({ status: response.statusCode!, type: problem.type ?? '', detail: problem.detail ?? '' });
          });
        });
        req.on('error', reject);
        req.end(body);
      });

    it.each([
      ['NUL in a filter', '/records?tag=a%00b', /tag/],
      ['NUL in sourceId', '/records?sourceId=%00', /sourceId/],
      [
        'an out-of-range cursor date',
        `/records?cursor=${Buffer.from(JSON.stringify(['-271821-04-20T00:00:00.000Z', uuidv7()])).toString('base64url')}`,
        /cursor/,
      ],
      [
        'a cursor in year 0',
        `/records?cursor=${Buffer.from(JSON.stringify(['0000-01-01T00:00:00.000Z', uuidv7()])).toString('base64url')}`,
        /cursor/,
      ],
      ['a cursor that is not JSON', '/records?cursor=%FF%FE', /cursor/],
      ['a from date that does not exist', '/records?from=2023-02-31', /from/],
      ['a to date in year 0', '/records?to=0000-01-01', /to/],
      ['an offset past 14:00', `/records?from=${encodeURIComponent('2026-01-01T00:00:00+15:00')}`, /from/],
    ])('GET with %s: 400', async (_, path, detail) => {
      const response = await getJson(`${t.api}${path}`, token);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
      expect((await response.json()).detail).toMatch(detail);
    });

    it('a multipart body without its closing boundary: 400', async () => {
      const file = textFile('note.txt', 'unfinished');
      const record = makeRecord([file]);
      const pieces = multipartPieces('rk-open', record, [file]);
      const body = Buffer.concat(pieces.slice(0, -1).map((piece) => Buffer.from(piece)));
      const answer = await raw(
        '/api/v1/records',
        {
          authorization: `Bearer ${token}`,
          'idempotency-key': record.id,
          'content-type': 'multipart/form-data; boundary=rk-open',
        },
        body,
      );
      expect(answer.status).toBe(400);
      expect(answer.type).toMatch(/malformed-multipart|content-mismatch/);
      expect(answer.detail).not.toBe('');
      expect((await getJson(`${t.api}/records/${record.id}`, token)).status).toBe(404);
    });

    /**
     * Sends `head` and then `pieces` over a socket of our own (Node's HTTP client stops reporting write errors once
     * it has read the answer), and reads the answer. A refusal must reach a client that is still sending, however
     * slowly: answered before the body was read, it is at the mercy of the HTTP layer, which drains an unread body
     * for only 500 ms or 64 MiB and then closes the connection (EPIPE or ECONNRESET for the client). So the answer
     * must come after the whole body was sent (`early` false). The bodies below are twice the 64 MiB, far more than
     * the sockets' buffers hold, so a server that answers first is seen doing so.
     */
    const refusedWhileSending = (head: string, pieces: Uint8Array[], problem: string, length?: number) =>
      new Promise<{ sent: boolean; status: string; close?: boolean; early?: boolean; error?: string }>((resolve) => {
        const socket = connect(Number(new URL(t.server.url).port), '127.0.0.1');
        let text = '';
        let issued = false;
        let early = false;
        let sent = false;
        // Settles once the whole body was sent and the answer read, or when the connection broke.
        const settle = () => {
          if (!text.includes(problem)) return;
          early ||= !issued;
          if (!sent) return;
          const status = /^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? '';
          socket.destroy();
          resolve({ sent, status, close: /\r\nconnection: close\r\n/i.test(text), early });
        };
        socket.on('data', (chunk) => {
          text += chunk;
          settle();
        });
        socket.on('error', (error) => resolve({ sent, status: '', error: (error as NodeJS.ErrnoException).code }));
        socket.on('close', () => resolve({ sent, status: text.slice(0, 12), error: 'closed' }));
        const size = length ?? pieces.reduce((total, piece) => total + piece.byteLength, 0);
        const send = async () => {
          socket.write(`${head}Host: 127.0.0.1\r\nContent-Length: ${size}\r\n\r\n`);
          for (const piece of pieces) if (!socket.write(piece)) await once(socket, 'drain');
          issued = true;
          await new Promise<void>((done, fail) => socket.write('', (error) => (error ? fail(error) : done())));
        };
        send().then(
          () => {
            sent = true;
            settle();
          },
          () => {},
        );
      });
    /** POST /uploads (tus creation) of `length` bytes whose Upload-Metadata says `sha256`. */
    const createUpload = (length: string, sha256: string) =>
      fetch(`${t.api}/uploads`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'tus-resumable': '1.0.0',
          'upload-length': length,
          'upload-metadata': `sha256 ${Buffer.from(sha256).toString('base64')}`,
        },
      });
    /** 128 MiB of zeros, as pieces that all share one buffer. */
    const MIB = new Uint8Array(1024 * 1024);
    const LARGE = Array.from({ length: 128 }, () => MIB);
    const LARGE_BYTES = 128 * MIB.byteLength;
    /** A POST /records body with 128 MiB of content for a record that does not declare it. */
    const largeRecordBody = (record: DeclaredRecord) => {
      const pieces = multipartPieces('rk-big', record, [{ ...textFile('big.bin', ''), bytes: new Uint8Array(0) }]);
      pieces.splice(2, 1, ...LARGE);
      return pieces;
    };

    it('a refusal of a large body is answered after the body, not with a reset while the client still sends', async () => {
      // The record names another id than the Idempotency-Key, so the answer is known after its first part.
      const record = makeRecord([textFile('note.txt', 'x')]);
      const head =
        `POST /api/v1/records HTTP/1.1\r\nAuthorization: Bearer ${token}\r\nIdempotency-Key: ${uuidv7()}\r\n` +
        'Content-Type: multipart/form-data; boundary=rk-big\r\n';
      expect(await refusedWhileSending(head, largeRecordBody(record), 'idempotency-key-mismatch')).toEqual({
        sent: true,
        status: '400',
        close: false,
        early: false,
      });
    });

    it('a refusal before any of the body was read is answered after the body: no Idempotency-Key', async () => {
      const record = makeRecord([textFile('note.txt', 'x')]);
      const head =
        `POST /api/v1/records HTTP/1.1\r\nAuthorization: Bearer ${token}\r\n` +
        'Content-Type: multipart/form-data; boundary=rk-big\r\n';
      expect(await refusedWhileSending(head, largeRecordBody(record), 'idempotency-key-missing')).toEqual({
        sent: true,
        status: '400',
        close: false,
        early: false,
      });
      expect((await getJson(`${t.api}/records/${record.id}`, token)).status).toBe(404);
    });

    it('a body declared larger than the server accepts is not read: the refusal closes the connection', async () => {
      const head =
        `POST /api/v1/records HTTP/1.1\r\nAuthorization: Bearer ${token}\r\nIdempotency-Key: ${uuidv7()}\r\n` +
        'Content-Type: multipart/form-data; boundary=rk-big\r\n';
      const answer = await refusedWhileSending(head, [new Uint8Array(1024)], 'too-large', 4 * 1024 ** 3);
      expect(answer).toMatchObject({ sent: true, status: '413', close: true });
    });

    /**
     * Creates an upload of `length` bytes, PATCHes the 128 MiB at `offset`, and answers what the client read and the
     * offset the upload holds afterwards.
     */
    const refusedPatch = async (length: number, offset: number, problem: string) => {
      const created = await createUpload(String(length), '0'.repeat(64));
      expect(created.status).toBe(201);
      const url = created.headers.get('location');
      const head =
        `PATCH ${url} HTTP/1.1\r\nAuthorization: Bearer ${token}\r\n` +
        `Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: ${offset}\r\n`;
      const answer = await refusedWhileSending(head, LARGE, problem);
      const held = await fetch(`${t.server.url}${url}`, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' },
      });
      return { answer, held: held.headers.get('upload-offset') };
    };

    it('a tus PATCH at the wrong offset is answered after its body', async () => {
      expect(await refusedPatch(2 * LARGE_BYTES, 1, 'upload-offset-mismatch')).toEqual({
        answer: { sent: true, status: '409', close: false, early: false },
        held: '0',
      });
    });

    it('a tus PATCH past the end of its upload is answered after its body, and keeps nothing of it', async () => {
      expect(await refusedPatch(MIB.byteLength, 0, 'upload-overflow')).toEqual({
        answer: { sent: true, status: '400', close: false, early: false },
        held: '0',
      });
    });

    it('a multipart body with no boundary parameter: 400', async () => {
      const record = makeRecord([]);
      const answer = await raw(
        '/api/v1/records',
        { authorization: `Bearer ${token}`, 'idempotency-key': record.id, 'content-type': 'multipart/form-data' },
        'whatever',
      );
      expect(answer.status).toBe(400);
      expect(answer.detail).toMatch(/multipart/);
    });

    it.each([
      ['CR/LF', '/records\r\nSet-Cookie: x=1'],
      ['another site', '//evil.example/records'],
      ['a backslash', '/records/\\evil.example'],
      ['a non-ASCII character', '/records?q=ü'],
    ])('a sign-in "next" with %s: 400 on the form and the page', async (_, next) => {
      const page = await globalThis.fetch(`${t.server.url}/signin?next=${encodeURIComponent(next)}`);
      expect(page.status).toBe(400);
      expect(page.headers.get('content-type')).toMatch(/problem\+json/);
      expect((await page.json()).detail).toMatch(/next/);
      const posted = await raw(
        '/signin',
        { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
        new URLSearchParams({ token, next }).toString(),
      );
      expect(posted.status).toBe(400);
      expect(posted.detail).toMatch(/next/);
    });

    it('a sign-in form that is not a form: 400', async () => {
      const answer = await raw(
        '/signin',
        { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
        '{}',
      );
      expect(answer.status).toBe(400);
      expect(answer.detail).toMatch(/form/);
    });

    it('an upload PATCH or POST with nonsense headers: 4xx', async () => {
      const created = await createUpload('10', '\u0000'.repeat(64));
      expect(created.status).toBe(400);
    });
  });
});
