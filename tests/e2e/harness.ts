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

/** A real reference repository on a free loopback port with a temporary data folder. */
export async function startRepository(): Promise<Repository> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rk-e2e-repo-'));
  const server = await startServer({ port: 0, dataDir });
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

/** Points the extension at the repository, as the options page would store it. */
export async function configure(worker: Worker, repository: Repository): Promise<void> {
  const since = Date.now() - 1000;
  await worker.evaluate((settings) => chrome.storage.local.set({ settings }), {
    repositoryUrl: repository.server.url,
    token: repository.token,
  });
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
