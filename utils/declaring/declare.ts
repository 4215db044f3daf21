import { base64ToBytes, sha256Hex } from '../capture/bytes';
import type { StreamedPart } from '../capture/stream';
import type { CapturePart, Detection } from '../detectors/types';
import type { OutboxDb } from '../outbox/db';
import { discardStaged, enqueue, QUOTA_MESSAGE, stageChunk, stagedBytes } from '../outbox/outbox';
import type { Presets } from '../presets/schema';
import { buildRecord } from '../records/build';
import type { CaptureNote, DeclareRequest, DeclareResult, FetchResult } from '../records/declaration';
import { type CapturedPart, enrichFromEmail } from '../records/from-email';
import type { ContentEntry } from '../records/record';
import { refusal } from '../records/refusal';
import { uuidv7 } from '../records/uuidv7';

export interface DeclareDeps {
  db: OutboxDb;
  presets: Presets;
  /** A snapshot of the item's page (sanitised HTML). */
  captureInTab: (part: CapturePart) => Promise<FetchResult>;
  /** Downloads a fetch part in the item's tab, handing each chunk to `stage` as it arrives. */
  streamInTab: (url: string, stage: (chunk: number, bytes: Uint8Array) => Promise<void>) => Promise<StreamResult>;
  /** An MHTML archive of the tab, where the browser and the user's permissions allow it. */
  archiveInTab?: () => Promise<FetchResult | undefined>;
  /**
   * The item's original from its own service, tried before the capture plan (an Outlook message's MIME through
   * Microsoft Graph). Undefined when that service has nothing for this item; a failure keeps the plan (the
   * page's snapshot), and the result says why.
   */
  original?: (detection: Detection, withAttachments: boolean) => Promise<OriginalCapture | undefined>;
  /** A download the page could not make, tried another way (a SharePoint file through Graph); undefined: none. */
  fetchFallback?: (detection: Detection, part: FetchPart, stage: Stage) => Promise<StreamResult | undefined>;
  now: () => Date;
}

type FetchPart = Extract<CapturePart, { source: 'fetch' }>;
type Stage = (chunk: number, bytes: Uint8Array) => Promise<void>;

/** An original captured by `DeclareDeps.original`: the detection as the original tells it, and every part. */
export interface OriginalCapture {
  detection: Detection;
  parts: CapturedPart[];
  /** Something the original could not give (an unreadable message source), said to the person declaring. */
  warning?: string | undefined;
}

type Captured = CapturedPart;

export type StreamResult = ({ ok: true } & StreamedPart) | { ok: false; error: string };

/**
 * Captures every part of the plan in order; a required part that fails fails the capture, an optional one is left
 * out. A download up to KEEP_IN_MEMORY_BYTES stays in memory and goes into the outbox with its record, in the one
 * transaction that stores both; a larger one goes into the outbox chunk by chunk under `stagingKey` as it arrives,
 * so an original of any size never sits whole in memory.
 */
async function capture(
  detection: Detection,
  deps: DeclareDeps,
  stagingKey: string,
  notes: CaptureNote[],
): Promise<Captured[]> {
  const captured: Captured[] = [];
  for (const part of detection.capture.parts) {
    if (part.source === 'fetch') {
      const index = captured.length;
      let kept: Uint8Array<ArrayBuffer>[] | undefined = [];
      let keptBytes = 0;
      const stage: Stage = async (chunk, bytes) => {
        keptBytes += bytes.byteLength;
        if (kept && keptBytes <= KEEP_IN_MEMORY_BYTES) {
          kept[chunk] = bytes.slice();
          return;
        }
        // Too large to hold: what was kept so far goes to the staging area first, then every chunk as it comes.
        const held = kept ?? [];
        kept = undefined;
        for (const [n, bytesHeld] of held.entries()) await stageChunk(deps.db, stagingKey, index, n, bytesHeld.buffer);
        await stageChunk(deps.db, stagingKey, index, chunk, bytes.slice().buffer);
      };
      let streamed = await deps.streamInTab(part.url, stage);
      if (!streamed.ok && deps.fetchFallback) {
        const pageError = streamed.error;
        // The fallback starts over: nothing the page gave is kept.
        kept = [];
        keptBytes = 0;
        await discardStaged(deps.db, stagingKey);
        const fallback = await deps
          .fetchFallback(detection, part, stage)
          .catch((error: unknown): StreamResult => ({ ok: false, error: messageOf(error) }));
        if (fallback?.ok) {
          streamed = fallback;
          notes.push({ via: 'graph', original: true, pageError });
        } else if (fallback) streamed = { ok: false, error: `${pageError} Through Microsoft 365: ${fallback.error}` };
      }
      if (!streamed.ok) {
        if (part.optional) continue;
        throw new Error(`${part.name}: ${streamed.error}`);
      }
      const { size, chunks, chunkSize, sha256 } = streamed;
      const inMemory = kept && joined(kept, size);
      if (kept && !inMemory) throw new Error(`${part.name}: the download's chunks do not add up to its ${size} bytes.`);
      captured.push({
        entry: { role: part.role, name: part.name, mimeType: part.mimeType, size, sha256 },
        bytes: inMemory ?? { staged: stagingKey, size, chunks, chunkSize },
      });
      continue;
    }
    const result = await deps.captureInTab(part);
    if (!result.ok) {
      if (part.optional) continue;
      throw new Error(`${part.name}: ${result.error}`);
    }
    captured.push(await toPart(part.role, part.name, result.mimeType, result));
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
  const stagingKey = `capture-${uuidv7()}`;
  const profile = deps.presets.profiles.find((p) => p.id === request.profileId);
  // A profile that lists what to capture without `attachments` keeps the message whole, without split parts.
  const withAttachments = !profile?.capture.length || profile.capture.includes('attachments');
  const notes: CaptureNote[] = [];
  let original: OriginalCapture | undefined;
  if (!request.metadataOnly && deps.original) {
    try {
      original = await deps.original(request.detection, withAttachments);
    } catch (error) {
      notes.push({ via: 'page', original: false, reason: messageOf(error) });
    }
  }
  if (original) {
    parts = original.parts;
    notes.push({ via: 'graph', original: true, ...(original.warning ? { warning: original.warning } : {}) });
  } else if (!request.metadataOnly) {
    try {
      parts = await capture(request.detection, deps, stagingKey, notes);
    } catch (error) {
      await discardStaged(deps.db, stagingKey).catch(() => undefined);
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, error: `Could not capture the content: ${reason}`, canDeclareMetadataOnly: true };
    }
  }
  let detection = original?.detection ?? request.detection;
  const message = original
    ? undefined
    : parts.find((part) => part.entry.role === 'primary' && part.entry.mimeType === 'message/rfc822');
  if (message) {
    const index = parts.indexOf(message);
    const raw =
      message.bytes instanceof ArrayBuffer
        ? message.bytes
        : ((await stagedBytes(deps.db, message.bytes, index)).buffer as ArrayBuffer);
    const enriched = await enrichFromEmail(
      detection,
      raw,
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
    const note = notes.find((n) => n.original) ?? notes[0];
    return { ok: true, id: record.id, sourceId: record.source.sourceId, ...(note ? { capture: note } : {}) };
  } catch (error) {
    await discardStaged(deps.db, stagingKey).catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    // The storage message already says what to do and that nothing was declared.
    if (reason === QUOTA_MESSAGE) return { ok: false, error: reason, canDeclareMetadataOnly: false };
    return { ok: false, error: `Nothing was declared: ${refusal(error)}`, canDeclareMetadataOnly: false };
  }
}

/** Downloads up to this size are kept in memory until their record is stored; larger ones are staged as they come. */
const KEEP_IN_MEMORY_BYTES = 8 * 1024 * 1024;

/** The kept chunks of a part as one buffer, when every chunk of its `size` bytes was kept. */
function joined(chunks: Uint8Array[], size: number): ArrayBuffer | undefined {
  let total = 0;
  for (let n = 0; n < chunks.length; n++) {
    const chunk = chunks[n];
    if (!chunk) return undefined;
    total += chunk.byteLength;
  }
  if (total !== size) return undefined;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out.buffer;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
