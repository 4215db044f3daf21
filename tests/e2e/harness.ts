import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page, type Worker } from 'playwright-core';
import { type RunningServer, startServer } from '../../server/main.ts';
import { EXTENSION_ID } from '../../utils/extension-id.ts';
import type { MessageType } from '../../utils/messaging.ts';
import { queuedRow } from '../../utils/outbox/outbox.ts';
import type { DeclaredRecord, Receipt } from '../../utils/records/record.ts';
import type { PresetsStatus } from '../../utils/ui/views.ts';

/**
 * The building blocks of the browser end-to-end tests: the reference repository, Chromium with the built
 * extension, the extension's own messages, and the checks made at the repository. tests/e2e/test.ts turns them
 * into vitest fixtures; bench/ uses them directly.
 */

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

/**
 * How long a test waits for something a busy two-core machine may be slow to do. A test is slow, not failing,
 * until this has passed (vitest.e2e.config.ts gives each test and hook more still).
 */
export const PATIENCE_MS = 90_000;

/** Polls `probe` until it gives a value (not `undefined`), or fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = PATIENCE_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

// ——— The reference repository ———

/** A record as the repository lists it: the record and the receipt it gave. */
export interface StoredRecord {
  record: DeclaredRecord;
  receipt: Receipt;
}

/** A real reference repository on a loopback port with a temporary data folder; it can be stopped and started. */
export interface Repository {
  /** The running server; throws while the repository is stopped. */
  readonly server: RunningServer;
  url: string;
  /** A token of the user `ann`. */
  token: string;
  dataDir: string;
  /** GET `/api/v1/<path>` with the token; fails on any answer but 2xx. */
  getJson<T>(path: string, token?: string): Promise<T>;
  /** The records stored for a source id, newest first. */
  records(sourceId: string): Promise<StoredRecord[]>;
  /** The bytes of content part `n` of a record. */
  content(recordId: string, n: number): Promise<Buffer>;
  /** Replaces the presets (admin token), raising the version above the active one. */
  putPresets(document: Record<string, unknown>): Promise<void>;
  /** Stops the server, keeping its port, data folder and tokens; `start` brings it back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The internal UUID the tests give the Firefox add-on before it is installed (`extensions.webextensions.uuids`), so
 * its pages live at a known moz-extension:// origin.
 */
export const FIREFOX_ADDON_UUID = '35dfaf25-15bd-4ea8-b322-bf2bfb7a8de4';

/**
 * The extension's own origins, which the test repositories allow to call them (CORS): the tests connect the
 * extension through its settings and grant no host permission, which is what would exempt its requests from CORS
 * (the Firefox options test grants one the way a user does).
 */
const EXTENSION_ORIGINS = [`chrome-extension://${EXTENSION_ID}`, `moz-extension://${FIREFOX_ADDON_UUID}`];

export async function startRepository({ databaseUrl }: { databaseUrl?: string } = {}): Promise<Repository> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rk-e2e-repo-'));
  // Without a databaseUrl the server keeps its default (PGlite in dataDir, or DATABASE_URL when set).
  const options = { dataDir, corsOrigins: EXTENSION_ORIGINS, ...(databaseUrl ? { databaseUrl } : {}) };
  let server: RunningServer | undefined = await startServer({ ...options, port: 0 });
  const { port, url } = server;
  const token = await server.createToken('ann');
  const repository: Repository = {
    get server() {
      if (!server) throw new Error('The repository is stopped.');
      return server;
    },
    url,
    token,
    dataDir,
    async getJson<T>(path: string, as = token) {
      const response = await fetch(`${url}/api/v1/${path}`, { headers: { Authorization: `Bearer ${as}` } });
      if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
    async records(sourceId) {
      const query = `records?sourceId=${encodeURIComponent(sourceId)}`;
      return (await repository.getJson<{ items: StoredRecord[] }>(query)).items;
    },
    async content(recordId, n) {
      const response = await fetch(`${url}/api/v1/records/${recordId}/content/${n}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      if (!response.ok) throw new Error(`Content ${n} of ${recordId}: ${response.status}`);
      return Buffer.from(await response.arrayBuffer());
    },
    async putPresets(document) {
      const admin = await repository.server.createToken('admin', true);
      const response = await fetch(`${url}/api/v1/presets`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(document),
      });
      if (!response.ok) throw new Error(`PUT presets: ${response.status} ${await response.text()}`);
    },
    async stop() {
      await server?.close();
      server = undefined;
    },
    async start() {
      server ??= await startServer({ ...options, port });
    },
    async close() {
      await repository.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return repository;
}

// ——— The extension's own protocol, from any of its pages (Playwright's or Puppeteer's) ———

/** A page of the extension: Playwright's and Puppeteer's both have this `evaluate`. */
export type ExtensionPage = { evaluate: Page['evaluate'] };

/**
 * Sends one message of utils/messaging.ts from an extension page, as the popup and options do, and unwraps the
 * answer. The answer crosses as JSON text: WebDriver BiDi sends an object met twice in one value as a bare
 * reference, which Puppeteer turns into `undefined`.
 */
export async function ask<R>(page: ExtensionPage, type: MessageType, data: Record<string, unknown> = {}): Promise<R> {
  const text = await page.evaluate(
    async ([type, data]) => {
      const api = (globalThis as { browser?: typeof chrome }).browser ?? chrome;
      return JSON.stringify((await api.runtime.sendMessage({ type, data })) ?? null);
    },
    [type, data] as const,
  );
  const answer = JSON.parse(text) as { ok: true; value: R } | { ok: false; error: string } | null;
  if (!answer) throw new Error(`No answer to ${type}`);
  if (!answer.ok) throw new Error(`${type} failed: ${answer.error}`);
  return answer.value;
}

/** Saves connection settings through the extension, as the options page does (`''` and `''`: no repository). */
export async function connect(page: ExtensionPage, repositoryUrl: string, token: string): Promise<void> {
  await ask(page, 'settings.save', { repositoryUrl, token });
}

/**
 * Connects the extension to the repository and waits until the repository's presets have reached it: until then
 * the popup would offer the built-in presets.
 */
export async function connectTo(page: ExtensionPage, repository: { url: string; token: string }): Promise<void> {
  const since = Date.now() - 1000;
  await connect(page, repository.url, repository.token);
  await waitFor(async () => {
    const status = await ask<PresetsStatus>(page, 'presets.status');
    const source = status.sources.find((s) => s.source === 'repository');
    return source?.state === 'ok' && (source.receivedAt ?? 0) >= since ? true : undefined;
  }, "the repository's presets to reach the extension");
}

/**
 * The id the browser gave the active tab of the last focused window, asked from an extension page: the extension
 * may not read the URLs of tabs (no "tabs" permission), so callers bring the tab to the front first.
 */
export async function activeTabId(page: ExtensionPage): Promise<number> {
  const id = await page.evaluate(async () => {
    const api = (globalThis as { browser?: typeof chrome }).browser ?? chrome;
    const [tab] = await api.tabs.query({ active: true, lastFocusedWindow: true });
    return tab?.id;
  });
  if (id === undefined) throw new Error('No active tab');
  return id;
}

/** The badge text the extension set on a tab (MV3 `action`, MV2 `browserAction`). */
export function badgeText(page: ExtensionPage, tabId: number): Promise<string> {
  return page.evaluate((id) => {
    const api = (globalThis as { browser?: typeof chrome }).browser ?? chrome;
    const action = api.action ?? (api as unknown as { browserAction: typeof chrome.action }).browserAction;
    return action.getBadgeText({ tabId: id });
  }, tabId);
}

/** Waits until the badge of a tab reads `text` (the count of declarable items the tab has). */
export async function waitForBadge(page: ExtensionPage, tabId: number, text: string): Promise<void> {
  await waitFor(async () => ((await badgeText(page, tabId)) === text ? true : undefined), `the badge to read ${text}`);
}

/**
 * The extension's keyboard shortcut as the built manifest suggests it for Linux, in xdotool's words
 * (`Alt+Shift+D` → `alt+shift+d`): the tests press what users get.
 */
export function shortcutKeys(build: string): string {
  const manifest = JSON.parse(readFileSync(join(build, 'manifest.json'), 'utf8')) as {
    commands: Record<string, { suggested_key?: { default?: string; linux?: string } }>;
  };
  const command = manifest.commands._execute_action ?? manifest.commands._execute_browser_action;
  const key = command?.suggested_key?.linux ?? command?.suggested_key?.default;
  if (!key) throw new Error(`${build}/manifest.json suggests no shortcut for the toolbar button`);
  return key.toLowerCase();
}

/**
 * Presses keys as a person would, through the X server, in the visible windows of `windowClass`: the browser sees
 * a real key press, so its own shortcuts and the extension's commands work (DevTools and BiDi key events reach
 * only the page). Needs a headed browser under Xvfb.
 */
export function pressKeys(windowClass: string, keys: string): void {
  const windows = execFileSync('xdotool', ['search', '--onlyvisible', '--class', windowClass])
    .toString()
    .trim()
    .split('\n');
  for (const window of windows) execFileSync('xdotool', ['windowfocus', '--sync', window]);
  execFileSync('xdotool', ['key', '--clearmodifiers', keys]);
}

// ——— Chromium with the extension ———

export interface LaunchOptions {
  /** In a real window on the X display (Xvfb in tests), where key presses reach the browser's shortcuts. */
  headed?: boolean;
  /** The UI language (`fr`), which the extension takes from the browser. */
  language?: string;
  /** A profile folder the caller keeps (to kill and relaunch the browser on it); a fresh one by default. */
  profile?: string;
  /**
   * More Chromium flags, after CHROMIUM_FLAGS: `--host-resolver-rules` to send a public host to a loopback server
   * the browser itself must reach (a window no route sees), say.
   */
  args?: string[];
  /**
   * False: Playwright does not inspect the network of the extension's service worker, as no user's browser does.
   * By default it does (so that `context.route` sees the worker's requests too): it turns on DevTools' Network
   * domain in the worker, and every request the worker sends is then described to Playwright over the DevTools
   * pipe, a byte body copied into it. For the drain of 50 KB records that nearly doubled the machine's CPU per
   * record (docs/sync.md), so the drain benches turn it off. Playwright reads its switch,
   * PLAYWRIGHT_DISABLE_SERVICE_WORKER_NETWORK, when it attaches to a worker: it stays set until this browser
   * closes, and one such browser at a time is open.
   */
  inspectWorkerNetwork?: boolean;
}

/** A page as the shared helpers use it; Playwright's and Puppeteer's pages both fit. */
export interface DriverPage extends ExtensionPage {
  bringToFront(): Promise<void>;
}

/** The extension in a browser, the same for Chromium (Playwright) and Firefox (Puppeteer over BiDi). */
export interface ExtensionDriver<P extends DriverPage> {
  /** A page of the extension to send messages from, opened once (the options page, which does nothing on load). */
  extensionPage(): Promise<P>;
  /** A new extension page at `path` (`options.html`, `popup.html?tabId=…`), once it has loaded. */
  openExtensionPage(path: string): Promise<P>;
  ask<R>(type: MessageType, data?: Record<string, unknown>): Promise<R>;
  /** Connects the extension to the repository and waits for the repository's presets. */
  connectTo(repository: { url: string; token: string }): Promise<void>;
  /** Opens `url` in a new tab and finds the tab's id. */
  open(url: string): Promise<{ page: P; id: number }>;
  /** The id of the tab showing `page`, brought to the front. */
  tabIdOf(page: P): Promise<number>;
  badge(tabId: number): Promise<string>;
  waitForBadge(tabId: number, text: string): Promise<void>;
  /** The popup for a tab, opened as a page (drivers cannot click the toolbar button). */
  popup(tabId: number): Promise<P>;
  options(): Promise<P>;
  /**
   * Presses the extension's shortcut in the window showing `page` (headed browsers only): the browser opens the
   * popup and grants activeTab there.
   */
  pressShortcut(page: P): Promise<void>;
  close(): Promise<void>;
}

/** What a browser's driver provides; `extensionDriver` builds the rest on it. */
export interface DriverPrimitives<P extends DriverPage> {
  openExtensionPage(path: string): Promise<P>;
  /** A new tab showing `url`. */
  newTab(url: string): Promise<P>;
  /** The X window class of the browser's windows (for xdotool) and the build whose manifest names the shortcut. */
  windowClass: string;
  build: string;
  close(): Promise<void>;
}

export function extensionDriver<P extends DriverPage>(primitives: DriverPrimitives<P>): ExtensionDriver<P> {
  let messenger: Promise<P> | undefined;
  const driver: ExtensionDriver<P> = {
    extensionPage: () => {
      messenger ??= primitives.openExtensionPage('options.html');
      return messenger;
    },
    openExtensionPage: (path) => primitives.openExtensionPage(path),
    ask: async (type, data) => ask(await driver.extensionPage(), type, data),
    connectTo: async (repository) => connectTo(await driver.extensionPage(), repository),
    async open(url) {
      const page = await primitives.newTab(url);
      return { page, id: await driver.tabIdOf(page) };
    },
    async tabIdOf(page) {
      // The messaging page first: opened later, it would take the focus and be the active tab itself.
      const messenger = await driver.extensionPage();
      await page.bringToFront();
      return activeTabId(messenger);
    },
    badge: async (tabId) => badgeText(await driver.extensionPage(), tabId),
    waitForBadge: async (tabId, text) => waitForBadge(await driver.extensionPage(), tabId, text),
    popup: (tabId) => primitives.openExtensionPage(`popup.html?tabId=${tabId}`),
    options: () => primitives.openExtensionPage('options.html'),
    async pressShortcut(page) {
      await page.bringToFront();
      pressKeys(primitives.windowClass, shortcutKeys(primitives.build));
    },
    close: () => primitives.close(),
  };
  return driver;
}

export type Tab = { page: Page; id: number };

export interface ExtensionBrowser extends ExtensionDriver<Page> {
  context: BrowserContext;
  worker: Worker;
  extensionId: string;
}

/** Playwright's switch for `LaunchOptions.inspectWorkerNetwork` (playwright-core, crServiceWorker.ts). */
const NO_WORKER_NETWORK = 'PLAYWRIGHT_DISABLE_SERVICE_WORKER_NETWORK';

/** Debian's Chromium with the built extension loaded (its id pinned by the manifest's key). */
export async function launchWithExtension(options: LaunchOptions = {}): Promise<ExtensionBrowser> {
  const { headed = false, language } = options;
  if (headed && !process.env.DISPLAY)
    throw new Error('A headed browser needs an X display: run the e2e tests under xvfb-run.');
  const profile = options.profile ?? mkdtempSync(join(tmpdir(), 'rk-e2e-profile-'));
  const uninspected = options.inspectWorkerNetwork === false;
  if (uninspected) process.env[NO_WORKER_NETWORK] = '1';
  const context = await chromium
    .launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: !headed,
      timezoneId: 'UTC',
      // Chromium takes the language of its UI (and so of `chrome.i18n`) from `--lang` and, on Linux, LANGUAGE.
      ...(language
        ? {
            locale: language,
            env: { ...process.env, LANGUAGE: language, LANG: `${language}.UTF-8` } as Record<string, string>,
          }
        : {}),
      args: [
        ...CHROMIUM_FLAGS,
        ...(language ? [`--lang=${language}`] : []),
        ...(options.args ?? []),
        `--disable-extensions-except=${CHROME_BUILD}`,
        `--load-extension=${CHROME_BUILD}`,
      ],
    })
    .catch((error: unknown) => {
      if (uninspected) delete process.env[NO_WORKER_NETWORK];
      throw error;
    });
  context.setDefaultTimeout(PATIENCE_MS);
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const extensionId = new URL(worker.url()).host;
  if (extensionId !== EXTENSION_ID) throw new Error(`Loaded extension id ${extensionId}, expected ${EXTENSION_ID}`);
  const driver = extensionDriver<Page>({
    async openExtensionPage(path) {
      const page = await context.newPage();
      await page.goto(`chrome-extension://${extensionId}/${path}`);
      // Test code runs compiled with esbuild's keepNames, whose `__name` helper must exist where a function that
      // names inner functions is evaluated.
      await page.evaluate('globalThis.__name = (fn) => fn');
      return page;
    },
    async newTab(url) {
      const page = await context.newPage();
      await page.goto(url);
      return page;
    },
    windowClass: 'chromium',
    build: CHROME_BUILD,
    async close() {
      await context.close();
      if (uninspected) delete process.env[NO_WORKER_NETWORK];
      if (!options.profile) rmSync(profile, { recursive: true, force: true });
    },
  });
  return { ...driver, context, worker, extensionId };
}

/**
 * axe-core's violations on the page, as `rule: targets` lines (empty when there are none). Extension pages'
 * CSP forbids inline scripts, so axe's source is evaluated rather than added as a script tag.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  const { createRequire } = await import('node:module');
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

// ——— Many records through the outbox ———

/**
 * Declares `count` records of the detection in `tabId` through `record.declare`, one after another: their ids,
 * and the milliseconds each took from the call to its answer ("Declared") — or, with `untilSynced`, to the
 * record synced.
 */
export async function declareTimed(
  page: Page,
  tabId: number,
  count: number,
  title: string,
  untilSynced = false,
): Promise<{ ids: string[]; ms: number[] }> {
  return page.evaluate(
    async ([tab, n, prefix, waitSynced]) => {
      const call = async (type: string, data: unknown) => {
        const answer = await chrome.runtime.sendMessage({ type, data });
        if (!answer?.ok) throw new Error(answer?.error ?? `no answer to ${type}`);
        return answer.value;
      };
      const { detections } = await call('tab.detections', { tabId: tab });
      const ids: string[] = [];
      const ms: number[] = [];
      for (let i = 0; i < n; i++) {
        const start = performance.now();
        const result = await call('record.declare', {
          tabId: tab,
          detection: detections[0],
          title: `${prefix} ${i}`,
          tags: [],
        });
        if (!result.ok) throw new Error(result.error);
        while (waitSynced) {
          const view = await call('record.get', { id: result.id });
          if (view?.state === 'synced') break;
          if (view?.state === 'needs-attention') throw new Error(view.lastError);
          await new Promise((done) => setTimeout(done, 2));
        }
        ms.push(performance.now() - start);
        ids.push(result.id);
      }
      return { ids, ms };
    },
    [tabId, count, title, untilSynced] as const,
  );
}

/** Declares `count` records of the detection in `tabId` through `record.declare`; returns their ids. */
export async function declareMany(page: Page, tabId: number, count: number, title: string): Promise<string[]> {
  return (await declareTimed(page, tabId, count, title)).ids;
}

/**
 * Writes `records` straight into the extension's outbox as queued rows, their content generated in the page (byte
 * j of the i-th record is `byteAt(j + (first + i) × 7919)`, the bench's generator) and stored as the outbox stores
 * it: inline up to `chunkSize`, else as chunks (Blobs, which the browser keeps on disk).
 */
export async function seedOutbox(page: Page, records: DeclaredRecord[], first: number, chunkSize = 4 * 1024 * 1024) {
  await ask(page, 'outbox.list'); // the background creates the outbox at its current version
  const rows = records.map((record) => queuedRow(record, Date.now()));
  await page.evaluate(
    async ([rows, r0, chunk]) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open('recordkeeper-outbox');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      for (const [i, row] of rows.entries()) {
        const tx = db.transaction(['records', 'content', 'chunks'], 'readwrite');
        tx.objectStore('records').add(row);
        const size = row.record.content[0]!.size;
        const make = (from: number, length: number) => {
          const out = new Uint8Array(length);
          for (let k = 0; k < length; k++) out[k] = (Math.imul(from + k + (r0 + i) * 7919, 2654435761) >>> 24) & 255;
          return out.buffer;
        };
        if (size <= chunk) tx.objectStore('content').put({ recordId: row.id, index: 0, bytes: make(0, size) });
        else {
          const chunks = Math.ceil(size / chunk);
          tx.objectStore('content').put({ recordId: row.id, index: 0, size, chunks, chunkSize: chunk });
          for (let c = 0; c < chunks; c++) {
            const bytes = new Blob([make(c * chunk, Math.min(chunk, size - c * chunk))]);
            tx.objectStore('chunks').put({ recordId: row.id, part: 0, chunk: c, bytes });
          }
        }
        await new Promise((resolve, reject) => {
          tx.oncomplete = resolve;
          tx.onerror = () => reject(tx.error);
        });
      }
      db.close();
    },
    [rows, first, chunkSize] as const,
  );
  await countSeededRows(page, rows.length);
}

/**
 * Adds `n` to the rows' total the outbox keeps in meta (utils/outbox/db.ts `addToTotal`), for rows a bench or test
 * wrote straight into the store rather than through `enqueue`.
 */
export async function countSeededRows(page: Page, n: number): Promise<void> {
  await page.evaluate(
    (added) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('recordkeeper-outbox');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('meta', 'readwrite');
          const meta = tx.objectStore('meta');
          const total = meta.get('total');
          total.onsuccess = () => {
            if (typeof total.result?.count === 'number') meta.put({ count: total.result.count + added }, 'total');
          };
          tx.oncomplete = () => {
            open.result.close();
            resolve(undefined);
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    n,
  );
}

/** How many outbox rows are in `state` (only those waiting for the network, with `offline`), read in the page. */
export async function outboxCount(page: Page, state: string, offline = false): Promise<number> {
  return page.evaluate(
    ([wanted, onlyOffline]) =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('recordkeeper-outbox');
        open.onsuccess = () => {
          const index = open.result.transaction('records').objectStore('records').index('byState');
          const read = onlyOffline ? index.getAll(wanted) : index.count(wanted);
          read.onsuccess = () => {
            open.result.close();
            const found = read.result as number | { offline?: boolean }[];
            resolve(typeof found === 'number' ? found : found.filter((row) => row.offline).length);
          };
          read.onerror = () => reject(read.error);
        };
      }),
    [state, offline] as const,
  );
}

export const syncedCount = (page: Page) => outboxCount(page, 'synced');

/** How often `watchSynced` counts synced records. */
export const SYNCED_POLL_MS = 100;

/**
 * When the first and the last of `count` records were synced (Date.now()), watched from inside the extension page:
 * one IndexedDB connection, a count on the outbox's state index every SYNCED_POLL_MS. For benchmarks: polling
 * `syncedCount` instead, a page evaluation that opens the database for every count, cost the browser process 5.5 s
 * of CPU in a 1,000-record drain (bench/recovery.ts), which the drain it timed had to share the machine with.
 */
export function watchSynced(page: Page, count: number, ms: number): Promise<{ firstAt: number; lastAt: number }> {
  return page.evaluate(
    ([wanted, pollMs, timeoutMs]) =>
      new Promise<{ firstAt: number; lastAt: number }>((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const open = indexedDB.open('recordkeeper-outbox');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          let firstAt: number | undefined;
          const poll = () => {
            const read = db.transaction('records').objectStore('records').index('byState').count('synced');
            read.onerror = () => reject(read.error);
            read.onsuccess = () => {
              const now = Date.now();
              if (read.result > 0) firstAt ??= now;
              if (read.result >= wanted) {
                db.close();
                resolve({ firstAt: firstAt!, lastAt: now });
              } else if (now > deadline) {
                db.close();
                reject(new Error(`Timed out waiting for every record to sync (${read.result} of ${wanted})`));
              } else setTimeout(poll, pollMs);
            };
          };
          poll();
        };
      }),
    [count, SYNCED_POLL_MS, ms] as const,
  );
}

export interface OutboxLine {
  id: string;
  state: string;
  attempts: number;
  lastError?: string;
  receipt?: { id: string; content: { sha256: string }[] };
}

/** The outbox lines of `ids`, as the options page lists them. */
export async function outboxLines(page: Page, ids: string[]): Promise<OutboxLine[]> {
  const wanted = new Set(ids);
  return (await ask<OutboxLine[]>(page, 'outbox.list')).filter((row) => wanted.has(row.id));
}

/**
 * Polls `outbox.drain` + `outbox.list` until every id is synced. Fails on needs-attention, or when no record has
 * synced for `stallMs`: a long drain on a busy machine is slow, not stuck, while records keep arriving.
 */
export async function waitAllSynced(page: Page, ids: string[], stallMs = 2 * PATIENCE_MS): Promise<OutboxLine[]> {
  let synced = -1;
  let deadline = 0;
  for (;;) {
    const rows = await outboxLines(page, ids);
    const attention = rows.find((row) => row.state === 'needs-attention');
    if (attention) throw new Error(`Record ${attention.id} needs attention: ${attention.lastError}`);
    const done = rows.filter((row) => row.state === 'synced').length;
    if (rows.length === ids.length && done === ids.length) return rows;
    if (done > synced) [synced, deadline] = [done, Date.now() + stallMs];
    if (Date.now() > deadline) {
      const states: Record<string, number> = {};
      for (const row of rows) states[row.state] = (states[row.state] ?? 0) + 1;
      throw new Error(`No record synced for ${stallMs} ms: ${JSON.stringify(states)} of ${ids.length}`);
    }
    await ask(page, 'outbox.drain');
    await new Promise((tick) => setTimeout(tick, 500));
  }
}

/**
 * The repository's side of "nothing lost, nothing doubled": exactly `ids` are stored for `sourceId` (no more,
 * no fewer), each content part's bytes hash to what the record says, and each receipt the extension kept is the
 * repository's.
 */
export async function verifyAtRepository(
  repository: { url: string; token: string },
  sourceId: string,
  ids: string[],
  receipts: OutboxLine[] = [],
): Promise<void> {
  const api = `${repository.url}/api/v1`;
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
