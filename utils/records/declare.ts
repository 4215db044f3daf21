import { base64ToBytes, sha256Hex } from '../capture/bytes';
import type { CapturePlan } from '../detectors/types';
import type { DeclareRequest, DeclareResult, FetchResult } from '../messaging';
import type { OutboxDb } from '../outbox/db';
import { enqueue } from '../outbox/outbox';
import type { Presets } from '../presets/schema';
import { buildRecord } from './build';
import type { ContentEntry } from './record';

export interface DeclareDeps {
  db: OutboxDb;
  presets: Presets;
  /** Fetches a capture URL in the item's tab. */
  fetchInTab: (url: string) => Promise<FetchResult>;
  now: () => Date;
}

async function capture(plan: CapturePlan, deps: DeclareDeps): Promise<{ entry: ContentEntry; bytes: ArrayBuffer }[]> {
  if (plan.kind === 'none') return [];
  const fetched = await deps.fetchInTab(plan.url);
  if (!fetched.ok) throw new Error(fetched.error);
  const bytes = base64ToBytes(fetched.base64).buffer;
  const entry: ContentEntry = {
    role: 'primary',
    name: plan.name,
    mimeType: plan.mimeType,
    size: bytes.byteLength,
    sha256: await sha256Hex(bytes),
  };
  return [{ entry, bytes }];
}

/**
 * Declares one item: captures its content, hashes it, builds the record and writes both to the outbox in one
 * transaction. Resolves `ok` only once they are stored; a capture failure is reported so the user can choose to
 * declare the metadata alone.
 */
export async function declare(request: DeclareRequest, deps: DeclareDeps): Promise<DeclareResult> {
  let parts: { entry: ContentEntry; bytes: ArrayBuffer }[] = [];
  if (!request.metadataOnly) {
    try {
      parts = await capture(request.detection.capture, deps);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, error: `Could not capture the content: ${reason}`, canDeclareMetadataOnly: true };
    }
  }
  const profile = deps.presets.profiles.find((p) => p.id === request.profileId);
  try {
    const record = buildRecord(
      request,
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
    return { ok: true, id: record.id };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, error: `Nothing was declared: ${reason}`, canDeclareMetadataOnly: false };
  }
}
