import { type Context, Hono, type Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { visibleRecord } from '../access.ts';
import type { BlobStore } from '../blobs.ts';
import { downloadContent } from '../content.ts';
import type { Db } from '../db.ts';
import { listDiagnostics, listSkeletons, readSkeleton } from '../diagnostics.ts';
import { parseListQuery } from '../list-query.ts';
import { notFound, Problem, problemResponse } from '../problem.ts';
import { encodeCursor, listEvents, listRecords, receiptOf } from '../records.ts';
import { authenticate, type TokenUser } from '../tokens.ts';
import { diagnosticsPage, errorPage, type Filters, listPage, recordPage, STYLESHEET, signInPage } from './pages.ts';
import { endSession, MAX_AGE_MS, openSession, sessionUser } from './sessions.ts';

const COOKIE = 'rk_session';
/** A sign-in form is a token and a path: a few hundred bytes. */
const SIGNIN_LIMIT = 4096;
/** No script at all, styles only from our own stylesheet, forms only to us, never framed. */
const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

type Env = { Variables: { user: TokenUser } };

export interface WebDeps {
  db: Db;
  blobs: BlobStore;
  /** Base of receipt URLs: an https one means the page is served over TLS, so cookies are Secure. */
  publicUrl: string;
  /** Believe X-Forwarded-Proto: the server runs behind a proxy that terminates TLS and sets it. */
  trustProxy: boolean;
}

/**
 * The read-only page for people at `/`: sign in with a token, list and search records, read one record with its
 * content and audit trail. Receipt URLs point at /records/{id}.
 *
 * Sign-in opens a server-side session (server/web/sessions.ts): the HttpOnly, SameSite=Strict cookie holds its
 * id, not the token, and is Secure whenever the request came over TLS. State-changing requests (sign-in, sign-out)
 * must come from this site's own pages (Sec-Fetch-Site, else Origin), and the sign-in form is read only up to a
 * few KB.
 */
export function createUi(deps: WebDeps) {
  const { db, blobs } = deps;
  const ui = new Hono<Env>();

  ui.use('*', async (c, next) => {
    await next();
    // A download keeps its own `sandbox` policy: content must never run as a page of this origin.
    if (!c.res.headers.has('content-security-policy')) c.header('content-security-policy', CSP);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
  });
  ui.onError((error, c) => {
    const problem =
      error instanceof Problem
        ? error
        : new Problem('internal', 'The repository failed unexpectedly and logged why; try again later.');
    if (!(error instanceof Problem)) console.error('Unexpected error in the web page', error);
    // People get a page; programs (no text/html in Accept) get the same problem+json as the API.
    if (!/text\/html/i.test(c.req.header('accept') ?? '')) return problemResponse(problem);
    c.status(problem.status as 400);
    return c.html(errorPage(problem.status, problem.detail, c.get('user')?.user));
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

  ui.post(
    '/signin',
    sameSiteOnly,
    bodyLimit({
      maxSize: SIGNIN_LIMIT,
      onError: () => {
        throw new Problem('too-large', `A sign-in form must be under ${SIGNIN_LIMIT} bytes.`);
      },
    }),
    async (c) => {
      let form: FormData;
      try {
        form = await c.req.formData();
      } catch {
        throw new Problem('bad-form', 'Send the sign-in form as application/x-www-form-urlencoded or multipart.');
      }
      const token = String(form.get('token') ?? '').trim();
      const next = safeNext(String(form.get('next') ?? ''));
      const user = token ? await authenticate(db, token) : undefined;
      if (!user) {
        return c.html(signInPage({ next, error: 'That token is unknown or revoked. Check it and try again.' }), 401);
      }
      setCookie(c, COOKIE, await openSession(db, token), {
        httpOnly: true,
        sameSite: 'Strict',
        secure: isTls(c),
        path: '/',
        maxAge: MAX_AGE_MS / 1000,
      });
      return c.redirect(next, 303);
    },
  );

  ui.post('/signout', sameSiteOnly, async (c) => {
    const id = getCookie(c, COOKIE);
    if (id) await endSession(db, id);
    deleteCookie(c, COOKIE, { path: '/', secure: isTls(c) });
    return c.redirect('/', 303);
  });

  // Everything below needs a signed-in person; others go to the sign-in page and come back after.
  ui.use('/records/*', signedIn);
  ui.use('/records', signedIn);
  ui.use('/diagnostics/*', signedIn);
  ui.use('/diagnostics', signedIn);
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
        admin: user.admin,
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
    downloadContent({ db, blobs }, c.req.method, c.req.param('id'), c.req.param('n'), c.get('user')),
  );

  ui.get('/diagnostics', async (c) => {
    const user = adminUser(c);
    const [items, skeletons] = await Promise.all([listDiagnostics(db), listSkeletons(db)]);
    return c.html(diagnosticsPage({ user: user.user, items, skeletons }));
  });

  ui.get('/diagnostics/skeletons/:id', async (c) => {
    adminUser(c);
    const body = await readSkeleton(db, c.req.param('id'));
    if (body === undefined) throw notFound('This skeleton');
    // Downloaded, never run as a page of this origin.
    return c.body(body, 200, {
      'content-type': 'text/html; charset=utf-8',
      'content-disposition': `attachment; filename="skeleton-${c.req.param('id')}.html"`,
      'content-security-policy': 'sandbox',
    });
  });

  return ui;

  function adminUser(c: Context<Env>): TokenUser {
    const user = c.get('user');
    if (!user.admin) throw new Problem('admin-only', 'Only an administrator may see detector health.');
    return user;
  }

  async function cookieUser(c: Context): Promise<TokenUser | undefined> {
    const id = getCookie(c, COOKIE);
    return id ? sessionUser(db, id) : undefined;
  }

  /** Whether the request came over TLS: to us directly, through a trusted proxy that says so, or per publicUrl. */
  function isTls(c: Context): boolean {
    if (deps.publicUrl.startsWith('https:') || new URL(c.req.url).protocol === 'https:') return true;
    const forwarded = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
    return deps.trustProxy && forwarded === 'https';
  }

  /**
   * Refuses a state-changing request that another site's page made: browsers say where a request comes from in
   * Sec-Fetch-Site (Fetch Metadata) and, on every POST, in Origin. A request with neither comes from no browser.
   */
  async function sameSiteOnly(c: Context, next: Next) {
    const site = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    const ours = new Set([new URL(c.req.url).origin, originOf(deps.publicUrl)]);
    if (deps.trustProxy) {
      const host = c.req.header('x-forwarded-host') ?? c.req.header('host');
      const proto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim();
      if (host && proto) ours.add(`${proto}://${host}`);
    }
    const crossSite =
      site !== undefined ? site !== 'same-origin' && site !== 'none' : origin !== undefined && !ours.has(origin);
    if (crossSite) {
      throw new Problem(
        'cross-site',
        'This form can only be sent from the repository’s own pages. Open the page again and send it from there.',
      );
    }
    await next();
  }
}

const originOf = (url: string) => (URL.canParse(url) ? new URL(url).origin : '');

/**
 * Only our own record pages are places to return to after sign-in: never another site, and nothing that could
 * break out of the Location header. Anything else there is bad input (400), not silently ignored.
 */
function safeNext(next: string | undefined): string {
  if (!next) return '/records';
  if (/^\/records(\/[0-9a-f-]{36})?(\?[\x21-\x7e]*)?$/.test(next) && !next.includes('\\')) return next;
  throw new Problem(
    'bad-next',
    `"next" must be a path of this site's records, such as /records/<id>; "${next.slice(0, 80).replace(/[^\x20-\x7e]/g, '?')}" is not.`,
  );
}
