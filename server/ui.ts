import { type Context, Hono, type Next } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { visibleRecord } from './access.ts';
import type { BlobStore } from './blobs.ts';
import { downloadContent } from './content.ts';
import type { Db } from './db.ts';
import { parseListQuery } from './list-query.ts';
import { Problem } from './problem.ts';
import { encodeCursor, listEvents, listRecords, receiptOf } from './records.ts';
import { authenticate, type TokenUser } from './tokens.ts';
import { errorPage, type Filters, listPage, recordPage, STYLESHEET, signInPage } from './ui-pages.ts';

const COOKIE = 'rk_token';
/** No script at all, styles only from our own stylesheet, forms only to us, never framed. */
const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

type Env = { Variables: { user: TokenUser } };

/**
 * The read-only page for people at `/`: sign in with a token (kept in an HttpOnly, SameSite=Strict cookie), list
 * and search records, read one record with its content and audit trail. Receipt URLs point at /records/{id}.
 */
export function createUi(deps: { db: Db; blobs: BlobStore; secureCookies: boolean }) {
  const { db, blobs } = deps;
  const ui = new Hono<Env>();

  ui.use('*', async (c, next) => {
    await next();
    c.header('content-security-policy', CSP);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
  });
  ui.onError((error, c) => {
    if (error instanceof Problem) {
      c.status(error.status as 400);
      return c.html(errorPage(error.status, error.detail, c.get('user')?.user));
    }
    console.error('Unexpected error in the web page', error);
    c.status(500);
    return c.html(errorPage(500, 'The repository failed unexpectedly and logged why; try again later.'));
  });
  ui.notFound((c) => c.html(errorPage(404, 'There is no page here.'), 404));

  ui.get('/ui.css', (c) =>
    c.body(STYLESHEET, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=300' }),
  );

  ui.get('/', async (c) => {
    const user = await cookieUser(c);
    return user ? c.redirect('/records', 303) : c.html(signInPage({ next: '/records' }));
  });
  ui.get('/signin', (c) => c.html(signInPage({ next: safeNext(c.req.query('next')) })));

  ui.post('/signin', async (c) => {
    const form = await c.req.formData();
    const token = String(form.get('token') ?? '').trim();
    const next = safeNext(String(form.get('next') ?? ''));
    const user = token ? await authenticate(db, token) : undefined;
    if (!user) {
      return c.html(signInPage({ next, error: 'That token is unknown or revoked. Check it and try again.' }), 401);
    }
    setCookie(c, COOKIE, token, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: deps.secureCookies || new URL(c.req.url).protocol === 'https:',
      path: '/',
    });
    return c.redirect(next, 303);
  });

  ui.post('/signout', (c) => {
    deleteCookie(c, COOKIE, { path: '/' });
    return c.redirect('/', 303);
  });

  // Everything below needs a signed-in person; others go to the sign-in page and come back after.
  ui.use('/records/*', signedIn);
  ui.use('/records', signedIn);
  async function signedIn(c: Context<Env>, next: Next) {
    const user = await cookieUser(c);
    if (!user) {
      const url = new URL(c.req.url);
      return c.redirect(`/signin?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
    }
    c.set('user', user);
    await next();
  }

  ui.get('/records', async (c) => {
    const user = c.get('user');
    const filters: Filters = Object.fromEntries(
      (['q', 'category', 'tag', 'declaredBy', 'from', 'to'] as const).map((name) => [
        name,
        c.req.query(name) || undefined,
      ]),
    );
    let query: ReturnType<typeof parseListQuery>;
    try {
      query = parseListQuery((name) => (name === 'limit' ? '25' : c.req.query(name) || undefined));
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      return c.html(listPage({ user: user.user, filters, items: [], error: error.detail }), 400);
    }
    const page = await listRecords(db, { ...query, owner: user.admin ? undefined : user.user, limit: query.limit + 1 });
    const items = page.slice(0, query.limit);
    let nextHref: string | undefined;
    if (page.length > query.limit) {
      const next = new URLSearchParams(
        Object.entries(filters).filter((entry): entry is [string, string] => !!entry[1]),
      );
      next.set('cursor', encodeCursor(items.at(-1)!));
      nextHref = `/records?${next}`;
    }
    // The page shows paths, not absolute URLs, so the public URL does not matter here.
    return c.html(
      listPage({
        user: user.user,
        filters,
        nextHref,
        items: items.map((s) => ({ record: s.record, receipt: receiptOf(s, '') })),
      }),
    );
  });

  ui.get('/records/:id', async (c) => {
    const user = c.get('user');
    const stored = await visibleRecord(db, c.req.param('id'), user);
    const events = await listEvents(db, stored.record.id);
    return c.html(
      recordPage({ user: user.user, item: { record: stored.record, receipt: receiptOf(stored, '') }, events }),
    );
  });

  ui.get('/records/:id/content/:n', (c) =>
    downloadContent({ db, blobs }, c.req.param('id'), c.req.param('n'), c.get('user')),
  );

  async function cookieUser(c: Context): Promise<TokenUser | undefined> {
    const token = getCookie(c, COOKIE);
    return token ? authenticate(db, token) : undefined;
  }

  return ui;
}

/** Only our own record pages are places to return to after sign-in: never another site. */
function safeNext(next: string | undefined): string {
  return next && /^\/records(\/[0-9a-f-]{36})?(\?[^\\]*)?$/.test(next) ? next : '/records';
}
