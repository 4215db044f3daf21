import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page, type Worker } from 'playwright-core';
import { type RunningServer, startServer } from '../../server/main.ts';
import { EXTENSION_ID } from '../../utils/extension-id.ts';

export const CHROME_BUILD = resolve('.output/chrome-mv3');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The flags this machine's closed network needs (see the developers' brief). */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface Repository {
  server: RunningServer;
  token: string;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * The extension's own origin, allowed to call the repository (CORS): `configure` stores the settings directly and
 * grants no host permission, which is what would exempt the extension's requests from CORS.
 */
const EXTENSION_ORIGINS = [`chrome-extension://${EXTENSION_ID}`];

/** A real reference repository on a free loopback port with a temporary data folder. */
export async function startRepository(): Promise<Repository> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rk-e2e-repo-'));
  const server = await startServer({ port: 0, dataDir, corsOrigins: EXTENSION_ORIGINS });
  const token = await server.createToken('ann');
  return {
    server,
    token,
    dataDir,
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ExtensionBrowser {
  context: BrowserContext;
  worker: Worker;
  extensionId: string;
  close(): Promise<void>;
}

/**
 * Debian's Chromium with the built extension loaded, on a fresh profile. `headed` runs it in a real window on
 * the X display (Xvfb in tests), where the browser's own keyboard shortcuts work.
 */
export async function launchWithExtension({ headed = false } = {}): Promise<ExtensionBrowser> {
  if (headed && !process.env.DISPLAY)
    throw new Error('A headed browser needs an X display: run the e2e tests under xvfb-run.');
  const profile = mkdtempSync(join(tmpdir(), 'rk-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: !headed,
    timezoneId: 'UTC',
    args: [...CHROMIUM_FLAGS, `--disable-extensions-except=${CHROME_BUILD}`, `--load-extension=${CHROME_BUILD}`],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const extensionId = new URL(worker.url()).host;
  if (extensionId !== EXTENSION_ID) throw new Error(`Loaded extension id ${extensionId}, expected ${EXTENSION_ID}`);
  return {
    context,
    worker,
    extensionId,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Points the extension at the repository, as the options page would store it, and waits for its presets. */
export async function configure(worker: Worker, repository: Repository): Promise<void> {
  const since = Date.now() - 1000;
  await worker.evaluate((settings) => chrome.storage.local.set({ settings }), {
    repositoryUrl: repository.server.url,
    token: repository.token,
  });
  await waitFor(async () => {
    const key = 'presets.source.repository';
    const source = (await worker.evaluate((k) => chrome.storage.local.get(k), key))[key] as
      | { state?: string; from?: string; receivedAt?: number }
      | undefined;
    return source?.from === repository.server.url && source.state === 'ok' && (source.receivedAt ?? 0) >= since
      ? true
      : undefined;
  }, "the repository's presets to reach the extension");
}

/**
 * The id Chromium gave the tab showing `page`. The extension may not read the URLs of tabs (no "tabs"
 * permission), so the page is brought to the front and the active tab is asked for.
 */
export async function tabIdOf(worker: Worker, page: Page): Promise<number> {
  await page.bringToFront();
  const id = await worker.evaluate(async () => {
    const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
    return tab?.id;
  });
  if (id === undefined) throw new Error(`No active tab for ${page.url()}`);
  return id;
}

/** The popup for the tab, opened as a page (Playwright cannot click the toolbar button). */
export async function openPopup(browser: ExtensionBrowser, tabId: number): Promise<Page> {
  const popup = await browser.context.newPage();
  await popup.goto(`chrome-extension://${browser.extensionId}/popup.html?tabId=${tabId}`);
  return popup;
}

/**
 * Presses the extension's shortcut (Ctrl+Shift+Y) as a person would, through the X server: the browser opens the
 * popup and grants activeTab for the page. DevTools key events reach only the page, never browser shortcuts.
 */
export async function pressActionShortcut(page: Page): Promise<void> {
  await page.bringToFront();
  const windows = execFileSync('xdotool', ['search', '--onlyvisible', '--class', 'chromium'])
    .toString()
    .trim()
    .split('\n');
  for (const window of windows) execFileSync('xdotool', ['windowfocus', '--sync', window]);
  execFileSync('xdotool', ['key', '--clearmodifiers', 'ctrl+shift+y']);
}

/** The badge text the extension set on a tab. */
export function badgeText(worker: Worker, tabId: number): Promise<string> {
  return worker.evaluate((id) => chrome.action.getBadgeText({ tabId: id }), tabId);
}

export async function getJson<T>(repository: Repository, path: string): Promise<T> {
  const response = await fetch(`${repository.server.url}/api/v1/${path}`, {
    headers: { Authorization: `Bearer ${repository.token}` },
  });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

/**
 * Like `launchWithExtension`, in a given UI language: Chromium takes the language of its UI (and so of
 * `chrome.i18n`) from `--lang` and, on Linux, from the LANGUAGE environment variable.
 */
export async function launchWithExtensionInLanguage(lang: string, { headed = false } = {}): Promise<ExtensionBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'rk-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: !headed,
    timezoneId: 'UTC',
    locale: lang,
    env: { ...process.env, LANGUAGE: lang, LANG: `${lang}.UTF-8` } as Record<string, string>,
    args: [
      ...CHROMIUM_FLAGS,
      `--lang=${lang}`,
      `--disable-extensions-except=${CHROME_BUILD}`,
      `--load-extension=${CHROME_BUILD}`,
    ],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  return {
    context,
    worker,
    extensionId: new URL(worker.url()).host,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The options page, opened as a tab. */
export async function openOptions(browser: ExtensionBrowser): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`chrome-extension://${browser.extensionId}/options.html`);
  return page;
}

/**
 * axe-core's violations on the page, as `rule: targets` lines (empty when there are none). Extension pages'
 * CSP forbids inline scripts, so axe's source is evaluated rather than added as a script tag.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  const { createRequire } = await import('node:module');
  const { readFileSync } = await import('node:fs');
  const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run()).violations as { id: string; nodes: { target: string[]; failureSummary?: string }[] }[];
  });
  return violations.map(
    (v) => `${v.id}: ${v.nodes.map((n) => `${n.target.join(' ')} (${n.failureSummary})`).join('; ')}`,
  );
}

/** Replaces the repository's presets (admin token), raising the version above the active one. */
export async function putPresets(repository: Repository, document: Record<string, unknown>): Promise<void> {
  const admin = await repository.server.createToken('admin', true);
  const response = await fetch(`${repository.server.url}/api/v1/presets`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(document),
  });
  if (!response.ok) throw new Error(`PUT presets: ${response.status} ${await response.text()}`);
}

// ——— Fault injection (tests/e2e/faults-*.e2e.ts) ———

/** A repository that can be stopped and started again on the same port, data folder and tokens. */
export interface RestartableRepository extends Repository {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  running(): boolean;
}

export async function startRestartableRepository(): Promise<RestartableRepository> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rk-e2e-repo-'));
  let server: RunningServer | undefined = await startServer({ port: 0, dataDir, corsOrigins: EXTENSION_ORIGINS });
  const port = server.port;
  const token = await server.createToken('ann');
  const repo: RestartableRepository = {
    get server() {
      if (!server) throw new Error('The repository is stopped.');
      return server;
    },
    token,
    dataDir,
    url: server.url,
    running: () => server !== undefined,
    async stop() {
      await server?.close();
      server = undefined;
    },
    async start() {
      server ??= await startServer({ port, dataDir, corsOrigins: EXTENSION_ORIGINS });
    },
    async close() {
      await repo.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return repo;
}

/** What the proxy does with the next requests that match; consumed in order, then it forwards. */
export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; match: RegExp }
  | { kind: 'drop-response'; match: RegExp }
  | { kind: 'delay'; ms: number; match: RegExp; times: number };

export interface FaultProxy {
  url: string;
  faults: Fault[];
  /** `METHOD /path` of every request forwarded or answered, and bytes of PATCH bodies seen. */
  log: string[];
  patchBytes: number;
  onRequest?: (method: string, path: string) => void;
  close(): Promise<void>;
}

/**
 * A loopback proxy in front of a repository that injects faults: answers of its own (503 with Retry-After, 429),
 * a forwarded request whose answer is dropped after the server committed it, or delays. CORS headers are added to
 * injected answers, since the extension calls from its own origin.
 */
export async function startFaultProxy(target: () => string): Promise<FaultProxy> {
  const http = await import('node:http');
  const proxy: FaultProxy = { url: '', faults: [], log: [], patchBytes: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const line = `${method} ${path}`;
    proxy.onRequest?.(method, path);
    const index = method === 'OPTIONS' ? -1 : proxy.faults.findIndex((fault) => fault.match.test(line));
    const fault = index >= 0 ? proxy.faults[index] : undefined;
    if (fault && (fault.kind !== 'delay' || --fault.times <= 0)) proxy.faults.splice(index, 1);
    proxy.log.push(fault ? `${line} [${fault.kind}${fault.kind === 'status' ? ` ${fault.status}` : ''}]` : line);
    const origin = req.headers.origin;
    if (fault?.kind === 'status') {
      req.resume();
      res.writeHead(fault.status, {
        'content-type': 'application/problem+json',
        ...(origin ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'Retry-After' } : {}),
        ...fault.headers,
      });
      res.end(JSON.stringify({ type: 'urn:test:fault', title: 'Injected', status: fault.status, detail: 'injected' }));
      return;
    }
    const forward = () => {
      const upstream = new URL(path, target());
      const out = http.request(upstream, { method, headers: { ...req.headers, host: upstream.host } }, (answer) => {
        if (fault?.kind === 'drop-response') {
          // The server has stored the record and answered; the client never hears it.
          answer.resume();
          answer.on('end', () => res.socket?.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => res.socket?.destroy());
      if (method === 'PATCH') req.on('data', (chunk: Buffer) => (proxy.patchBytes += chunk.byteLength));
      req.pipe(out);
      res.on('close', () => out.destroy());
    };
    if (fault?.kind === 'delay') setTimeout(forward, fault.ms);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  proxy.url = `http://127.0.0.1:${port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return proxy;
}

/** Chromium with the extension on a profile folder the caller keeps, so a test can kill and relaunch it. */
export async function launchOnProfile(profile: string): Promise<ExtensionBrowser> {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timezoneId: 'UTC',
    args: [...CHROMIUM_FLAGS, `--disable-extensions-except=${CHROME_BUILD}`, `--load-extension=${CHROME_BUILD}`],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  return { context, worker, extensionId: new URL(worker.url()).host, close: () => context.close() };
}

/** A page of the extension to send it messages from, as the popup does. */
export async function extensionPage(browser: ExtensionBrowser): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`chrome-extension://${browser.extensionId}/options.html`);
  // tsx compiles with esbuild's keepNames, whose `__name` helper must exist where a function is evaluated.
  await page.evaluate('globalThis.__name = (fn) => fn');
  return page;
}

/** Sends one protocol message from an extension page and unwraps the answer. */
export function message<T>(page: Page, type: string, data: unknown = {}): Promise<T> {
  return page.evaluate(
    async ([t, d]) => {
      const answer = await chrome.runtime.sendMessage({ type: t, data: d });
      if (!answer?.ok) throw new Error(answer?.error ?? `no answer to ${t}`);
      return answer.value;
    },
    [type, data] as const,
  ) as Promise<T>;
}

/** Declares `count` records of the detection in `tabId` through `record.declare`; returns their ids. */
export async function declareMany(page: Page, tabId: number, count: number, title: string): Promise<string[]> {
  return page.evaluate(
    async ([tab, n, prefix]) => {
      const call = async (type: string, data: unknown) => {
        const answer = await chrome.runtime.sendMessage({ type, data });
        if (!answer?.ok) throw new Error(answer?.error ?? `no answer to ${type}`);
        return answer.value;
      };
      const { detections } = await call('tab.detections', { tabId: tab });
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const result = await call('record.declare', {
          tabId: tab,
          detection: detections[0],
          title: `${prefix} ${i}`,
          tags: [],
        });
        if (!result.ok) throw new Error(result.error);
        ids.push(result.id);
      }
      return ids;
    },
    [tabId, count, title] as const,
  );
}

export interface OutboxLine {
  id: string;
  state: string;
  attempts: number;
  lastError?: string;
  receipt?: { id: string; content: { sha256: string }[] };
}

/** Polls `outbox.drain` + `outbox.list` until every id is synced; fails on needs-attention or after `timeoutMs`. */
export async function waitAllSynced(page: Page, ids: string[], timeoutMs: number): Promise<OutboxLine[]> {
  const wanted = new Set(ids);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = (await message<OutboxLine[]>(page, 'outbox.list')).filter((row) => wanted.has(row.id));
    const attention = rows.find((row) => row.state === 'needs-attention');
    if (attention) throw new Error(`Record ${attention.id} needs attention: ${attention.lastError}`);
    if (rows.length === ids.length && rows.every((row) => row.state === 'synced')) return rows;
    if (Date.now() > deadline) {
      const states: Record<string, number> = {};
      for (const row of rows) states[row.state] = (states[row.state] ?? 0) + 1;
      throw new Error(`Not all synced after ${timeoutMs} ms: ${JSON.stringify(states)} of ${ids.length}`);
    }
    await message(page, 'outbox.drain');
    await new Promise((done) => setTimeout(done, 500));
  }
}

/**
 * The repository's side of "nothing lost, nothing doubled": exactly `ids` are stored for `sourceId` (no more,
 * no fewer), each content part's bytes hash to what the record says, and each receipt the extension kept is the
 * repository's.
 */
export async function verifyAtRepository(
  repository: { server: RunningServer; token: string },
  sourceId: string,
  ids: string[],
  receipts: OutboxLine[] = [],
): Promise<void> {
  const { createHash } = await import('node:crypto');
  const api = `${repository.server.url}/api/v1`;
  const headers = { Authorization: `Bearer ${repository.token}` };
  const stored: {
    record: { id: string; content: { sha256: string; size: number }[] };
    receipt: { id: string; receivedAt: string };
  }[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ sourceId, limit: '100', ...(cursor ? { cursor } : {}) });
    const page = await (await fetch(`${api}/records?${query}`, { headers })).json();
    stored.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  const storedIds = stored.map((item) => item.record.id);
  if (new Set(storedIds).size !== storedIds.length) throw new Error('The repository holds a record twice.');
  const missing = ids.filter((id) => !storedIds.includes(id));
  const extra = storedIds.filter((id) => !ids.includes(id));
  if (missing.length || extra.length) {
    throw new Error(
      `Repository has ${storedIds.length} records: ${missing.length} missing, ${extra.length} unexpected`,
    );
  }
  const byId = new Map(stored.map((item) => [item.record.id, item]));
  for (const line of receipts) {
    const item = byId.get(line.id)!;
    if (line.receipt?.id !== line.id) throw new Error(`No receipt kept for ${line.id}`);
    if (
      JSON.stringify(line.receipt.content.map((c) => c.sha256)) !==
      JSON.stringify(item.record.content.map((c) => c.sha256))
    )
      throw new Error(`Receipt digests of ${line.id} differ from the repository's`);
  }
  for (const item of stored) {
    for (const [n, entry] of item.record.content.entries()) {
      const response = await fetch(`${api}/records/${item.record.id}/content/${n}`, { headers });
      const hash = createHash('sha256');
      const reader = response.body!.getReader();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) hash.update(chunk.value);
      if (hash.digest('hex') !== entry.sha256) throw new Error(`Content ${n} of ${item.record.id} does not match`);
    }
  }
}

/** Stores connection settings from an extension page (the worker may have been stopped since launch). */
export async function configureFrom(page: Page, repositoryUrl: string, token: string): Promise<void> {
  await page.evaluate((settings) => chrome.storage.local.set({ settings }), { repositoryUrl, token });
}

/** Serves the Gmail e2e fixture (page and raw message) at its real URLs in this browser. */
export async function serveGmail(browser: ExtensionBrowser): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const html = readFileSync('utils/detectors/fixtures/gmail/e2e-message.html');
  const eml = readFileSync('utils/detectors/fixtures/gmail/e2e-message.eml');
  await browser.context.route('https://mail.google.com/**', (route) =>
    new URL(route.request().url()).searchParams.get('view') === 'att'
      ? route.fulfill({ body: eml, contentType: 'message/rfc822' })
      : route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' }),
  );
}

export const GMAIL_MESSAGE_URL = 'https://mail.google.com/mail/u/0/#inbox/FMfcgzGrbHrBdFGBXqpFZvSkcQpKkvrM';
/** The Message-ID of the fixture's raw message: the source id of every record declared from it. */
export const GMAIL_SOURCE_ID = '<CAPC3khAeVZ3FdSKKEBHaqLZaFZQE3M8ri5fTDFoJnho9cJUurA@mail.gmail.com>';

/** The tab id of an open Gmail fixture page, asked from an extension page. */
export async function openGmail(browser: ExtensionBrowser, from: Page): Promise<{ page: Page; tabId: number }> {
  const page = await browser.context.newPage();
  await page.goto(GMAIL_MESSAGE_URL);
  await page.bringToFront();
  const tabId = await from.evaluate(async () => {
    const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
    return tab?.id;
  });
  if (tabId === undefined) throw new Error('No tab for the Gmail page');
  // The app's content script detects once the page has settled.
  await waitFor(
    async () =>
      (await message<{ detections: unknown[] }>(from, 'tab.detections', { tabId })).detections.length
        ? true
        : undefined,
    'the Gmail message to be detected',
  );
  return { page, tabId };
}
