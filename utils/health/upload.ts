import ky from 'ky';
import { bytesToBase64 } from '../capture/bytes';
import type { CredentialStore } from '../connectors/connector';
import { apiBase } from '../connectors/records-api/connector';
import type { ConnectionState } from '../settings';
import { countsBody } from './counters';
import { ensureHealth, readDiagnosticsPolicy, readUploadStatus, writeUploadStatus } from './store';
import type { SkeletonReason } from './view';

/**
 * Sends the health counts (and, when the user asks, a page skeleton) to the repository: `POST /api/v1/diagnostics`
 * of the Records API (server/routes/diagnostics.ts). Only when the organisation's policy turns it on, and only to the
 * configured repository: nothing goes anywhere else.
 */

/** Where diagnostics may go: the configured Records API repository, or why nowhere. */
export type DiagnosticsTarget =
  | { kind: 'records-api'; repositoryUrl: string; token: string }
  | { kind: 'not-configured' };

/** Where the connection settings say diagnostics go. */
export function targetOf(settings: { repositoryUrl: string; token: string }): DiagnosticsTarget {
  return settings.repositoryUrl && settings.token
    ? { kind: 'records-api', repositoryUrl: settings.repositoryUrl, token: settings.token }
    : { kind: 'not-configured' };
}

/**
 * Where diagnostics go for a connection in force: the Records API repository and its token. Other connectors
 * (Microsoft 365, Alfresco, CMIS) have no diagnostics route, so nothing is sent for them.
 */
export async function diagnosticsTargetOf(
  state: ConnectionState,
  credentials: CredentialStore,
): Promise<DiagnosticsTarget> {
  if (state.connector !== 'records-api') return { kind: 'not-configured' };
  const url = state.options.url;
  return targetOf({ repositoryUrl: typeof url === 'string' ? url : '', token: (await credentials.get('token')) ?? '' });
}

/** Automatic uploads are at most this often; a new count waits for the next one. */
export const UPLOAD_INTERVAL_MS = 15 * 60_000;

export interface UploadDeps {
  target(): Promise<DiagnosticsTarget>;
  now?: () => number;
  fetch?: typeof fetch;
}

/** The skeleton part of an upload: the file as the user would download it, gzip-compressed. */
export interface SkeletonUpload {
  url: string;
  reason: SkeletonReason;
  takenAt: string;
  html: string;
}

export type SendResult = { ok: true; skeletonId?: string | undefined } | { ok: false; error: string };

/** Why diagnostics cannot go to `target`, in words for the user; undefined when they can. */
export function blockedReason(target: DiagnosticsTarget): string | undefined {
  return target.kind === 'not-configured' ? 'No repository is set up, so nothing is sent.' : undefined;
}

async function gzipBase64(text: string): Promise<{ base64: string; size: number }> {
  const bytes = new TextEncoder().encode(text);
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'));
  const compressed = new Uint8Array(await new Response(stream).arrayBuffer());
  return { base64: bytesToBase64(compressed), size: bytes.byteLength };
}

async function detailOf(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const problem = JSON.parse(text) as { detail?: unknown };
    if (typeof problem.detail === 'string') return problem.detail.slice(0, 500);
  } catch {
    // Not a problem document: say the status.
  }
  return `HTTP ${response.status}`;
}

async function post(
  target: Extract<DiagnosticsTarget, { kind: 'records-api' }>,
  body: unknown,
  fetchImpl: typeof fetch | undefined,
): Promise<SendResult> {
  let response: Response;
  try {
    response = await ky.post('diagnostics', {
      prefixUrl: apiBase(target.repositoryUrl),
      headers: { Authorization: `Bearer ${target.token}` },
      json: body,
      retry: 0,
      timeout: 60_000,
      throwHttpErrors: false,
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
    });
  } catch (error) {
    return { ok: false, error: `The repository cannot be reached: ${error instanceof Error ? error.message : error}` };
  }
  if (!response.ok) {
    return {
      ok: false,
      error: `The repository refused the diagnostics (${response.status}): ${await detailOf(response)}`,
    };
  }
  const answer = (await response.json().catch(() => ({}))) as { skeleton?: { id?: unknown } };
  const id = answer.skeleton?.id;
  return { ok: true, skeletonId: typeof id === 'string' ? id : undefined };
}

/**
 * Sends the counts when the policy says so, there is something new, and the last attempt is older than the upload
 * interval (`force`: now, whatever the interval). A failure is kept beside the counts, for options to show.
 */
export async function sendHealth(deps: UploadDeps, { force = false } = {}): Promise<SendResult | undefined> {
  const now = (deps.now ?? Date.now)();
  const policy = await readDiagnosticsPolicy();
  if (!policy.counts) return undefined;
  const target = await deps.target();
  const blocked = blockedReason(target);
  if (blocked || target.kind !== 'records-api') return { ok: false, error: blocked ?? 'No repository.' };
  const [state, status] = await Promise.all([ensureHealth(now), readUploadStatus()]);
  if (!force && status.sentRevision === state.revision) return undefined;
  if (!force && status.lastAttemptAt !== undefined && now - status.lastAttemptAt < UPLOAD_INTERVAL_MS) return undefined;
  const result = await post(target, { reporter: state.reporter, counts: countsBody(state) }, deps.fetch);
  await writeUploadStatus(
    result.ok
      ? { sentRevision: state.revision, lastSentAt: now, lastAttemptAt: now }
      : { ...status, lastAttemptAt: now, lastError: result.error },
  );
  return result;
}

/** Sends a page skeleton the user chose to send, with the counts when the policy sends those too. */
export async function sendSkeleton(deps: UploadDeps, skeleton: SkeletonUpload): Promise<SendResult> {
  const now = (deps.now ?? Date.now)();
  const policy = await readDiagnosticsPolicy();
  if (!policy.skeletons) return { ok: false, error: 'Your organisation does not allow sending page skeletons.' };
  const target = await deps.target();
  const blocked = blockedReason(target);
  if (blocked || target.kind !== 'records-api') return { ok: false, error: blocked ?? 'No repository.' };
  const state = await ensureHealth(now);
  const { base64, size } = await gzipBase64(skeleton.html);
  const result = await post(
    target,
    {
      reporter: state.reporter,
      counts: policy.counts ? countsBody(state) : [],
      skeleton: { url: skeleton.url, reason: skeleton.reason, takenAt: skeleton.takenAt, size, gzip: base64 },
    },
    deps.fetch,
  );
  if (result.ok && policy.counts) {
    await writeUploadStatus({ sentRevision: state.revision, lastSentAt: now, lastAttemptAt: now });
  }
  return result;
}
