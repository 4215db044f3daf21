import * as v from 'valibot';
import type { ContentEntry } from '../../records/record';
import { ConnectorError, type Json, type PartSource } from '../connector';
import { rangeSlices, sliceBody } from '../multipart';
import { checkedUrl, failure, type GraphClient, graphPath, unreachable } from './graph';
import { QuickXorHash } from './quickxorhash';

/**
 * Sending one part into a SharePoint folder, exactly once.
 *
 * Small parts (at most 4 MB, driveitem-put-content.md) go in one PUT; larger ones through an upload session
 * (driveitem-createuploadsession.md): fragments of 10 MiB, a multiple of 320 KiB and well under 60 MiB, sent in
 * order to the session's upload URL without an Authorization header. After every fragment Graph acknowledged, the
 * checkpoint (upload URL, next offset, and the QuickXorHash of the bytes so far) is saved in the outbox, so a stopped
 * service worker asks the session where it stands (GET on the upload URL, `nextExpectedRanges`) and continues.
 *
 * Names come from the record and `@microsoft.graph.conflictBehavior` is `fail`, so a part sent twice meets a 409
 * instead of becoming a second file. The 409 is resolved by reading the item already there: when its size and
 * QuickXorHash are this part's, it is ours (an earlier attempt whose answer was lost) and counts as sent; otherwise
 * it is someone else's and the record waits for a person (`exists`).
 */

/** driveitem-put-content.md: "This method only supports files up to 4MB in size." */
export const SIMPLE_UPLOAD_MAX = 4 * 1024 * 1024;
/** driveitem-createuploadsession.md: fragments must be multiples of 320 KiB. */
export const FRAGMENT_UNIT = 320 * 1024;
/** 32 × 320 KiB = 10 MiB: the upper end of the 5–10 MiB the same page recommends. */
export const FRAGMENT_BYTES = 32 * FRAGMENT_UNIT;

/** What `commit` and `finalize` need to know about a sent part. */
export interface PartRef {
  [key: string]: Json;
  id: string;
  name: string;
  size: number;
  /** Computed here, over the bytes sent. */
  quickXorHash: string;
  /** What SharePoint reported for the stored file (`file.hashes.quickXorHash`), when it did. */
  remoteQuickXorHash: string | null;
  createdDateTime: string | null;
  webUrl: string | null;
}

const SessionCheckpoint = v.object({
  uploadUrl: v.pipe(v.string(), v.url()),
  offset: v.pipe(v.number(), v.integer(), v.minValue(0)),
  hash: v.object({ length: v.number(), cells: v.string() }),
});
type SessionCheckpoint = v.InferOutput<typeof SessionCheckpoint>;

/** The driveItem fields read from Graph's answers. */
export interface DriveItem {
  id?: unknown;
  name?: unknown;
  size?: unknown;
  webUrl?: unknown;
  createdDateTime?: unknown;
  file?: { hashes?: { quickXorHash?: unknown } };
  folder?: unknown;
}

export function toRef(item: DriveItem, quickXorHash: string, doing: string): PartRef {
  if (typeof item.id !== 'string' || typeof item.size !== 'number') {
    throw new ConnectorError(`Microsoft 365 answered an item without id or size when asked to ${doing}.`, 'retryable');
  }
  const remote = item.file?.hashes?.quickXorHash;
  return {
    id: item.id,
    name: typeof item.name === 'string' ? item.name : '',
    size: item.size,
    quickXorHash,
    remoteQuickXorHash: typeof remote === 'string' ? remote : null,
    createdDateTime: typeof item.createdDateTime === 'string' ? item.createdDateTime : null,
    webUrl: typeof item.webUrl === 'string' ? item.webUrl : null,
  };
}

/**
 * Bytes [start, end) of a part, each slice's bytes shown to `visit` (the hash) on the way: a view of the chunk when
 * they lie in one chunk in memory, else a Blob made of slices of the stored chunks (the outbox keeps the chunks of a
 * large part as Blobs, which Chrome holds on disk, so the body costs no memory).
 */
async function readRange(
  part: PartSource,
  start: number,
  end: number,
  visit: (bytes: Uint8Array) => void,
): Promise<Uint8Array<ArrayBuffer> | Blob> {
  const slices = await rangeSlices(part, start, end);
  const size = slices.reduce((sum, slice) => sum + (slice instanceof Blob ? slice.size : slice.byteLength), 0);
  if (size !== end - start) {
    throw new ConnectorError(
      `Part ${part.index + 1} is shorter in the outbox than its ${part.size} bytes.`,
      'permanent',
    );
  }
  for (const slice of slices) visit(slice instanceof Blob ? new Uint8Array(await slice.arrayBuffer()) : slice);
  return sliceBody(slices);
}

/** Feeds bytes [start, end) of the part to `hash`, a chunk at a time. */
async function hashRange(part: PartSource, hash: QuickXorHash, start: number, end: number): Promise<void> {
  for (let at = start; at < end; at += FRAGMENT_BYTES) {
    await readRange(part, at, Math.min(end, at + FRAGMENT_BYTES), (bytes) => hash.update(bytes));
  }
}

export async function partQuickXorHash(part: PartSource): Promise<string> {
  const hash = new QuickXorHash();
  await hashRange(part, hash, 0, part.size);
  return hash.digest();
}

export interface SendOptions {
  graph: GraphClient;
  fetch: typeof fetch;
  driveId: string;
  folderId: string;
  /** The part's file name in the record folder. */
  name: string;
  entry: ContentEntry;
  part: PartSource;
  checkpoint: Json | undefined;
  save: (checkpoint: Json) => Promise<void>;
}

const itemPath = (o: Pick<SendOptions, 'driveId' | 'folderId' | 'name'>) =>
  `/drives/${encodeURIComponent(o.driveId)}/items/${encodeURIComponent(o.folderId)}:/${graphPath(o.name)}:`;

/**
 * The item of that name is already in the folder: ours when size and QuickXorHash match the part (an earlier
 * attempt stored it and its answer was lost), someone else's otherwise.
 */
async function claimExisting(o: SendOptions, quickXorHash: string): Promise<PartRef> {
  const item = await o.graph.json<DriveItem>(itemPath(o), { doing: `read the existing ${o.name}` });
  const ref = toRef(item, quickXorHash, `read the existing ${o.name}`);
  if (ref.size === o.part.size && ref.remoteQuickXorHash === quickXorHash) return ref;
  throw new ConnectorError(
    `${o.name} already exists in the record's SharePoint folder with other content (${ref.size} bytes, QuickXorHash ${ref.remoteQuickXorHash ?? 'unknown'}; this part: ${o.part.size} bytes, ${quickXorHash}). It was not overwritten.`,
    'exists',
    { status: 409 },
  );
}

/** Sends one part; answers its reference. */
export async function sendPart(o: SendOptions): Promise<PartRef> {
  if (o.part.size <= SIMPLE_UPLOAD_MAX) return simpleUpload(o);
  return sessionUpload(o);
}

async function simpleUpload(o: SendOptions): Promise<PartRef> {
  const hash = new QuickXorHash();
  const body = await readRange(o.part, 0, o.part.size, (bytes) => hash.update(bytes));
  const quickXorHash = hash.digest();
  const doing = `upload ${o.name}`;
  // OneDrive driveitem_put_content.md § Conflict Resolution Behavior: a plain PUT replaces; `fail` refuses instead.
  const response = await o.graph.raw(`${itemPath(o)}/content?@microsoft.graph.conflictBehavior=fail`, {
    method: 'PUT',
    body,
    headers: { 'Content-Type': 'application/octet-stream' },
    doing,
  });
  if (response.status === 409) {
    await response.body?.cancel();
    return claimExisting(o, quickXorHash);
  }
  if (response.status !== 200 && response.status !== 201) throw await failure(response, doing, o.graph.now());
  return checkStored(o, toRef((await response.json()) as DriveItem, quickXorHash, doing));
}

/** A stored file whose size or hash is not the part's is removed (it is ours, and not yet a record) and resent. */
async function checkStored(o: SendOptions, ref: PartRef): Promise<PartRef> {
  if (ref.size === o.part.size && (ref.remoteQuickXorHash === null || ref.remoteQuickXorHash === ref.quickXorHash)) {
    return ref;
  }
  await o.graph.call(
    `/drives/${encodeURIComponent(o.driveId)}/items/${encodeURIComponent(ref.id)}`,
    { method: 'DELETE', doing: `remove the damaged copy of ${o.name}` },
    [204, 404],
  );
  throw new ConnectorError(
    `SharePoint stored ${o.name} as ${ref.size} bytes with QuickXorHash ${ref.remoteQuickXorHash}, not ${o.part.size} bytes with ${ref.quickXorHash}; the copy was removed and will be sent again.`,
    'retryable',
  );
}

/** The lowest offset in `nextExpectedRanges` ("12345-", "12345-55232"), or undefined when there is none. */
export function nextOffset(ranges: unknown): number | undefined {
  if (!Array.isArray(ranges)) return undefined;
  let lowest: number | undefined;
  for (const range of ranges) {
    const m = /^(\d+)-\d*$/.exec(String(range));
    if (m) lowest = Math.min(lowest ?? Number.POSITIVE_INFINITY, Number(m[1]));
  }
  return lowest;
}

/** A request to the upload URL: never with the Authorization header (the page's Remarks: it may cause a 401). */
async function uploadRequest(o: SendOptions, url: string, init: RequestInit, doing: string): Promise<Response> {
  try {
    // Ten minutes: a 10 MiB fragment on a slow line (1 Mbit/s) takes well over the two minutes other calls get.
    return await o.fetch(url, { ...init, signal: AbortSignal.timeout(600_000) });
  } catch (error) {
    throw unreachable(error, doing);
  }
}

async function sessionStatus(o: SendOptions, url: string): Promise<number | undefined> {
  const doing = `ask where the upload of ${o.name} stands`;
  const response = await uploadRequest(o, url, { method: 'GET' }, doing);
  // Best practices: a 404 means the session no longer exists; start the upload over.
  if (response.status === 404) {
    await response.body?.cancel();
    return undefined;
  }
  if (response.status !== 200) throw await failure(response, doing, o.graph.now());
  const offset = nextOffset(((await response.json()) as { nextExpectedRanges?: unknown }).nextExpectedRanges);
  if (offset === undefined || offset > o.part.size) {
    throw new ConnectorError(`Microsoft 365 reported no usable next range for ${o.name}.`, 'retryable');
  }
  return offset;
}

async function sessionUpload(o: SendOptions): Promise<PartRef> {
  const size = o.part.size;
  const saved = v.safeParse(SessionCheckpoint, o.checkpoint);
  let checkpoint: SessionCheckpoint | undefined = saved.success ? saved.output : undefined;
  // Invariant: `hash` covers exactly the bytes the session has, [0, hash.length).
  let hash = new QuickXorHash();

  if (checkpoint) {
    const server = await sessionStatus(o, checkedUrl(checkpoint.uploadUrl, 'upload URL'));
    if (server === undefined) checkpoint = undefined;
    else {
      try {
        hash = QuickXorHash.restore(checkpoint.hash);
      } catch {
        hash = new QuickXorHash();
      }
      hash = await catchUp(o, hash, server);
    }
  }

  if (!checkpoint) {
    // The file may be there already (the last fragment's answer was lost): prove it is ours before sending
    // hundreds of megabytes only to meet a 409 at the end.
    const probe = await o.graph.raw(itemPath(o), { doing: `look for ${o.name}` });
    if (probe.status === 200) {
      await probe.body?.cancel();
      return claimExisting(o, await partQuickXorHash(o.part));
    }
    if (probe.status !== 404) throw await failure(probe, `look for ${o.name}`, o.graph.now());
    await probe.body?.cancel();
    const created = await o.graph.json<{ uploadUrl?: unknown }>(`${itemPath(o)}/createUploadSession`, {
      method: 'POST',
      json: { item: { '@microsoft.graph.conflictBehavior': 'fail', name: o.name } },
      doing: `start the upload of ${o.name}`,
    });
    hash = new QuickXorHash();
    checkpoint = { uploadUrl: checkedUrl(created.uploadUrl, 'upload URL'), offset: 0, hash: hash.save() };
    await o.save(checkpoint);
  }
  const uploadUrl = checkedUrl(checkpoint.uploadUrl, 'upload URL');

  for (let resyncs = 0; ; ) {
    const offset = hash.length;
    if (offset >= size) {
      // Every byte is there but no file was made: the session cannot finish; start over.
      await o.save(null);
      throw new ConnectorError(
        `The upload session of ${o.name} holds every byte but made no file; it will start over.`,
        'retryable',
      );
    }
    const end = Math.min(offset + FRAGMENT_BYTES, size);
    const before = hash.save();
    const body = await readRange(o.part, offset, end, (bytes) => hash.update(bytes));
    const doing = `upload bytes ${offset}–${end - 1} of ${o.name}`;
    const response = await uploadRequest(
      o,
      uploadUrl,
      {
        method: 'PUT',
        headers: { 'Content-Range': `bytes ${offset}-${end - 1}/${size}` },
        body,
      },
      doing,
    );
    if (response.status === 202) {
      const next = nextOffset(((await response.json()) as { nextExpectedRanges?: unknown }).nextExpectedRanges);
      if (next === end) {
        await o.save({ uploadUrl, offset: end, hash: hash.save() });
        continue;
      }
      hash = QuickXorHash.restore(before);
      if (next === undefined || next > size || resyncs++ >= 5) {
        throw new ConnectorError(`Microsoft 365 lost track of the upload of ${o.name}.`, 'retryable');
      }
      hash = await catchUp(o, hash, next);
      continue;
    }
    if (response.status === 200 || response.status === 201) {
      return checkStored(o, toRef((await response.json()) as DriveItem, hash.digest(), doing));
    }
    if (response.status === 409) {
      // Handling upload conflicts: the name was taken meanwhile. The session stays until it expires; cancel it.
      await response.body?.cancel();
      const ref = await claimExisting(o, hash.digest());
      await uploadRequest(o, uploadUrl, { method: 'DELETE' }, `cancel the upload of ${o.name}`)
        .then((r) => r.body?.cancel())
        .catch(() => undefined);
      return ref;
    }
    hash = QuickXorHash.restore(before);
    if (response.status === 416 && resyncs++ < 5) {
      // A fragment the server already had (its answer was lost): ask where it stands and go on from there.
      await response.body?.cancel();
      const server = await sessionStatus(o, uploadUrl);
      if (server === undefined)
        throw new ConnectorError(`The upload session of ${o.name} expired; it will start over.`, 'retryable');
      hash = await catchUp(o, hash, server);
      continue;
    }
    if (response.status === 404) {
      await response.body?.cancel();
      await o.save(null);
      throw new ConnectorError(`The upload session of ${o.name} expired; it will start over.`, 'retryable', {
        status: 404,
      });
    }
    throw await failure(response, doing, o.graph.now());
  }
}

/**
 * The hash of bytes [0, server): `hash` (which covers [0, hash.length)) carried forward over the bytes the server
 * has that the checkpoint did not record, or computed afresh when the server has fewer.
 */
async function catchUp(o: SendOptions, hash: QuickXorHash, server: number): Promise<QuickXorHash> {
  if (server < hash.length) {
    const fresh = new QuickXorHash();
    await hashRange(o.part, fresh, 0, server);
    return fresh;
  }
  await hashRange(o.part, hash, hash.length, server);
  return hash;
}
