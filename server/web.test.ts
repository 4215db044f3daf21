// @vitest-environment node
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, makeRecord, postRecord, startTestServer, textFile } from './test/support.ts';
import { listTokens, revokeToken } from './tokens.ts';

/** The web page for people (server/web/): sessions, cross-site refusals, body limits, Secure cookies, downloads. */
describe.each(ENGINES)('web page on %s', (engine) => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  let proxied: Awaited<ReturnType<typeof startTestServer>>;
  let token: string;
  const file = textFile('page.html', '<script>alert(1)</script>', 'text/html');
  const record = makeRecord([file]);

  beforeAll(async () => {
    t = await startTestServer({}, engine);
    proxied = await startTestServer({ trustProxy: true }, engine);
    token = await t.server.createToken('ann@x.org');
    expect((await postRecord(t.api, token, record, [file])).status).toBe(201);
  });
  afterAll(async () => {
    await t?.stop();
    await proxied?.stop();
  });

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const signIn = (base: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', ...headers },
      body,
    });
  const cookieOf = (response: Response) => response.headers.get('set-cookie') ?? '';
  const sessionOf = (response: Response) => /rk_session=([^;]+)/.exec(cookieOf(response))?.[1];
  const page = (path: string, session: string | undefined, base = t.server.url) =>
    fetch(`${base}${path}`, { redirect: 'manual', headers: { cookie: `rk_session=${session}` } });

  it('keeps a server-side session id in the cookie, never the token, and sign-out ends that session', async () => {
    const response = await signIn(t.server.url, form({ token, next: `/records/${record.id}` }));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/records/${record.id}`);
    const cookie = cookieOf(response);
    expect(cookie).not.toContain(token);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).not.toMatch(/Secure/i);
    const session = sessionOf(response)!;
    expect(session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await page('/records', session)).status).toBe(200);

    const out = await fetch(`${t.server.url}/signout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: `rk_session=${session}`, 'sec-fetch-site': 'same-origin' },
    });
    expect(out.status).toBe(303);
    // Whoever kept a copy of the cookie is signed out too.
    const after = await page('/records', session);
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/^\/signin/);
  });

  it('ends the sessions of a revoked token, and refuses an expired session', async () => {
    const other = await t.server.createToken('dora@x.org');
    const session = sessionOf(await signIn(t.server.url, form({ token: other })))!;
    expect((await page('/records', session)).status).toBe(200);
    const id = (await listTokens(t.server.db)).find((info) => info.user === 'dora@x.org')!.id;
    await revokeToken(t.server.db, id);
    expect((await page('/records', session)).status).toBe(303);

    const fresh = sessionOf(await signIn(t.server.url, form({ token })))!;
    await t.server.db.query("UPDATE web_sessions SET expires_at = now() - interval '1 second'");
    expect((await page('/records', fresh)).status).toBe(303);
  });

  it('refuses a sign-in or sign-out sent from another site with 403', async () => {
    for (const headers of [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': '', origin: 'https://evil.example' },
    ]) {
      const clean = Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== ''));
      const response = await fetch(`${t.server.url}/signin`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...clean },
        body: form({ token }),
      });
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(cookieOf(response)).toBe('');
      const out = await fetch(`${t.server.url}/signout`, { method: 'POST', redirect: 'manual', headers: clean });
      expect(out.status).toBe(403);
    }
    // The page's own form: same-origin by Fetch Metadata, or by Origin in older browsers.
    expect((await signIn(t.server.url, form({ token }))).status).toBe(303);
    const byOrigin = await fetch(`${t.server.url}/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.server.url },
      body: form({ token }),
    });
    expect(byOrigin.status).toBe(303);
  });

  it('reads at most a few KB of a sign-in form: 413 beyond', async () => {
    const response = await signIn(t.server.url, form({ token, padding: 'x'.repeat(64 * 1024) }));
    expect(response.status).toBe(413);
    expect(cookieOf(response)).toBe('');
  });

  it('sets Secure when a trusted proxy says the request came over TLS, and only then', async () => {
    const proxiedToken = await proxied.server.createToken('ann@x.org');
    const forwarded = { 'x-forwarded-proto': 'https' };
    expect(cookieOf(await signIn(proxied.server.url, form({ token: proxiedToken }), forwarded))).toMatch(/Secure/i);
    expect(cookieOf(await signIn(proxied.server.url, form({ token: proxiedToken })))).not.toMatch(/Secure/i);
    // Without --trust-proxy the header is anyone's to send, so it is ignored.
    expect(cookieOf(await signIn(t.server.url, form({ token }), forwarded))).not.toMatch(/Secure/i);
  });

  it('keeps Content-Security-Policy: sandbox on downloads through the page', async () => {
    const session = sessionOf(await signIn(t.server.url, form({ token })))!;
    const download = await page(`/records/${record.id}/content/0`, session);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-security-policy')).toBe('sandbox');
    expect(await download.text()).toBe('<script>alert(1)</script>');
    const html = await page(`/records/${record.id}`, session);
    expect(html.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});
