import ky, { type KyInstance } from 'ky';
import type { ContentEntry } from '../records/record';
import type { Connection } from './records-api';

/**
 * The client half of resumable uploads (Records API v1 `/uploads`, tus 1.0 core + creation; server/uploads.ts
 * has the server half and the design notes). One part is sent in PATCHes of at most one stored chunk; after each
 * one the server's confirmed offset is saved, so a stopped service worker or a dropped connection continues with
 * HEAD → PATCH from what the server has instead of starting over.
 */

export const TUS_VERSION = '1.0.0';
/** Content-Type of a `content` part of POST /records whose body is `upload:<id>` rather than the bytes. */
export const UPLOAD_REF_TYPE = 'application/vnd.recordkeeper.upload-ref';
/** Parts larger than this go through /uploads; smaller ones travel inside POST /records. */
export const RESUMABLE_THRESHOLD = 8 * 1024 * 1024;

/** A content part as the outbox stores it: read one chunk at a time (utils/outbox StoredPart). */
export interface PartSource {
  index: number;
  size: number;
  chunkSize: number;
  chunks: number;
  chunk(n: number): Promise<ArrayBuffer | Blob>;
}

/** Where the upload of each part stands; the outbox keeps it in IndexedDB. */
export interface UploadStore {
  get(part: number): Promise<{ url: string; offset: number } | undefined>;
  save(part: number, progress: { url: string; offset: number }): Promise<void>;
  clear(part: number): Promise<void>;
}

/** What went wrong in an upload, as the connector classifies every answer. */
export type UploadFailure = (response: Response) => Promise<Error>;

export function memoryUploadStore(): UploadStore {
  const map = new Map<number, { url: string; offset: number }>();
  return {
    get: async (part) => map.get(part),
    save: async (part, progress) => void map.set(part, progress),
    clear: async (part) => void map.delete(part),
  };
}

/** tus Upload-Metadata: comma-separated `key base64(value)` pairs. */
export function uploadMetadata(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key} ${btoa(String.fromCharCode(...new TextEncoder().encode(value)))}`)
    .join(',');
}

const tusClient = ({ token, fetch: fetchImpl, timeoutMs }: Connection): KyInstance =>
  ky.create({
    headers: { Authorization: `Bearer ${token}`, 'Tus-Resumable': TUS_VERSION },
    retry: 0,
    timeout: timeoutMs ?? 120_000,
    throwHttpErrors: false,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });

/** Bytes [offset, end of its chunk) of the part: at most one chunk in memory. */
async function sliceAt(part: PartSource, offset: number): Promise<ArrayBuffer | Blob> {
  const n = Math.floor(offset / part.chunkSize);
  const chunk = await part.chunk(n);
  const start = offset - n * part.chunkSize;
  return start === 0 ? chunk : chunk.slice(start);
}

export interface UploadOptions {
  connection: Connection;
  /** The API base, `https://host/api/v1/`. */
  base: string;
  recordId: string;
  entry: ContentEntry;
  part: PartSource;
  store: UploadStore;
  failure: UploadFailure;
  networkFailure: (error: unknown) => Error;
  /** Called after each confirmed PATCH: the drain renews its lease and touches the row. */
  onProgress?: ((offset: number) => Promise<void>) | undefined;
}

/**
 * Sends one part resumably and returns the completed upload's URL. Resumes from the saved upload when the server
 * still has it (HEAD → Upload-Offset), creates a new one when it does not (404/410), and re-syncs the offset after
 * a 409. Throws the connector's errors for everything else, so the drain retries or asks for attention.
 */
export async function uploadPart(options: UploadOptions): Promise<string> {
  const { connection, part, store, failure, networkFailure } = options;
  const http = tusClient(connection);
  const call = async (url: string, init: Parameters<KyInstance>[1]) => {
    try {
      return await http(url, init);
    } catch (error) {
      throw networkFailure(error);
    }
  };

  let saved = await store.get(part.index);
  let offset = 0;
  if (saved) {
    const head = await call(saved.url, { method: 'head' });
    if (head.status === 404 || head.status === 410) {
      await store.clear(part.index);
      saved = undefined;
    } else if (!head.ok) throw await failure(head);
    else offset = Number(head.headers.get('Upload-Offset'));
  }
  if (!saved) {
    const created = await call(new URL('uploads', options.base).href, {
      method: 'post',
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
    if (!location) throw await failure(created);
    saved = { url: new URL(location, options.base).href, offset: 0 };
    await store.save(part.index, saved);
  }
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > part.size) {
    throw new Error(`The repository reported upload offset ${offset} for a part of ${part.size} bytes.`);
  }
  // Bounded: each round either advances the offset or re-reads it after a conflict.
  for (let conflicts = 0; offset < part.size; ) {
    // Plain fetch for the bytes: ky would wrap (and may clone) the request; one chunk in memory is the budget.
    const body = await sliceAt(part, offset);
    let patched: Response;
    try {
      patched = await (connection.fetch ?? fetch)(saved.url, {
        method: 'PATCH',
        headers: {
          Authorization: `Bearer ${connection.token}`,
          'Tus-Resumable': TUS_VERSION,
          'Content-Type': 'application/offset+octet-stream',
          'Upload-Offset': String(offset),
        },
        body,
        signal: AbortSignal.timeout(connection.timeoutMs ?? 120_000),
      });
    } catch (error) {
      throw networkFailure(error);
    }
    if (patched.status === 409 && conflicts++ < 5) {
      const head = await call(saved.url, { method: 'head' });
      if (!head.ok) throw await failure(head);
      offset = Number(head.headers.get('Upload-Offset'));
      continue;
    }
    if (patched.status !== 204) throw await failure(patched);
    offset = Number(patched.headers.get('Upload-Offset'));
    await store.save(part.index, { url: saved.url, offset });
    await options.onProgress?.(offset);
  }
  return saved.url;
}
