// @vitest-environment node
import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DIAGNOSTICS_BODY_BYTES } from '../utils/health/events.ts';
import { skeletonFile } from '../utils/health/skeleton-file.ts';
import { ENGINES, fetch, startTestServerForUsers, type TestServer } from './test/support.ts';

/** POST/GET /api/v1/diagnostics and the admin's detector health page (docs/records-api.md § Diagnostics). */
describe.each(ENGINES)('diagnostics on %s', (engine) => {
  let t: TestServer, ann: string, bob: string, admin: string;
  beforeAll(async () => {
    ({ t, ann, bob, admin } = await startTestServerForUsers(engine));
  });
  afterAll(() => t?.stop());

  const count = (overrides: Record<string, unknown> = {}) => ({
    detector: 'gmail',
    app: 'gmail',
    build: 'boq_gmail_20261120.00_p1',
    problem: 'detect-failed',
    count: 3,
    firstSeen: '2026-11-20T09:00:00.000Z',
    lastSeen: '2026-11-21T09:00:00.000Z',
    ...overrides,
  });
  const post = (token: string | undefined, body: unknown, contentType = 'application/json') =>
    fetch(`${t.api}/diagnostics`, {
      method: 'POST',
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const get = (token: string, path = '/diagnostics') =>
    fetch(`${t.api}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const skeletonOf = (html: string, url = 'https://mail.google.com/mail/u/0/#inbox/AAaaaa') => {
    const text = skeletonFile({ format: 1, url, takenAt: '2026-11-21T10:00:00.000Z', reason: 'nothing' }, html);
    const bytes = Buffer.from(text);
    return {
      url,
      reason: 'nothing',
      takenAt: '2026-11-21T10:00:00.000Z',
      size: bytes.byteLength,
      gzip: gzipSync(bytes).toString('base64'),
    };
  };

  it('refuses bad input with the 4xx the document lists, and stores nothing', async () => {
    const reporter = randomUUID();
    const cases: [string, Response | Promise<Response>, number, string][] = [
      ['no token', post(undefined, { reporter, counts: [] }), 401, 'unauthorized'],
      ['not JSON by type', post(ann, 'reporter=1', 'application/x-www-form-urlencoded'), 400, 'not-json'],
      ['malformed JSON', post(ann, '{"reporter":'), 400, 'not-json'],
      ['not a UUID', post(ann, { reporter: 'me', counts: [] }), 422, 'diagnostics-invalid'],
      [
        'page text as a detector id',
        post(ann, { reporter, counts: [count({ detector: 'Salary talks with Ann' })] }),
        422,
        'diagnostics-invalid',
      ],
      [
        'page text as a build',
        post(ann, { reporter, counts: [count({ build: '<b>Ann</b>' })] }),
        422,
        'diagnostics-invalid',
      ],
      ['an unknown problem', post(ann, { reporter, counts: [count({ problem: 'boom' })] }), 422, 'diagnostics-invalid'],
      [
        'an extra field',
        post(ann, { reporter, counts: [count({ title: 'Salary talks' })] }),
        422,
        'diagnostics-invalid',
      ],
      ['a zero count', post(ann, { reporter, counts: [count({ count: 0 })] }), 422, 'diagnostics-invalid'],
      ['a bad time', post(ann, { reporter, counts: [count({ lastSeen: 'yesterday' })] }), 422, 'diagnostics-invalid'],
      [
        'too many counts',
        post(ann, { reporter, counts: Array.from({ length: 501 }, () => count()) }),
        422,
        'diagnostics-invalid',
      ],
      [
        'a body over the limit',
        post(ann, `{"reporter":"${'x'.repeat(MAX_DIAGNOSTICS_BODY_BYTES)}"}`),
        413,
        'too-large',
      ],
      [
        'a skeleton that is not gzip',
        post(ann, { reporter, counts: [], skeleton: { ...skeletonOf('<p>x</p>'), gzip: 'aGVsbG8=' } }),
        422,
        'diagnostics-invalid',
      ],
      [
        'a skeleton of another size',
        post(ann, { reporter, counts: [], skeleton: { ...skeletonOf('<p>x</p>'), size: 3 } }),
        422,
        'diagnostics-invalid',
      ],
      [
        'a page that is no skeleton',
        post(ann, {
          reporter,
          counts: [],
          skeleton: { ...skeletonOf(''), size: 12, gzip: gzipSync('<p>Ann</p>\n').toString('base64') },
        }),
        422,
        'diagnostics-invalid',
      ],
    ];
    for (const [name, pending, status, kind] of cases) {
      const response = await pending;
      const body = (await response.json()) as { type: string; errors?: { path: string }[] };
      expect({ name, status: response.status, type: body.type }).toEqual({
        name,
        status,
        type: `urn:recordkeeper:problem:${kind}`,
      });
      if (kind === 'diagnostics-invalid') expect(body.errors?.[0]?.path, name).toMatch(/^\$/);
    }
    const report = (await (await get(admin)).json()) as { items: unknown[]; skeletons: unknown[] };
    expect(report).toEqual({ items: [], skeletons: [] });
  });

  it('keeps totals per browser: a resend replaces, another user adds a user; admins alone read them', async () => {
    const annBrowser = randomUUID();
    expect(await (await post(ann, { reporter: annBrowser, counts: [count()] })).json()).toEqual({ accepted: 1 });
    // The same totals again (a retry) and then grown totals: never added up.
    expect((await post(ann, { reporter: annBrowser, counts: [count()] })).status).toBe(200);
    expect(
      (await post(ann, { reporter: annBrowser, counts: [count({ count: 5, lastSeen: '2026-11-22T09:00:00.000Z' })] }))
        .status,
    ).toBe(200);
    expect(
      (
        await post(bob, {
          reporter: randomUUID(),
          counts: [
            count({ count: 2, firstSeen: '2026-11-19T08:00:00.000Z' }),
            count({ detector: 'outlook', app: 'outlook', build: undefined, problem: 'missed', count: 1 }),
          ],
        })
      ).status,
    ).toBe(200);

    expect((await get(ann)).status).toBe(403);
    const report = (await (await get(admin)).json()) as { items: Record<string, unknown>[] };
    expect(report.items).toEqual([
      {
        detector: 'gmail',
        app: 'gmail',
        build: 'boq_gmail_20261120.00_p1',
        problem: 'detect-failed',
        count: 7,
        users: 2,
        firstSeen: '2026-11-19T08:00:00.000Z',
        lastSeen: '2026-11-22T09:00:00.000Z',
      },
      {
        detector: 'outlook',
        app: 'outlook',
        problem: 'missed',
        count: 1,
        users: 1,
        firstSeen: '2026-11-20T09:00:00.000Z',
        lastSeen: '2026-11-21T09:00:00.000Z',
      },
    ]);
  });

  it('stores a skeleton with the counts; only admins download it, as an attachment that cannot run', async () => {
    const skeleton = skeletonOf('<!doctype html>\n<html><body><p>xxx</p></body></html>');
    const response = await post(bob, { reporter: randomUUID(), counts: [], skeleton });
    const { skeleton: stored } = (await response.json()) as { skeleton: { id: string } };
    expect(stored.id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await get(bob, `/diagnostics/skeletons/${stored.id}`)).status).toBe(403);
    expect((await get(admin, `/diagnostics/skeletons/${randomUUID()}`)).status).toBe(404);
    const download = await get(admin, `/diagnostics/skeletons/${stored.id}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(download.headers.get('content-security-policy')).toBe('sandbox');
    expect(await download.text()).toBe(gunzipSync(Buffer.from(skeleton.gzip, 'base64')).toString());
  });

  it('shows admins on the web page which detector fails on which app, since when, for how many users, as text', async () => {
    const hostile = 'https://evil.test/<script>alert(1)</script>';
    expect(
      (await post(ann, { reporter: randomUUID(), counts: [], skeleton: skeletonOf('<p>x</p>', hostile) })).status,
    ).toBe(200);
    const signIn = async (token: string) => {
      const response = await fetch(`${t.server.url}/signin`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
        body: new URLSearchParams({ token }).toString(),
      });
      return /rk_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')![1]!;
    };
    const page = (session: string) =>
      fetch(`${t.server.url}/diagnostics`, { headers: { cookie: `rk_session=${session}`, accept: 'text/html' } });

    const annSession = await signIn(ann);
    expect((await page(annSession)).status).toBe(403);
    const records = (path: string, session: string) =>
      fetch(`${t.server.url}${path}`, { headers: { cookie: `rk_session=${session}` } }).then((r) => r.text());
    expect(await records('/records', annSession)).not.toContain('href="/diagnostics"');
    const adminSession = await signIn(admin);
    expect(await records('/records', adminSession)).toContain('<a href="/diagnostics">Detector health</a>');
    const response = await page(adminSession);
    expect(response.status).toBe(200);
    const html = await response.text();
    const row = /<tr><td>gmail<\/td>[\s\S]*?<\/tr>/.exec(html)?.[0] ?? '';
    expect(row).toContain('boq_gmail_20261120.00_p1');
    expect(row).toContain('Detector threw');
    expect(row).toMatch(/<td>2<\/td><td>7<\/td>/); // users, page views
    expect(row).toContain('2026-11-19T08:00:00.000Z'); // since
    expect(html).toContain('Item in URL, nothing found');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
