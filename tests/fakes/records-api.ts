import type { DeclaredRecord } from '../../utils/records/record';

/**
 * Records API v1 in memory, as much of it as the extension's connector uses: tus uploads (creation, HEAD, PATCH;
 * tus 1.0 core, https://tus.io/protocols/resumable-upload, and server/uploads.ts) and POST /records answering a
 * receipt. It logs every request, can drop the connection mid-PATCH, and can be made to lie (an upload address on
 * another site, a receipt link that is not a web address), for the connector's tests.
 */
export interface FakeRecordsApiOptions {
  /** Drop the connection on the PATCH after this many, keeping `keepOnFailure` bytes of its body. */
  failAfterPatches?: number | undefined;
  keepOnFailure?: number | undefined;
  /** The Location of a created upload (default: its path on this server). */
  location?: ((id: string) => string) | undefined;
  /** The receipt's link (default: http://x/records/<id>). */
  receiptUrl?: ((id: string) => string) | undefined;
}

export function fakeRecordsApi(options: FakeRecordsApiOptions = {}) {
  const uploads = new Map<string, { length: number; bytes: Uint8Array[]; received: number }>();
  const log: string[] = [];
  /** The Authorization header of every request, by request line. */
  const tokens: { line: string; authorization: string | null }[] = [];
  let patches = 0;
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const line = `${request.method} ${url.pathname}${request.headers.get('upload-offset') ? ` @${request.headers.get('upload-offset')}` : ''}`;
    log.push(line);
    tokens.push({
      line: `${request.method} ${url.origin}${url.pathname}`,
      authorization: request.headers.get('authorization'),
    });
    if (request.method === 'POST' && url.pathname.endsWith('/uploads')) {
      const id = `00000000-0000-4000-8000-${String(uploads.size).padStart(12, '0')}`;
      uploads.set(id, { length: Number(request.headers.get('upload-length')), bytes: [], received: 0 });
      return new Response(null, {
        status: 201,
        headers: { Location: options.location?.(id) ?? `/api/v1/uploads/${id}` },
      });
    }
    const upload = uploads.get(url.pathname.split('/').pop()!);
    if (request.method === 'HEAD') {
      return upload
        ? new Response(null, { status: 200, headers: { 'Upload-Offset': String(upload.received) } })
        : new Response(null, { status: 404 });
    }
    if (request.method === 'PATCH' && upload) {
      if (Number(request.headers.get('upload-offset')) !== upload.received) return new Response(null, { status: 409 });
      const body = new Uint8Array(await request.arrayBuffer());
      patches += 1;
      if (options.failAfterPatches !== undefined && patches > options.failAfterPatches) {
        // The connection drops: the server kept part of the body.
        const kept = body.subarray(0, options.keepOnFailure ?? 0);
        upload.bytes.push(kept);
        upload.received += kept.byteLength;
        options.failAfterPatches = undefined;
        throw new TypeError('network connection lost');
      }
      upload.bytes.push(body);
      upload.received += body.byteLength;
      return new Response(null, { status: 204, headers: { 'Upload-Offset': String(upload.received) } });
    }
    if (request.method === 'POST' && url.pathname.endsWith('/records')) {
      const form = await request.formData();
      const record = JSON.parse(String(form.get('record'))) as DeclaredRecord;
      return Response.json(
        {
          id: record.id,
          url: options.receiptUrl?.(record.id) ?? `http://x/records/${record.id}`,
          receivedAt: new Date().toISOString(),
          content: record.content.map(({ name, sha256, size }) => ({ name, sha256, size })),
        },
        { status: 201 },
      );
    }
    return new Response(null, { status: 404 });
  }) as typeof fetch;
  const assembled = (id: string) => Buffer.concat(uploads.get(id)!.bytes);
  /** An upload the server already holds `bytes` of (as if an earlier attempt sent them). */
  const seed = (id: string, length: number, bytes: Uint8Array) =>
    void uploads.set(id, { length, bytes: [bytes], received: bytes.byteLength });
  return { fetchImpl, log, tokens, assembled, seed };
}
