import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { Metadata } from '../../records/record';
import { inspectFile } from './inspect';
import { OOXML_MIME_TYPES } from './office';

const load = (file: string) => new Uint8Array(readFileSync(join(import.meta.dirname, 'fixtures', file)));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('inspectFile', () => {
  it('inspects an .eml: subject as title, Message-ID as source id, the message and its attachments hashed', async () => {
    const bytes = load('postal-mime_calendar-event.eml');
    const result = await inspectFile(bytes, 'invite.eml');
    expect(result.kind).toBe('email');
    expect(result.title).toMatch(/^Invitation: Test event/);
    expect(result.sourceId).toBe('<calendar-7791cb16-a4f3-43ae-a9a0-ed4003535ae7@google.com>');
    expect(result.content[0]).toEqual({
      role: 'primary',
      name: 'invite.eml',
      mimeType: 'message/rfc822',
      size: bytes.byteLength,
      sha256: sha256(bytes),
    });
    expect(result.content.slice(1).map((c) => c.name)).toEqual(['attachment-1.ics', 'invite.ics']);
    expect(v.parse(Metadata, result.metadata)).toEqual(result.metadata);
  });

  it('inspects an Outlook .msg by its signature, whatever its name', async () => {
    const result = await inspectFile(load('msgreader-test.msg'), 'download');
    expect(result).toMatchObject({
      kind: 'email',
      title: 'asdf',
      sourceId: '<000001d3c2c0$e7ca4aa0$b75edfe0$@freiraum.xyz>',
    });
    expect(result.content.map((c) => c.role)).toEqual(['primary', 'attachment']);
  });

  it('inspects a PDF and an Office file: file name as title when there is none, sha256 as source id', async () => {
    const pdf = load('pdf-parse-05-versions-space.pdf');
    const result = await inspectFile(pdf, 'versions.pdf');
    expect(result).toMatchObject({ kind: 'file', title: 'versions.pdf', sourceId: `sha256:${sha256(pdf)}` });
    expect(result.metadata.author).toEqual(['Alexander.vl.Russkikh']);
    const docx = await inspectFile(load('mammoth-tables.docx'), 'tables.docx');
    expect(docx.metadata.mimeType).toBe(OOXML_MIME_TYPES.docx);
    expect(docx.content).toEqual([
      expect.objectContaining({ name: 'tables.docx', mimeType: OOXML_MIME_TYPES.docx, size: 13087 }),
    ]);
  });

  it('uses the sha256 as source id for a message without Message-ID', async () => {
    const bytes = load('postal-mime_mixed.eml');
    const result = await inspectFile(bytes, 'mixed.eml');
    expect(result).toMatchObject({ kind: 'email', title: 'mixed.eml', sourceId: `sha256:${sha256(bytes)}` });
  });

  it('names the supported types when it cannot read a file, and reports broken ones', async () => {
    await expect(inspectFile(new TextEncoder().encode('{"a": 1}'), 'data.json')).rejects.toThrow(
      'Unsupported file type: data.json (supported: .eml, .msg, .pdf, .docx, .xlsx, .pptx)',
    );
    const broken = load('pdf-parse-05-versions-space.pdf').slice(0, 5000);
    await expect(inspectFile(broken, 'broken.pdf')).rejects.toThrow(/truncated/);
    await expect(inspectFile(new TextEncoder().encode('hello'), 'note.eml')).rejects.toThrow(/Not an email message/);
  });
});
