import * as v from 'valibot';
import { browser } from 'wxt/browser';
import { countersOf } from './counters';
import { maskUrl } from './mask';
import { MAX_SKELETON_CHARS } from './skeleton';
import { skeletonFile, skeletonFileName } from './skeleton-file';
import { readDiagnosticsPolicy, readHealth, readUploadStatus } from './store';
import { blockedReason, type DiagnosticsTarget } from './upload';
import type { HealthView, SkeletonAnswer, SkeletonReason } from './view';

/** Background only: what the extension pages are told about detector health, and the skeleton of a tab. */

export async function healthView(target: DiagnosticsTarget): Promise<HealthView> {
  const [state, policy, status] = await Promise.all([readHealth(), readDiagnosticsPolicy(), readUploadStatus()]);
  const blocked = policy.counts || policy.skeletons ? blockedReason(target) : undefined;
  return {
    counters: countersOf(state),
    since: state.since,
    diagnostics: {
      counts: policy.counts,
      skeletons: policy.skeletons,
      blocked,
      problems: policy.problems,
      lastSentAt: status.lastSentAt,
      lastError: status.lastError,
    },
  };
}

/** What the skeleton script answers (entrypoints/skeleton.content.ts): checked, as any answer from a page. */
const SkeletonScriptAnswer = v.object({
  body: v.pipe(v.string(), v.maxLength(MAX_SKELETON_CHARS + 1024 * 1024)),
  truncated: v.boolean(),
  url: v.pipe(v.string(), v.maxLength(65_536)),
});

/** The skeleton of a tab as a file to download or send, with whether sending is allowed and why not. */
export async function skeletonOfTab(
  tabId: number,
  reason: SkeletonReason,
  keepIds: boolean,
  target: DiagnosticsTarget,
  now = new Date(),
): Promise<SkeletonAnswer> {
  let raw: unknown;
  try {
    const [injection] = await browser.scripting.executeScript({
      target: { tabId },
      files: ['/content-scripts/skeleton.js'],
    });
    raw = injection?.result;
  } catch (error) {
    return { ok: false, error: `The page could not be read: ${error instanceof Error ? error.message : error}` };
  }
  const answer = v.safeParse(SkeletonScriptAnswer, raw);
  if (!answer.success) return { ok: false, error: 'The page gave no usable skeleton.' };
  const url = maskUrl(answer.output.url, keepIds);
  const takenAt = now.toISOString();
  const html = skeletonFile(
    {
      format: 1,
      url,
      takenAt,
      reason,
      ...(answer.output.truncated ? { truncated: true } : {}),
      extension: browser.runtime.getManifest().version,
    },
    answer.output.body,
  );
  const policy = await readDiagnosticsPolicy();
  const blocked = policy.skeletons
    ? blockedReason(target)
    : 'Your organisation has not allowed sending page skeletons; download it and pass it on instead.';
  return {
    ok: true,
    name: skeletonFileName(url, takenAt),
    html,
    url,
    takenAt,
    bytes: new TextEncoder().encode(html).byteLength,
    upload: { allowed: blocked === undefined, ...(blocked ? { blocked } : {}) },
  };
}
