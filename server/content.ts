import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import type { ContentEntry } from '../utils/records/record.ts';
import { visibleContent } from './access.ts';
import type { BlobStore } from './blobs.ts';
import type { Db } from './db.ts';
import { attachmentDisposition, safeMediaType } from './media-type.ts';
import { addEvent } from './records.ts';
import type { TokenUser } from './tokens.ts';

/**
 * The stored bytes of one content entry as an HTTP response, re-hashed while they stream. The last chunk is held
 * back until the digest and size are checked: on a mismatch the stream fails instead, so the response ends short
 * of its Content-Length and no client can take damaged bytes for the record. The failure is logged and written
 * to the audit trail as `fixity-failed`.
 */
export function contentResponse(
  ctx: { db: Db; blobs: BlobStore },
  recordId: string,
  n: number,
  entry: ContentEntry,
): Response {
  const report = (problem: string) => reportFailure(ctx.db, recordId, n, problem);
  const source = ctx.blobs.open(entry.sha256);
  const checked = verifying(entry, report);
  // pipe() does not forward errors: a missing or unreadable blob must fail the response too.
  source.on('error', (error) => {
    report(`the blob cannot be read (${error.message})`);
    checked.destroy(error);
  });
  checked.on('close', () => source.destroy());
  source.pipe(checked);
  return new Response(Readable.toWeb(checked) as ReadableStream, { headers: contentHeaders(entry) });
}

/** The headers of a content download; every value is built from checked parts, never passed through. */
function contentHeaders(entry: ContentEntry): Record<string, string> {
  const digest = Buffer.from(entry.sha256, 'hex').toString('base64');
  return {
    'content-type': safeMediaType(entry.mimeType),
    'content-length': String(entry.size),
    'repr-digest': `sha-256=:${digest}:`,
    digest: `sha-256=${digest}`,
    etag: `"${entry.sha256}"`,
    'content-disposition': attachmentDisposition(entry.name),
    // Content is whatever was declared (HTML snapshots included): never let it run as a page of this origin.
    'content-security-policy': 'sandbox',
    'x-content-type-options': 'nosniff',
  };
}

function verifying(entry: ContentEntry, onMismatch: (problem: string) => void): Transform {
  const hash = createHash('sha256');
  let size = 0;
  let held: Buffer | undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.byteLength;
      const previous = held;
      held = chunk;
      done(null, previous);
    },
    flush(done) {
      const sha256 = hash.digest('hex');
      if (sha256 === entry.sha256 && size === entry.size) return done(null, held);
      const problem = `stored bytes have sha256 ${sha256} and ${size} bytes; the record says ${entry.sha256} and ${entry.size}`;
      onMismatch(problem);
      done(new Error(`Fixity failure: ${problem}`));
    },
  });
}

function reportFailure(db: Db, recordId: string, n: number, problem: string): void {
  console.error(`Fixity failure on record ${recordId} content ${n}: ${problem}. Run \`npm run server -- verify\`.`);
  addEvent(db, recordId, { kind: 'fixity-failed', actor: 'repository', detail: `content ${n}: ${problem}` }).catch(
    (error) => console.error(`Could not record the fixity failure of record ${recordId}`, error),
  );
}

/**
 * The download the API and the page for people share: the content a user may see, an `accessed` line in the
 * audit trail, then the bytes re-hashed as they stream. A HEAD gets the same headers and nothing else: no blob is
 * opened and nothing is written to the audit trail, since nothing was read.
 */
export async function downloadContent(
  ctx: { db: Db; blobs: BlobStore },
  method: string,
  id: string,
  nText: string,
  user: TokenUser,
): Promise<Response> {
  const { stored, n, entry } = await visibleContent(ctx.db, id, nText, user);
  if (method === 'HEAD') return new Response(null, { headers: contentHeaders(entry) });
  await addEvent(ctx.db, stored.record.id, {
    kind: 'accessed',
    actor: user.user,
    detail: `content ${n} (${entry.name})`,
  });
  return contentResponse(ctx, stored.record.id, n, entry);
}
