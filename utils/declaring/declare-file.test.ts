import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../capture/bytes';
import { type OutboxDb, openOutbox } from '../outbox/db';
import { getRow, readContent } from '../outbox/outbox';
import { EMPTY_PRESETS } from '../presets/schema';
import { declareFile, inspectLocalFile } from './declare-file';

let db: OutboxDb;
beforeEach(async () => {
  db = await openOutbox(`file-${Math.random()}`);
});

const file = (path: string) => new Uint8Array(readFileSync(path));
const now = () => new Date('2026-11-23T10:00:00Z');

describe('local files', () => {
  it('inspects a dropped .eml like a captured message', async () => {
    const detection = await inspectLocalFile(file('utils/detectors/fixtures/gmail/e2e-message.eml'), 'message.eml');
    expect(detection).toMatchObject({
      source: {
        app: 'file',
        kind: 'email',
        url: 'file:///message.eml',
        sourceId: '<CAPC3khAeVZ3FdSKKEBHaqLZaFZQE3M8ri5fTDFoJnho9cJUurA@mail.gmail.com>',
      },
      title: 'Message attachment with plain text',
      metadata: {
        originator: 'Ioan at FlowCrypt <ioan@flowcrypt.com>',
        otherAddressees: ['Tom at FlowCrypt <tom@flowcrypt.com>'],
      },
    });
  });

  it('declares a dropped .eml with its attachment as a part of its own', async () => {
    const bytes = file('utils/detectors/fixtures/gmail/e2e-message.eml');
    const result = await declareFile(
      { name: 'message.eml', bytes, title: 'Meeting notes', tags: ['x'], fields: {} },
      { db, presets: EMPTY_PRESETS, now },
    );
    expect(result.ok).toBe(true);
    const row = await getRow(db, result.ok ? result.id : '');
    expect(row!.record.content.map((c) => [c.role, c.name])).toEqual([
      ['primary', 'message.eml'],
      ['attachment', 'meeting-notes.txt'],
    ]);
    expect(row!.record.content[0]!.sha256).toBe(await sha256Hex(bytes));
    const stored = await readContent(db, row!);
    expect(new Uint8Array(stored[0]!)).toEqual(bytes);
  });

  it('declares a PDF with its own properties', async () => {
    const bytes = file('utils/capture/parse/fixtures/pdf-parse-05-versions-space.pdf');
    const detection = await inspectLocalFile(bytes, 'versions.pdf');
    expect(detection.source).toMatchObject({ kind: 'file', sourceId: `sha256:${await sha256Hex(bytes)}` });
    expect(detection.metadata.mimeType).toBe('application/pdf');
  });

  it('says what is wrong with a file it cannot read, and stores nothing', async () => {
    await expect(inspectLocalFile(new TextEncoder().encode('just text'), 'notes.txt')).rejects.toThrow(
      /Unsupported file type/,
    );
    const result = await declareFile(
      { name: 'broken.pdf', bytes: new TextEncoder().encode('%PDF-1.7\n1 0 obj'), title: 'x', tags: [], fields: {} },
      { db, presets: EMPTY_PRESETS, now },
    );
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/^Nothing was declared: /) });
    expect(await db.count('records')).toBe(0);
  });
});
