import * as v from 'valibot';
import type { Runtime } from 'webextension-polyfill';
import { browser } from 'wxt/browser';
import type { ScriptPublicPath } from 'wxt/utils/inject-script';
import { bytesToBase64 } from '../capture/bytes';
import { CAPTURE_PORT, receiveStream, STREAM_CHUNK_BYTES } from '../capture/stream';
import type { StreamResult } from '../declaring/declare';
import { declaredScriptFor, type PageScript } from '../detectors/scripts';
import { type CapturePart, Detection } from '../detectors/types';
import { type FetchResult, sendToTab, type TabDetections } from '../messaging';

const Detections = v.pipe(v.array(Detection), v.maxLength(100));

/** What the snapshot script answers (utils/capture/snapshot.ts). */
const SnapshotAnswer = v.variant('ok', [
  v.object({ ok: v.literal(true), base64: v.pipe(v.string(), v.base64()), mimeType: v.literal('text/html') }),
  v.object({ ok: v.literal(false), error: v.pipe(v.string(), v.maxLength(2000)) }),
]);

/** What a content script answers is checked again here: the page it runs in is not to be trusted. */
function checked(answer: unknown): Detection[] {
  return v.parse(Detections, answer);
}

/** The tab the user is looking at, when the popup does not name one. */
export async function activeTabId(): Promise<number | undefined> {
  const [tab] = await browser.tabs.query({ active: true, lastFocusedWindow: true });
  return tab?.id;
}

/** How long the popup waits for an app page still loading before it says so. */
export const APP_SCRIPT_WAIT_MS = 20_000;
const POLL_MS = 150;

/** The content scripts the browser puts into pages by itself: the manifest's and those registered at run time. */
async function pageScripts(): Promise<PageScript[]> {
  const declared = (browser.runtime.getManifest().content_scripts ?? []).map((script) => ({
    matches: script.matches ?? [],
    excludeMatches: script.exclude_matches,
    js: script.js ?? [],
  }));
  const registered = await browser.scripting.getRegisteredContentScripts().catch(() => []);
  return [
    ...declared,
    ...registered.map((script) => ({
      matches: script.matches ?? [],
      excludeMatches: script.excludeMatches,
      js: script.js ?? [],
    })),
  ];
}

async function ask(tabId: number): Promise<Detection[]> {
  return checked(await sendToTab(tabId, 'page.detect', {}));
}

/**
 * Asks the tab's content script what it detects.
 *
 * On a known app's page (a host the browser gives that app's content script, or one an admin registered) the answer
 * comes from that script alone: while the page is still loading and the script has not arrived, this waits for it,
 * and it never injects the on-demand script, whose generic answer would otherwise stand for the app's for the rest of
 * the tab's life. A page that finished loading without the script (it was open before the extension was installed
 * or updated) gets the app's own script injected, which answers exactly as the declared one would.
 *
 * Anywhere else the on-demand script is injected first; that works on the user's gesture (activeTab) and nowhere
 * else.
 */
export async function detectInTab(tabId: number, waitMs = APP_SCRIPT_WAIT_MS): Promise<TabDetections> {
  // Whichever script the tab holds, its answer is the answer (both ways below ask first), so the question leaves at
  // once, beside the look-ups that decide what to do when nothing answers: the popup waits for one round trip less.
  const first = ask(tabId).then(
    (detections): TabDetections => ({ tabId, detections }),
    () => undefined, // No content script in the tab yet, or it did not answer: see below.
  );
  const [tab, scripts] = await Promise.all([browser.tabs.get(tabId).catch(() => undefined), pageScripts()]);
  const appScript = tab?.url ? declaredScriptFor(tab.url, scripts) : undefined;
  const answered = await first;
  if (answered) return answered;
  if (appScript) return detectWithAppScript(tabId, appScript, waitMs);
  try {
    await browser.scripting.executeScript({ target: { tabId }, files: ['/content-scripts/page.js'] });
    return { tabId, detections: await ask(tabId) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { tabId, detections: [], error: `This page cannot be read (${reason}).` };
  }
}

async function detectWithAppScript(tabId: number, script: string, waitMs: number): Promise<TabDetections> {
  const deadline = Date.now() + waitMs;
  let injected = false;
  for (;;) {
    try {
      return { tabId, detections: await ask(tabId) };
    } catch {
      // Not there yet, or not answering: see below.
    }
    const tab = await browser.tabs.get(tabId).catch(() => undefined);
    if (!tab) return { tabId, detections: [], error: 'The tab was closed.' };
    if (tab.status === 'complete' && !injected) {
      injected = true;
      await browser.scripting
        .executeScript({ target: { tabId }, files: [`/${script.replace(/^\//, '')}` as ScriptPublicPath] })
        .catch(() => undefined);
      continue;
    }
    if (Date.now() >= deadline) {
      return { tabId, detections: [], error: 'The page is still loading. Try again once it has loaded.' };
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Downloads `url` in the tab (the page's own origin and cookies) over a port, chunk by chunk: each chunk is handed
 * to `stage` and acknowledged once stored, so an original of any size passes with one chunk in flight.
 */
export function streamInTab(
  tabId: number | undefined,
  url: string,
  stage: (chunk: number, bytes: Uint8Array) => Promise<void>,
): Promise<StreamResult> {
  if (tabId === undefined) return Promise.resolve({ ok: false, error: 'The tab the item was in is gone.' });
  return new Promise((resolve) => {
    let settled = false;
    let port: Runtime.Port;
    const finish = (result: StreamResult) => {
      if (settled) return;
      settled = true;
      port.disconnect();
      resolve(result);
    };
    try {
      port = browser.tabs.connect(tabId, { name: CAPTURE_PORT });
    } catch (error) {
      resolve({ ok: false, error: `The page cannot be reached (${error instanceof Error ? error.message : error}).` });
      return;
    }
    const receiver = receiveStream(stage);
    // Messages come one at a time: the page waits for each acknowledgement before sending the next chunk.
    port.onMessage.addListener((message: unknown) => {
      receiver.accept(message).then(
        (outcome) => (outcome === 'more' ? port.postMessage({ type: 'ack' }) : finish({ ok: true, ...outcome })),
        (error: Error) => finish({ ok: false, error: error.message }),
      );
    });
    port.onDisconnect.addListener(() =>
      finish({ ok: false, error: 'The page was closed or reloaded during the download.' }),
    );
    port.postMessage({ url, chunkBytes: STREAM_CHUNK_BYTES });
  });
}

/** Captures a snapshot of the tab the item was detected in (downloads go through `streamInTab`). */
export async function captureInTab(tabId: number | undefined, part: CapturePart): Promise<FetchResult> {
  if (tabId === undefined) return { ok: false, error: 'The tab the item was in is gone.' };
  if (part.source === 'fetch') return { ok: false, error: 'Downloads are streamed, not captured whole.' };
  try {
    const [injection] = await browser.scripting.executeScript({
      target: { tabId },
      files: ['/content-scripts/snapshot.js'],
    });
    // The snapshot comes back from the page's tab: checked like any answer from there.
    const result = v.safeParse(SnapshotAnswer, injection?.result);
    return result.success ? result.output : { ok: false, error: 'The page gave no usable snapshot.' };
  } catch (error) {
    return { ok: false, error: `The page could not be copied: ${error instanceof Error ? error.message : error}` };
  }
}

/**
 * An MHTML archive of the tab (Chrome's pageCapture), kept beside the sanitised snapshot as a rendition that
 * looks exactly like the page did. Only when the user or the admin granted the optional permission; undefined
 * otherwise, and on browsers without the API.
 */
export async function archiveTab(tabId: number | undefined): Promise<FetchResult | undefined> {
  const pageCapture = (browser as { pageCapture?: { saveAsMHTML(details: { tabId: number }): Promise<Blob> } })
    .pageCapture;
  if (tabId === undefined || !pageCapture) return undefined;
  if (!(await browser.permissions.contains({ permissions: ['pageCapture'] }).catch(() => false))) return undefined;
  try {
    const blob = await pageCapture.saveAsMHTML({ tabId });
    return { ok: true, base64: bytesToBase64(new Uint8Array(await blob.arrayBuffer())), mimeType: 'multipart/related' };
  } catch (error) {
    return { ok: false, error: `The page archive failed: ${error instanceof Error ? error.message : error}` };
  }
}
