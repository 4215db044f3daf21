import { describe, expect, it } from 'vitest';
import { formBytes } from './form-bytes';

/** What the platform's own FormData sends for the same fields, with the boundary it chose. */
async function platformEncoding(
  fields: { name: string; value: string | ArrayBuffer; filename?: string; type?: string }[],
): Promise<{ bytes: Uint8Array; boundary: string }> {
  const form = new FormData();
  for (const { name, value, filename, type } of fields) {
    if (typeof value === 'string' && filename === undefined) form.append(name, value);
    else form.append(name, new Blob([value], { type: type ?? '' }), filename);
  }
  const response = new Response(form);
  const boundary = /boundary=(.+)$/.exec(response.headers.get('Content-Type') ?? '')![1]!;
  return { bytes: new Uint8Array(await response.arrayBuffer()), boundary };
}

const bytes = (...values: number[]) => new Uint8Array(values).buffer;

describe('formBytes', () => {
  it('encodes a record and its parts byte for byte as FormData does', async () => {
    const fields = [
      { name: 'record', value: '{"id":"r1","title":"Grievance — ü"}' },
      { name: 'content', value: bytes(0, 13, 10, 255, 45, 45), filename: 'body.bin', type: 'application/octet-stream' },
      { name: 'content', value: bytes(1, 2, 3), filename: 'Résumé 2026.pdf', type: 'Application/PDF' },
    ];
    const platform = await platformEncoding(fields);
    const ours = formBytes(fields, platform.boundary);
    expect(ours.type).toBe(`multipart/form-data; boundary=${platform.boundary}`);
    expect(new TextDecoder().decode(ours.body)).toBe(new TextDecoder().decode(platform.bytes));
    expect(ours.body).toEqual(platform.bytes);
  });

  it('escapes quotes and line breaks in a hostile file name, and drops a type that is not printable ASCII', async () => {
    const fields = [
      { name: 'record', value: 'line one\nline two\rthree\r\nfour' },
      {
        name: 'content',
        value: bytes(7),
        filename: 'a"b\r\nContent-Type: text/html\r\n\r\n<x>.txt',
        type: 'text/plain\r\nX-Evil: 1',
      },
    ];
    const platform = await platformEncoding(fields);
    const ours = formBytes(fields, platform.boundary);
    const text = new TextDecoder().decode(ours.body);
    expect(text).toContain('filename="a%22b%0D%0AContent-Type: text/html%0D%0A%0D%0A<x>.txt"');
    expect(text).toContain('Content-Type: application/octet-stream');
    expect(text).not.toContain('X-Evil');
    expect(ours.body).toEqual(platform.bytes);
  });

  it('picks a new random boundary for every body', () => {
    const a = formBytes([{ name: 'record', value: '{}' }]).type;
    const b = formBytes([{ name: 'record', value: '{}' }]).type;
    expect(a).toMatch(/^multipart\/form-data; boundary=-+RecordkeeperFormBoundary[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
  });
});
