import { describe, expect, it } from 'vitest';
import { encodeMultipart, formBody, type InMemoryEntry, type MultipartEntry } from './multipart';

const every = new Uint8Array(256 * 4).map((_, i) => i % 256);

/** What `fetch` sends for the same entries as a FormData (Node's undici implements the Fetch standard). */
async function asFetchSendsIt(entries: MultipartEntry[]): Promise<{ text: string; boundary: string }> {
  const form = new FormData();
  for (const entry of entries) {
    if ('value' in entry) form.append(entry.name, entry.value);
    else form.append(entry.name, new Blob([entry.bytes], { type: entry.type }), entry.filename);
  }
  const response = new Response(form);
  const boundary = /boundary=(.+)$/.exec(response.headers.get('content-type')!)![1]!;
  return { text: Buffer.from(await response.arrayBuffer()).toString('latin1'), boundary };
}

function ours(entries: InMemoryEntry[]) {
  const { body, contentType } = encodeMultipart(entries);
  const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(contentType)![1]!;
  return { text: Buffer.from(body).toString('latin1'), boundary };
}

describe('multipart bodies built as bytes', () => {
  it('are byte for byte what fetch sends for the same FormData, but for the boundary', async () => {
    const entries: InMemoryEntry[] = [
      { name: 'record', value: JSON.stringify({ title: 'Réunion 日本 "quoted"', lines: 'a\nb' }) },
      { name: 'content', filename: 'mémo "1"\r\n.eml', type: 'Message/RFC822', bytes: every.buffer },
      { name: 'content', filename: 'plain.txt', type: 'text/plain\r\nX-Injected: 1', bytes: every.subarray(0, 10) },
      { name: 'content', filename: 'empty', type: '', bytes: new Uint8Array(0) },
      { name: 'note', value: 'line one\rline two\nline three\r\n' },
    ];
    const expected = await asFetchSendsIt(entries);
    const actual = ours(entries);
    expect(actual.text.split(actual.boundary).join('B')).toBe(expected.text.split(expected.boundary).join('B'));
    // A type that is not printable ASCII is dropped as the Blob constructor drops it: no header is injected.
    expect(actual.text).not.toContain('X-Injected');
    expect(actual.text).toContain('Content-Type: message/rfc822');
  });

  it('are read back by the standard parser: fields, names and every byte', async () => {
    const { body, contentType } = encodeMultipart([
      { name: 'record', value: '{"id":"é"}' },
      { name: 'content', filename: 'a "b".bin', type: 'application/octet-stream', bytes: every },
    ]);
    const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
    expect(form.get('record')).toBe('{"id":"é"}');
    const file = form.get('content') as File;
    expect(file.name).toBe('a "b".bin');
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(every);
  });

  it('use a fresh random boundary for every body', () => {
    const boundaries = new Set(
      Array.from({ length: 50 }, () => encodeMultipart([{ name: 'a', value: 'b' }]).contentType),
    );
    expect(boundaries.size).toBe(50);
  });
});

describe('formBody', () => {
  it('sends parts in memory as bytes, with their Content-Type', () => {
    const { body, headers } = formBody([
      { name: 'record', value: '{}' },
      { name: 'content', filename: 'f', type: 'text/plain', bytes: every.buffer },
    ]);
    expect(body).toBeInstanceOf(Uint8Array);
    expect(headers['Content-Type']).toMatch(/^multipart\/form-data; boundary=/);
  });

  it('leaves a body with a Blob (chunks IndexedDB keeps on disk) to FormData, with every entry in order', async () => {
    const { body, headers } = formBody([
      { name: 'record', value: '{}' },
      { name: 'content', filename: 'small', type: 'text/plain', bytes: every.subarray(0, 3) },
      { name: 'content', filename: 'large', type: 'application/pdf', bytes: new Blob([every, every]) },
    ]);
    expect(headers).toEqual({});
    expect(body).toBeInstanceOf(FormData);
    const files = (body as FormData).getAll('content') as File[];
    expect(files.map((file) => [file.name, file.type, file.size])).toEqual([
      ['small', 'text/plain', 3],
      ['large', 'application/pdf', 2048],
    ]);
    expect((body as FormData).get('record')).toBe('{}');
  });
});
