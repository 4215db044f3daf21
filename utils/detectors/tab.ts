import * as v from 'valibot';
import { browser } from 'wxt/browser';
import { bytesToBase64 } from '../capture/bytes';
import { type FetchResult, sendToTab, type TabDetections } from '../messaging';
import { type CapturePart, Detection } from './types';

const Detections = v.pipe(v.array(Detection), v.maxLength(100));

/** What a content script answers is checked again here: the page it runs in is not to be trusted. */
function checked(answer: unknown): Detection[] {
  return v.parse(Detections, answer);
}

/** The tab the user is looking at, when the popup does not name one. */
export async function activeTabId(): Promise<number | undefined> {
  const [tab] = await browser.tabs.query({ active: true, lastFocusedWindow: true });
  return tab?.id;
}

/**
 * Asks the tab's content script what it detects. On pages without one (any site Recordkeeper does not know),
 * the detector script is injected first; that works on the user's gesture (activeTab) and nowhere else.
 */
export async function detectInTab(tabId: number): Promise<TabDetections> {
  try {
    return { tabId, detections: checked(await sendToTab(tabId, 'page.detect', {})) };
  } catch {
    // No content script in the tab yet: inject it below.
  }
  try {
    await browser.scripting.executeScript({ target: { tabId }, files: ['/content-scripts/page.js'] });
    return { tabId, detections: checked(await sendToTab(tabId, 'page.detect', {})) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { tabId, detections: [], error: `This page cannot be read (${reason}).` };
  }
}

/** Captures one content part in the tab the item was detected in. */
export async function captureInTab(tabId: number | undefined, part: CapturePart): Promise<FetchResult> {
  if (tabId === undefined) return { ok: false, error: 'The tab the item was in is gone.' };
  if (part.source === 'fetch') return sendToTab(tabId, 'page.fetch', { url: part.url });
  try {
    const [injection] = await browser.scripting.executeScript({
      target: { tabId },
      files: ['/content-scripts/snapshot.js'],
    });
    const result = injection?.result as FetchResult | undefined;
    return result ?? { ok: false, error: 'The page gave no snapshot.' };
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
