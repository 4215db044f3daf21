import { base64ToBytes, sha256Hex } from '../capture/bytes';
import type { CapturePart, CapturePlan } from '../detectors/types';
import type { DeclareRequest, DeclareResult, FetchResult } from '../messaging';
import type { OutboxDb } from '../outbox/db';
import { enqueue, QUOTA_MESSAGE } from '../outbox/outbox';
import type { Presets } from '../presets/schema';
import { buildRecord } from './build';
import { type CapturedPart, enrichFromEmail } from './from-email';
import type { ContentEntry } from './record';

export interface DeclareDeps {
  db: OutboxDb;
  presets: Presets;
  /** Captures one part in the item's tab: a same-origin download or a snapshot of the page. */
  captureInTab: (part: CapturePart) => Promise<FetchResult>;
  /** An MHTML archive of the tab, where the browser and the user's permissions allow it. */
  archiveInTab?: () => Promise<FetchResult | undefined>;
  now: () => Date;
}

type Captured = CapturedPart;

/** Captures every part of the plan in order; a required part that fails fails the capture, an optional one is left out. */
async function capture(plan: CapturePlan, deps: DeclareDeps): Promise<Captured[]> {
  const captured: Captured[] = [];
  for (const part of plan.parts) {
    const result = await deps.captureInTab(part);
    if (!result.ok) {
      if (part.optional) continue;
      throw new Error(`${part.name}: ${result.error}`);
    }
    captured.push(
      await toPart(part.role, part.name, part.source === 'fetch' ? part.mimeType : result.mimeType, result),
    );
    if (part.source === 'snapshot' && deps.archiveInTab) {
      const archive = await deps.archiveInTab();
      if (archive?.ok) captured.push(await toPart('rendition', 'page.mhtml', 'multipart/related', archive));
    }
  }
  return captured;
}

async function toPart(
  role: ContentEntry['role'],
  name: string,
  mimeType: string,
  result: { base64: string },
): Promise<Captured> {
  const bytes = base64ToBytes(result.base64).buffer;
  return { entry: { role, name, mimeType, size: bytes.byteLength, sha256: await sha256Hex(bytes) }, bytes };
}

/**
 * Declares one item: captures its content, hashes it, builds the record and writes both to the outbox in one
 * transaction. Resolves `ok` only once they are stored; a capture failure is reported so the user can choose to
 * declare the metadata alone.
 */
export async function declare(request: DeclareRequest, deps: DeclareDeps): Promise<DeclareResult> {
  let parts: Captured[] = [];
  if (!request.metadataOnly) {
    try {
      parts = await capture(request.detection.capture, deps);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, error: `Could not capture the content: ${reason}`, canDeclareMetadataOnly: true };
    }
  }
  const profile = deps.presets.profiles.find((p) => p.id === request.profileId);
  let detection = request.detection;
  const message = parts.find((part) => part.entry.role === 'primary' && part.entry.mimeType === 'message/rfc822');
  if (message) {
    // A profile that lists what to capture without `attachments` keeps the message whole, without split parts.
    const withAttachments = !profile?.capture.length || profile.capture.includes('attachments');
    const enriched = await enrichFromEmail(
      detection,
      message.bytes,
      parts.map((p) => p.entry.name),
      withAttachments,
    );
    detection = enriched.detection;
    parts = [...parts, ...enriched.attachments];
  }
  try {
    const record = buildRecord(
      { ...request, detection },
      profile,
      parts.map((p) => p.entry),
      deps.now(),
    );
    await enqueue(
      deps.db,
      record,
      parts.map((p) => p.bytes),
      deps.now().getTime(),
    );
    return { ok: true, id: record.id, sourceId: record.source.sourceId };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // The storage message already says what to do and that nothing was declared.
    if (reason === QUOTA_MESSAGE) return { ok: false, error: reason, canDeclareMetadataOnly: false };
    return { ok: false, error: `Nothing was declared: ${reason}`, canDeclareMetadataOnly: false };
  }
}
