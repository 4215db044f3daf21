import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Route } from 'playwright-core';
import { expect } from 'vitest';
import { quickXorHash } from '../../utils/connectors/microsoft-365/quickxorhash.ts';
import { EXTENSION_ID } from '../../utils/extension-id.ts';
import type { DeclaredRecord, Receipt } from '../../utils/records/record.ts';
import { type OpenIdProvider, startOpenIdProvider } from '../fakes/graph/openid-provider.ts';
import { type GraphFake, startGraphFake } from '../fakes/graph/server.ts';
import { COLUMNS, MAPPING, SITE } from '../fakes/graph/tenant.ts';
import { HR_CASE_PROFILE } from './alfresco-support.ts';
import { type ExtensionBrowser, type LaunchOptions, PATIENCE_MS, waitFor } from './harness.ts';
import { answer, type SitePage, sitePage } from './sites.ts';
import { test as base } from './test.ts';

/**
 * Microsoft 365 for the browser tests, without a tenant: a real OpenID provider answering like Entra ID's v2.0
 * endpoints for one tenant, and the Graph fake, both on loopback. The extension is set up as an administrator
 * would (tenant and application id; a presets file mapping categories to SharePoint libraries) and talks to
 * `https://login.microsoftonline.com`, `https://graph.microsoft.com` and `https://contoso.sharepoint.com` as in
 * production, with its default endpoints:
 *
 * - the sign-in host resolves to a TLS front of the provider on loopback (Chromium's `--host-resolver-rules`, its
 *   certificate made for this run): `identity.launchWebAuthFlow` loads the sign-in page in a browser window of its
 *   own, before any page of the test's exists, so only the network can reach it there;
 * - Graph and SharePoint's upload and download URLs, reached by the service worker alone, are routed by Playwright.
 *
 * Both answer cross-origin requests from the extension (CORS), as Entra's token endpoint and Graph do for
 * single-page apps; SharePoint's hosts need none, the extension holds them.
 *
 * `test` adds to tests/e2e/test.ts's fixtures, each once per file:
 *
 * - `cloud`: the provider, its TLS front and the Graph fake (`startMicrosoftCloud`);
 * - `browser`: Chromium with the built extension, launched to reach `cloud`'s sign-in host (`microsoftLaunch`);
 * - `microsoft`: `cloud` with Graph and SharePoint routed in `browser` and the extension set up for them as an
 *   administrator would (`configureMicrosoft`), not yet signed in.
 */

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
/** The administrator's presets: file plan, profiles, a rule for Slack, and the Microsoft 365 mapping. */
export const PRESETS = {
  version: 12,
  filePlan: [
    { id: 'HR', title: 'Human resources', children: [{ id: 'HR/2.3', title: 'Grievances' }] },
    { id: 'REC', title: 'Records office', children: [{ id: 'REC/1', title: 'Approvals' }] },
    { id: 'FIN', title: 'Finance', children: [{ id: 'FIN/1', title: 'Rates' }] },
  ],
  profiles: [
    HR_CASE_PROFILE,
    { id: 'approval', title: 'Approval', recordType: 'page', defaultCategory: 'REC/1', fields: [], capture: [] },
    { id: 'rates', title: 'Rate table', recordType: 'document', defaultCategory: 'FIN/1', fields: [], capture: [] },
  ],
  rules: [
    { when: { app: 'slack' }, suggest: { profile: 'approval' } },
    { when: { app: 'sharepoint' }, suggest: { profile: 'rates' } },
  ],
  connectors: {
    // The fake tenant's mapping (tests/fakes/graph/tenant.ts), with an approvals library and finance's own label.
    'microsoft-365': {
      ...MAPPING,
      categories: {
        ...MAPPING.categories,
        'REC/1': { site: SITE, library: 'Records', folder: 'Approvals', retentionLabel: 'Approval record' },
        'FIN/1': { site: SITE, library: 'Records', folder: 'Finance', retentionLabel: 'Finance record' },
      },
    },
  },
};

export interface MicrosoftCloud {
  op: OpenIdProvider;
  graph: GraphFake;
  /** The loopback port of the sign-in host's TLS front. */
  loginPort: number;
  /** The Records library's drive id at the fake. */
  records: string;
  close(): Promise<void>;
}

export async function startMicrosoftCloud(): Promise<MicrosoftCloud> {
  const op = await startOpenIdProvider({
    entra: { tenant: TENANT, origin: 'https://login.microsoftonline.com' },
    redirectUri: `https://${EXTENSION_ID}.chromiumapp.org/`,
  });
  const graph = await startGraphFake({
    filesOrigin: 'https://contoso.sharepoint.com',
    verifyToken: async (token) => {
      const claims = await op.verifyAccessToken(token);
      return { sub: String(claims.sub), scopes: String(claims.scope ?? '').split(' ') };
    },
  });
  const site = graph.addSite('contoso.sharepoint.com', '/sites/records', [
    { name: 'Records', columns: COLUMNS },
    { name: 'Documents' },
  ]);
  graph.addLabel('HR case record', 'retainAsRecord');
  graph.addLabel('Approval record', 'retainAsRecord');
  graph.addLabel('Finance record', 'retainAsRegulatoryRecord');
  const login = await startTlsFront('login.microsoftonline.com', op.local);
  return {
    op,
    graph,
    loginPort: login.port,
    records: site.drives[0]!.id,
    async close() {
      await login.close();
      await graph.close();
      await op.close();
    },
  };
}

/** A self-signed certificate for `host`, made by openssl for this run. */
function certificateFor(host: string): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rk-e2e-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${host}`].concat([
        '-addext',
        `subjectAltName=DNS:${host}`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ]),
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * An https front for `host` on a loopback port, passing every request to `target` with the public host in
 * X-Forwarded-Host, and answering the extension's cross-origin requests as Entra's token endpoint does.
 */
async function startTlsFront(host: string, target: string): Promise<{ port: number; close(): Promise<void> }> {
  const server = createHttpsServer(certificateFor(host), async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && name !== 'host' && name !== 'connection') headers[name] = value;
    }
    headers['x-forwarded-proto'] = 'https';
    headers['x-forwarded-host'] = host;
    try {
      const response = await fetch(`${target}${req.url}`, {
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks),
        redirect: 'manual',
      });
      const out: Record<string, string | string[]> = {};
      response.headers.forEach((value, name) => {
        if (!HOP_BY_HOP.has(name) && name !== 'set-cookie') out[name] = value;
      });
      const cookies = response.headers.getSetCookie();
      if (cookies.length) out['set-cookie'] = cookies;
      if (req.headers.origin?.startsWith('chrome-extension://'))
        out['access-control-allow-origin'] = req.headers.origin;
      res.writeHead(response.status, out);
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * What Chromium needs to reach the loopback cloud itself (tests/e2e/harness.ts `launchWithExtension`): the sign-in
 * host resolved to the loopback front, whose certificate is this run's own. Graph and SharePoint are routed after
 * launch (`routeMicrosoft`).
 */
export function microsoftLaunch(cloud: MicrosoftCloud): LaunchOptions {
  return {
    args: [
      `--host-resolver-rules=MAP login.microsoftonline.com 127.0.0.1:${cloud.loginPort}`,
      // The front's certificate is this run's own, trusted by nothing else.
      '--ignore-certificate-errors',
    ],
  };
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding']);

/**
 * Sends a routed request to `target` (a loopback origin), path and query kept, and answers the browser with what
 * came back, cookies included: the browser keeps the provider's session as it would Entra's.
 */
function forwardTo(context: BrowserContext, target: string, cors: boolean) {
  return async (route: Route) => {
    const request = route.request();
    const url = new URL(request.url());
    const headers: Record<string, string> = { ...request.headers() };
    for (const name of Object.keys(headers)) if (name.startsWith(':') || name === 'host') delete headers[name];
    const cookies = await context.cookies(url.href);
    if (cookies.length) headers.cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    headers['x-forwarded-proto'] = 'https';
    headers['x-forwarded-host'] = url.host;
    const sent = request.method() === 'GET' || request.method() === 'HEAD' ? null : request.postDataBuffer();
    let response: Response;
    try {
      response = await fetch(`${target}${url.pathname}${url.search}`, {
        method: request.method(),
        headers,
        body: sent ? new Uint8Array(sent) : undefined,
        redirect: 'manual',
      });
    } catch {
      return route.abort('connectionreset');
    }
    const out: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!HOP_BY_HOP.has(name) && name !== 'set-cookie') out[name] = value;
    });
    const setCookies = response.headers.getSetCookie();
    if (setCookies.length) out['set-cookie'] = setCookies.join('\n');
    const origin = headers.origin;
    if (cors && origin) {
      out['access-control-allow-origin'] = origin;
      out['access-control-expose-headers'] = 'Retry-After, Location, WWW-Authenticate';
    }
    const body = Buffer.from(await response.arrayBuffer());
    await route.fulfill({ status: response.status, headers: out, body });
  };
}

/** Routes Graph and SharePoint's file hosts in `context` to the loopback cloud. */
export async function routeMicrosoft(context: BrowserContext, cloud: MicrosoftCloud): Promise<void> {
  await context.route('https://graph.microsoft.com/**', forwardTo(context, cloud.graph.origin, true));
  // SharePoint's own host serves upload sessions and downloads; its pages are the apps' fixtures.
  await context.route(MICROSOFT_FILES, forwardTo(context, cloud.graph.origin, false));
}

/** SharePoint's upload session and pre-authenticated download URLs, as the Graph fake makes them. */
const MICROSOFT_FILES = /^https:\/\/contoso\.sharepoint\.com\/(upload|download)\//;

/**
 * An app's end-to-end page served at its real URL (tests/e2e/sites.ts `serveSite`), with its files; `refuse`
 * answers every request but the page itself instead, as a site whose downloads are blocked would. SharePoint's
 * upload and download URLs, on the same host, are left to `routeMicrosoft`.
 */
export async function serveApp(
  context: BrowserContext,
  site: string,
  refuse?: (url: string) => { status: number; body: Buffer },
): Promise<SitePage> {
  const page = sitePage(site);
  const origin = new URL(page.url).origin;
  await context.unroute(`${origin}/**`);
  await context.route(`${origin}/**`, (route) => {
    const url = route.request().url();
    if (MICROSOFT_FILES.test(url)) return route.fallback();
    const served = answer(refuse ? { ...page, files: {} } : page, url);
    const { status, body, contentType } =
      served.status === 404 && refuse ? { ...refuse(url), contentType: 'text/plain' } : served;
    return route.fulfill({ status, body, contentType });
  });
  return page;
}

/** Connects the extension to Microsoft 365 as an administrator would: the settings, then the presets file. */
export async function configureMicrosoft(browser: ExtensionBrowser, cloud: MicrosoftCloud): Promise<void> {
  await browser.ask('settings.save', {
    connector: 'microsoft-365',
    repositoryUrl: '',
    token: '',
    options: { tenant: TENANT, clientId: cloud.op.clientId, originals: true },
  });
  await browser.ask('presets.import', { text: JSON.stringify(PRESETS) });
}

/**
 * Signs in through the browser's own sign-in window: the extension opens it (launchWebAuthFlow), the person types
 * their account on the tenant's sign-in page, and the window closes itself on the redirect.
 */
export async function signInThroughWindow(browser: ExtensionBrowser, account = 'alice@contoso.example') {
  const window = browser.context.waitForEvent('page', {
    predicate: (p) => p.url().startsWith('https://login.microsoftonline.com/'),
    timeout: 60_000,
  });
  const signedIn = browser.ask<{ signedIn: boolean; account?: string }>('account.signIn');
  const signInPage = await window;
  await signInPage.getByLabel('Email, phone, or Skype').fill(account);
  await signInPage.getByRole('button', { name: 'Sign in' }).click();
  return signedIn;
}

export interface OutboxRow {
  id: string;
  state: string;
  lastError?: string;
  receipt?: Receipt;
}

/** Waits until the record is synced (draining as the alarm would), failing on needs-attention. */
export async function waitSynced(browser: ExtensionBrowser, id: string, timeoutMs = PATIENCE_MS): Promise<OutboxRow> {
  return waitFor(
    async () => {
      const row = await browser.ask<OutboxRow | null>('record.get', { id });
      if (row?.state === 'needs-attention') throw new Error(`Record ${id} needs attention: ${row.lastError}`);
      if (row?.state === 'synced') return row;
      await browser.ask('outbox.drain');
      return undefined;
    },
    `record ${id} to reach SharePoint`,
    timeoutMs,
  );
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * The record as SharePoint holds it, checked against what the extension declared: one folder named after the
 * record, one file per part with the record's bytes (sha256) and SharePoint's QuickXorHash as the receipt says,
 * the columns on the primary file, the retention label on every file, and nothing else anywhere for this record.
 */
export function checkAtSharePoint(
  cloud: MicrosoftCloud,
  record: DeclaredRecord,
  receipt: Receipt,
  expected: { folder: string; label: string; columns: Record<string, string> },
) {
  const all = cloud.graph.files(cloud.records);
  const folders = all.filter((f) => f.folder && f.name.endsWith(`(${record.id})`));
  expect(folders.map((f) => f.path)).toEqual([
    expect.stringMatching(new RegExp(`^${expected.folder}/.*\\(${record.id}\\)$`)),
  ]);
  const folder = folders[0]!;
  const files = all.filter((f) => f.parentId === folder.id);
  expect(files.map((f) => f.name)).toEqual(record.content.map((c) => c.name));
  for (const [n, entry] of record.content.entries()) {
    const file = files[n]!;
    expect(file.bytes && sha256(file.bytes), entry.name).toBe(entry.sha256);
    expect(file.size).toBe(entry.size);
    expect(file.quickXorHash).toBe(quickXorHash(file.bytes!));
    expect(receipt.content[n]).toEqual({
      name: entry.name,
      sha256: entry.sha256,
      size: entry.size,
      quickXorHash: file.quickXorHash,
    });
    expect(file.label?.name, entry.name).toBe(expected.label);
  }
  const primary =
    files[
      Math.max(
        0,
        record.content.findIndex((c) => c.role === 'primary'),
      )
    ]!;
  expect(primary.fields).toMatchObject(expected.columns);
  return { folder, files };
}

export const test = base
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern: none
  .extend('cloud', { scope: 'file' }, async ({}, { onCleanup }): Promise<MicrosoftCloud> => {
    const cloud = await startMicrosoftCloud();
    onCleanup(() => cloud.close());
    return cloud;
  })
  .extend('launch', { scope: 'file' }, async ({ cloud }): Promise<LaunchOptions> => microsoftLaunch(cloud))
  .extend('microsoft', { scope: 'file' }, async ({ browser, cloud }): Promise<MicrosoftCloud> => {
    await routeMicrosoft(browser.context, cloud);
    await configureMicrosoft(browser, cloud);
    return cloud;
  });
