import { Problem } from './problem.ts';
import type { NewUpload, UploadInfo } from './uploads.ts';

/**
 * The tus 1.0 protocol (https://tus.io/protocols/resumable-upload) of Records API v1 `/uploads`: the core protocol
 * plus the `creation` and `expiration` extensions — its headers, versions and answers. The bytes and the state are
 * the upload store's (server/uploads.ts); the routes (server/routes/uploads.ts) only wire the two together.
 *
 * - `POST /uploads` with `Upload-Length` and `Upload-Metadata` (`sha256`, required; `record`, `part`, `name`,
 *   optional; values base64 as tus says) creates an upload and answers 201 with `Location: /api/v1/uploads/<id>`.
 * - `HEAD /uploads/<id>` answers `Upload-Offset` (the bytes the server holds) and `Upload-Length`.
 * - `PATCH /uploads/<id>` with `Content-Type: application/offset+octet-stream` and `Upload-Offset` equal to the
 *   server's offset appends the body and answers 204 with the new `Upload-Offset`. Another offset is 409 (the
 *   client HEADs and continues from the answer); a PATCH while another is still writing is 409 with Retry-After.
 * - Every request carries `Tus-Resumable: 1.0.0` (412 otherwise) and every answer does too.
 * - Every answer about an upload carries `Upload-Expires` (the `expiration` extension) and `Cache-Control: no-store`.
 */

export const TUS_VERSION = '1.0.0';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const WHOLE = /^\d{1,15}$/;

/** tus Upload-Metadata: `key base64value` pairs separated by commas; a key may come without a value. */
export function parseUploadMetadata(header: string | undefined): Record<string, string> {
  const values: Record<string, string> = {};
  for (const pair of (header ?? '').split(',')) {
    const [key, value] = pair.trim().split(/\s+/, 2);
    if (!key) continue;
    values[key] = value ? Buffer.from(value, 'base64').toString('utf8') : '';
  }
  return values;
}

/** What POST /uploads asks for, from its headers; a 400 names what is wrong. */
export function newUploadOf(lengthHeader: string | undefined, metadataHeader: string | undefined): NewUpload {
  if (!lengthHeader || !WHOLE.test(lengthHeader)) {
    throw new Problem(
      'upload-length-missing',
      'Send Upload-Length with the size of the part in bytes (deferred length is not supported).',
    );
  }
  const metadata = parseUploadMetadata(metadataHeader);
  const sha256 = metadata.sha256 ?? '';
  const { record, part } = metadata;
  if (
    !/^[0-9a-f]{64}$/.test(sha256) ||
    (record !== undefined && !UUID.test(record)) ||
    (part !== undefined && !/^\d{1,6}$/.test(part))
  ) {
    throw new Problem(
      'upload-metadata-invalid',
      'Upload-Metadata must carry `sha256` (64 lowercase hex digits, base64-encoded as tus says) and may carry `record` (the record id) and `part` (its index).',
    );
  }
  return {
    length: Number(lengthHeader),
    sha256,
    recordId: record,
    part: part === undefined ? undefined : Number(part),
  };
}

/** Every upload request must speak tus 1.0.0: a 412 that names the version otherwise. */
export function requireTus(version: string | undefined): void {
  if (version !== TUS_VERSION) {
    throw new Problem(
      'tus-version',
      `Upload requests must carry Tus-Resumable: ${TUS_VERSION} (got ${version?.slice(0, 20) ?? 'none'}).`,
      { headers: { 'tus-version': TUS_VERSION } },
    );
  }
}

/**
 * The offset a PATCH says it writes at, from its headers; a 400 unless its Content-Type is tus's. A missing or
 * malformed Upload-Offset is undefined, which the store answers with 409 and the offset it holds.
 */
export function patchOffsetOf(contentType: string | undefined, offsetHeader: string | undefined): number | undefined {
  if (contentType?.split(';')[0]?.trim().toLowerCase() !== 'application/offset+octet-stream') {
    throw new Problem('upload-content-type', 'A PATCH must have Content-Type: application/offset+octet-stream.');
  }
  return offsetHeader !== undefined && WHOLE.test(offsetHeader) ? Number(offsetHeader) : undefined;
}

/** The headers of every answer about an upload. */
export const uploadHeaders = (info: UploadInfo) => ({
  'upload-offset': String(info.offset),
  'upload-expires': info.expiresAt.toUTCString(),
  'cache-control': 'no-store',
});
