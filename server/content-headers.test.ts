// @vitest-environment node
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents } from './records.ts';
import {
  type ContentFile,
  ENGINES,
  fetch,
  getJson,
  makeRecord,
  postRecord,
  startTestServerWithToken,
  type TestServer,
} from './test/support.ts';

/** Content downloads: hostile declared media types never reach a header; HEAD reads nothing and leaks nothing. */
describe.each(ENGINES)('content downloads on %s', (engine) => {
  let t: TestServer, token: string;
  beforeAll(async () => {
    ({ t, token } = await startTestServerWithToken(engine, 'ann@x.org'));
  });
  afterAll(() => t?.stop());

  const HOSTILE_TYPES = [
    'text/html\r\nSet-Cookie: stolen=1',
    'text/plain\nX-Injected: 1',
    'text/plain; charset="\r\n"',
    'ünïcode/type',
    'text/plain; name="日本"',
    'text/plain; charset=\u00ff',
    'application/json; a="\u2028"',
    'no-slash',
    'text/',
    '/plain',
    'text/plain;;; =x',
    'text/plain; a="unterminated',
    'a/b c',
    '"quoted"/type',
  ];
  const VALID_TYPES = [
    'text/plain; charset=utf-8',
    'application/vnd.ms-excel',
    'text/plain ; a="q\\"uoted"',
    'message/rfc822',
  ];

  it('stores hostile media types and names, and serves every part with a safe Content-Type through the API and the page', async () => {
    const files: ContentFile[] = [...HOSTILE_TYPES, ...VALID_TYPES].map((_, i) => ({
      name: i === 0 ? 'evil"\r\nname\u00ff日本.html' : `part-${i}.bin`,
      mimeType: 'application/octet-stream',
      bytes: new TextEncoder().encode(`part ${i}`),
    }));
    const record = makeRecord(files);
    // The declared types go in the record; the parts themselves are sent plainly.
    [...HOSTILE_TYPES, ...VALID_TYPES].forEach((mimeType, i) => {
      record.content[i]!.mimeType = mimeType;
    });
    expect((await postRecord(t.api, token, record, files)).status).toBe(201);

    const signIn = await globalThis.fetch(`${t.server.url}/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      body: new URLSearchParams({ token }).toString(),
    });
    const cookie = /rk_session=[^;]+/.exec(signIn.headers.get('set-cookie') ?? '')![0];

    for (const [n, declared] of [...HOSTILE_TYPES, ...VALID_TYPES].entries()) {
      const responses = [
        await getJson(`${t.api}/records/${record.id}/content/${n}`, token),
        await globalThis.fetch(`${t.server.url}/records/${record.id}/content/${n}`, { headers: { cookie } }),
      ];
      for (const response of responses) {
        expect(response.status, declared).toBe(200);
        const type = response.headers.get('content-type')!;
        expect(type).toBe(VALID_TYPES.includes(declared) ? declared : 'application/octet-stream');
        for (const [, value] of response.headers) expect(value).toMatch(/^[\t\x20-\x7e]*$/);
        expect(await response.text()).toBe(`part ${n}`);
      }
    }
    const disposition = (await getJson(`${t.api}/records/${record.id}/content/0`, token)).headers.get(
      'content-disposition',
    )!;
    expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(disposition)![1]!)).toBe(files[0]!.name);
  });

  it('answers HEAD with the headers only: no accessed event, no blob opened', async () => {
    const file = { name: 'a.txt', mimeType: 'text/plain', bytes: new TextEncoder().encode('head only') };
    const record = makeRecord([file]);
    expect((await postRecord(t.api, token, record, [file])).status).toBe(201);
    const head = await fetch(`${t.api}/records/${record.id}/content/0`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('9');
    expect(head.headers.get('repr-digest')).toMatch(/^sha-256=:/);
    expect((await listEvents(t.server.db, record.id)).map((event) => event.kind)).toEqual(['declared', 'received']);
    await getJson(`${t.api}/records/${record.id}/content/0`, token).then((r) => r.text());
    expect((await listEvents(t.server.db, record.id)).map((event) => event.kind)).toEqual([
      'declared',
      'received',
      'accessed',
    ]);
  });

  it('returns to its open descriptors after 500 HEADs and 500 aborted GETs', async () => {
    const bytes = new Uint8Array(4 * 1024 * 1024).fill(7);
    const file = { name: 'big.bin', mimeType: 'application/octet-stream', bytes };
    const record = makeRecord([file]);
    expect((await postRecord(t.api, token, record, [file])).status).toBe(201);
    const url = new URL(`${t.api}/records/${record.id}/content/0`);
    const openFds = () => readdirSync('/proc/self/fd').length;
    // One of each first, so lazily opened things (the database's files, sockets) are already there.
    const once = (method: 'HEAD' | 'GET') =>
      new Promise<void>((resolve, reject) => {
        const req = request(url, { method, headers: { authorization: `Bearer ${token}` }, agent: false });
        req.on('response', (response) => {
          if (method === 'HEAD') {
            response.resume();
            response.on('end', resolve);
          } else {
            // The first chunk arrives: the blob is open. Then the client goes away.
            response.once('data', () => {
              req.destroy();
              resolve();
            });
          }
        });
        req.on('error', (error) => (method === 'GET' ? resolve() : reject(error)));
        req.end();
      });
    await once('HEAD');
    await once('GET');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const baseline = openFds();
    for (let i = 0; i < 500; i++) await once('HEAD');
    for (let i = 0; i < 500; i++) await once('GET');
    // Descriptors of aborted responses are closed as their streams are torn down: wait for that, not a fixed time.
    const deadline = Date.now() + 60_000;
    while (openFds() > baseline + 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(openFds()).toBeLessThanOrEqual(baseline + 5);
    const accessed = (await listEvents(t.server.db, record.id)).filter((event) => event.kind === 'accessed');
    expect(accessed.length).toBeLessThanOrEqual(501);
    expect(accessed.length).toBeGreaterThanOrEqual(500);
  });
});
