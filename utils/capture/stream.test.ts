import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base64ToBytes } from './bytes';
import { receiveStream, type StreamMessage, streamInPage } from './stream';

const page = 'https://docs.google.com/document/d/x/edit';

/** A response whose body arrives in uneven pieces, as networks deliver it. */
function response(bytes: Uint8Array, piece = 1000): Response {
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + piece));
      offset += piece;
    },
  });
  return new Response(body, { headers: { 'Content-Type': 'application/pdf; x=1' } });
}

async function roundTrip(bytes: Uint8Array, chunkBytes: number) {
  const stored: Uint8Array[] = [];
  const receiver = receiveStream(async (n, chunk) => {
    stored[n] = chunk;
  });
  let result: unknown;
  const sent: StreamMessage[] = [];
  await streamInPage(
    `${new URL(page).origin}/export`,
    page,
    chunkBytes,
    async (message) => {
      sent.push(message);
      result = await receiver.accept(message);
    },
    async () => response(bytes),
  );
  return { stored, result, sent };
}

describe('streamed capture', () => {
  it('hands the body over in chunks of the given size and digests it on the way', async () => {
    const bytes = new Uint8Array(10_500).map((_, i) => (i * 7) % 256);
    const { stored, result, sent } = await roundTrip(bytes, 4096);
    expect(stored.map((c) => c.byteLength)).toEqual([4096, 4096, 2308]);
    expect(
      sent.filter((m) => m.type === 'chunk').map((m) => base64ToBytes((m as { base64: string }).base64).byteLength),
    ).toEqual([4096, 4096, 2308]);
    expect(result).toEqual({
      size: 10_500,
      chunks: 3,
      chunkSize: 4096,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      mimeType: 'application/pdf',
    });
  });

  it('never reads another origin', async () => {
    const sent: StreamMessage[] = [];
    await streamInPage('https://evil.example/x', page, 10, async (m) => {
      sent.push(m);
    });
    expect(sent).toEqual([{ type: 'error', error: expect.stringContaining("only reads the page's own site") }]);
  });

  it('turns a refusal into an error the background throws', async () => {
    const receiver = receiveStream(async () => undefined);
    let thrown: unknown;
    await streamInPage(
      `${new URL(page).origin}/x`,
      page,
      10,
      async (m) => {
        await receiver.accept(m).catch((error) => {
          thrown = error;
        });
      },
      async () => new Response('no', { status: 403 }),
    );
    expect(String(thrown)).toContain('HTTP 403');
  });

  it('refuses pieces of uneven size, which could not be read back in order', async () => {
    const receiver = receiveStream(async () => undefined);
    await receiver.accept({ type: 'chunk', base64: btoa('abcd') });
    await receiver.accept({ type: 'chunk', base64: btoa('ab') });
    await expect(receiver.accept({ type: 'chunk', base64: btoa('abcd') })).rejects.toThrow(/uneven/);
  });

  it('rejects messages that are not part of the protocol', async () => {
    await expect(receiveStream(async () => undefined).accept({ type: 'chunk', base64: 42 })).rejects.toThrow(
      /not part of the original/,
    );
  });
});

describe('redirects (issue 10 item 11)', () => {
  /** A response as `fetch` gives it after following redirects: `url` is where it ended. */
  const landedAt = (url: string) => {
    const answer = new Response(new Uint8Array([1, 2, 3]), { headers: { 'Content-Type': 'application/pdf' } });
    Object.defineProperty(answer, 'url', { value: url });
    return answer;
  };
  const stream = async (finalUrl: string, pageUrl = page) => {
    const sent: StreamMessage[] = [];
    await streamInPage(
      `${new URL(pageUrl).origin}/export`,
      pageUrl,
      1024,
      async (m) => {
        sent.push(m);
      },
      async () => landedAt(finalUrl),
    );
    return sent;
  };

  it('reads nothing when a redirect leaves the page’s site', async () => {
    const sent = await stream('https://evil.example/stolen');
    expect(sent).toEqual([{ type: 'error', error: expect.stringContaining('evil.example') }]);
  });

  it('refuses another tenant of a shared host', async () => {
    const sent = await stream('https://fabrikam.sharepoint.com/x.docx', 'https://contoso.sharepoint.com/sites/a');
    expect(sent[0]).toMatchObject({ type: 'error' });
  });

  it('follows a redirect within the page’s origin, and to the app’s own download host', async () => {
    expect((await stream(`${new URL(page).origin}/export/final`)).at(-1)).toMatchObject({ type: 'end' });
    expect((await stream('https://doc-0s-1c-docs.googleusercontent.com/export/abc')).at(-1)).toMatchObject({
      type: 'end',
    });
    expect(
      (await stream('https://uc1234.dl.dropboxusercontent.com/cd/0/get/x', 'https://www.dropbox.com/s/a/b.pdf')).at(-1),
    ).toMatchObject({ type: 'end' });
  });
});
