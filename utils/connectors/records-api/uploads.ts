import * as v from 'valibot';
import type { ContentEntry } from '../../records/record';
import { ConnectorError, type Json, type PartSource } from '../connector';
import { type BearerInit, bearerFetch, originOf } from '../http';
import { recordsApiError } from './answers';

/**
 * The client half of resumable uploads (Records API v1 `/uploads`, tus 1.0 core + creation; server/uploads.ts
 * has the server half and the design notes). One part is sent in PATCHes of at most one stored chunk; after each
 * one the server's confirmed offset is saved as the part's checkpoint `{ url, offset }`, so a stopped service
 * worker or a dropped connection continues with HEAD → PATCH from what the server has instead of starting over.
 *
 * The token goes only where it was issued: an upload URL, saved or from a `Location` header, is used only when it
 * is on the repository's own origin.
 */

export const TUS_VERSION = '1.0.0';
/** Content-Type of a `content` part of POST /records whose body is `upload:<id>` rather than the bytes. */
export const UPLOAD_REF_TYPE = 'application/vnd.recordkeeper.upload-ref';
/** Parts larger than this go through /uploads; smaller ones travel inside POST /records. */
export const RESUMABLE_THRESHOLD = 8 * 1024 * 1024;

/** A part's checkpoint: the server's upload URL and the offset it last confirmed. */
const Checkpoint = v.object({
  url: v.pipe(v.string(), v.url()),
  offset: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
export type UploadCheckpoint = v.InferOutput<typeof Checkpoint>;

/** tus Upload-Metadata: comma-separated `key base64(value)` pairs. */
export function uploadMetadata(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key} ${btoa(String.fromCharCode(...new TextEncoder().encode(value)))}`)
    .join(',');
}

/** Bytes [offset, end of its chunk) of the part: at most one chunk in memory. */
async function sliceAt(part: PartSource, offset: number): Promise<ArrayBuffer | Blob> {
  const n = Math.floor(offset / part.chunkSize);
  const chunk = await part.chunk(n);
  const start = offset - n * part.chunkSize;
  return start === 0 ? chunk : chunk.slice(start);
}

export interface UploadOptions {
  fetch: typeof fetch;
  token: string;
  /** The API base, `https://host/api/v1/`: uploads are created under it and must stay on its origin. */
  base: string;
  recordId: string;
  entry: ContentEntry;
  part: PartSource;
  /** What the last attempt saved for this part, if anything (validated here: the outbox may hold anything). */
  checkpoint: Json | undefined;
  save: (checkpoint: UploadCheckpoint) => Promise<void>;
  now: () => number;
  timeoutMs: number;
}

/** The saved checkpoint, when it is one and points at the repository's own origin; else a fresh start. */
export function usableCheckpoint(checkpoint: Json | undefined, base: string): UploadCheckpoint | undefined {
  const parsed = v.safeParse(Checkpoint, checkpoint);
  if (!parsed.success) return undefined;
  return originOf(parsed.output.url) === originOf(base) ? parsed.output : undefined;
}

/**
 * Sends one part resumably and returns the completed upload's URL. Resumes from the saved upload when the server
 * still has it (HEAD → Upload-Offset), creates a new one when it does not (404/410), and re-syncs the offset after
 * a 409. Throws ConnectorError for everything else, so the drain retries or asks for attention.
 */
export async function uploadPart(options: UploadOptions): Promise<string> {
  const { part, base, token, now, timeoutMs } = options;
  const send = bearerFetch(options.fetch, token, timeoutMs);
  const call = (url: string, init: BearerInit) =>
    send(url, { ...init, headers: { 'Tus-Resumable': TUS_VERSION, ...init.headers } });
  const failure = async (response: Response) =>
    (await recordsApiError(response, { rejected: 'refused the upload', now: now() })).error;

  let saved = usableCheckpoint(options.checkpoint, base);
  let offset = 0;
  if (saved) {
    const head = await call(saved.url, { method: 'HEAD' });
    if (head.status === 404 || head.status === 410) saved = undefined;
    else if (!head.ok) throw await failure(head);
    else offset = Number(head.headers.get('Upload-Offset'));
  }
  if (!saved) {
    const created = await call(new URL('uploads', base).href, {
      method: 'POST',
      headers: {
        'Upload-Length': String(part.size),
        'Upload-Metadata': uploadMetadata({
          sha256: options.entry.sha256,
          record: options.recordId,
          part: String(part.index),
          name: options.entry.name,
        }),
      },
    });
    if (created.status !== 201) throw await failure(created);
    const location = created.headers.get('Location');
    if (!location) {
      throw new ConnectorError('The repository created an upload without saying where (no Location).', 'retryable', {
        status: created.status,
      });
    }
    const url = new URL(location, base);
    if (url.origin !== new URL(base).origin) {
      throw new ConnectorError(
        `The repository answered an upload address on another site (${url.origin}); it was not used, so that the ` +
          'token goes only to the repository. Ask its administrator to check its public URL.',
        'permanent',
        { status: created.status },
      );
    }
    saved = { url: url.href, offset: 0 };
    await options.save(saved);
  }
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > part.size) {
    throw new ConnectorError(
      `The repository reported upload offset ${offset} for a part of ${part.size} bytes.`,
      'retryable',
    );
  }
  // Bounded: each round either advances the offset or re-reads it after a conflict.
  for (let conflicts = 0; offset < part.size; ) {
    // Plain fetch for the bytes: one chunk in memory is the budget, never a copy of it.
    const patched = await call(saved.url, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(offset) },
      body: await sliceAt(part, offset),
    });
    if (patched.status === 409 && conflicts++ < 5) {
      const head = await call(saved.url, { method: 'HEAD' });
      if (!head.ok) throw await failure(head);
      offset = Number(head.headers.get('Upload-Offset'));
      continue;
    }
    if (patched.status !== 204) throw await failure(patched);
    offset = Number(patched.headers.get('Upload-Offset'));
    saved = { url: saved.url, offset };
    await options.save(saved);
  }
  return saved.url;
}
