import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { declareDeps, declareRequest, gmailDetection, serving } from '../../tests/support/declaring';
import { bytesToBase64, sha256Hex } from '../capture/bytes';
import { type OutboxDb, openOutbox } from '../outbox/db';
import { getRow, readContent } from '../outbox/outbox';
import { declare } from './declare';

const detection = gmailDetection('Ann <ann@x.org>');
const request = declareRequest(detection, ['a', 'a', 'b']);
const eml = new TextEncoder().encode('Subject: Quarterly report\r\n\r\nHello');

let db: OutboxDb;
beforeEach(async () => {
  db = await openOutbox(`declare-${Math.random()}`);
});

describe('declare', () => {
  it('keeps an MHTML archive beside a page snapshot where the browser gives one', async () => {
    const snapshotOnly = {
      ...request,
      detection: {
        ...detection,
        capture: { parts: [{ source: 'snapshot' as const, name: 'page.html', role: 'primary' as const }] },
      },
    };
    const html = new TextEncoder().encode('<!doctype html><title>x</title>');
    const mhtml = new TextEncoder().encode('MIME-Version: 1.0\r\nContent-Type: multipart/related');
    const result = await declare(
      snapshotOnly,
      declareDeps(db, serving(undefined), {
        captureInTab: async () => ({ ok: true, base64: bytesToBase64(html), mimeType: 'text/html' }),
        archiveInTab: async () => ({ ok: true, base64: bytesToBase64(mhtml), mimeType: 'multipart/related' }),
      }),
    );
    const row = await getRow(db, result.ok ? result.id : '');
    expect(row?.record.content.map((c) => [c.role, c.name, c.mimeType])).toEqual([
      ['primary', 'page.html', 'text/html'],
      ['rendition', 'page.mhtml', 'multipart/related'],
    ]);
  });

  it('leaves out an optional part that fails and keeps the rest', async () => {
    const withRendition = {
      ...request,
      detection: {
        ...detection,
        capture: {
          parts: [
            ...detection.capture.parts,
            { source: 'snapshot' as const, name: 'page.html', role: 'rendition' as const, optional: true },
          ],
        },
      },
    };
    const result = await declare(withRendition, declareDeps(db, serving(eml)));
    expect(result.ok).toBe(true);
    const row = await getRow(db, result.ok ? result.id : '');
    expect(row?.record.content.map((c) => c.name)).toEqual(['message.eml']);
  });

  it('captures, hashes and queues the record with its content in the outbox', async () => {
    const result = await declare(request, declareDeps(db, serving(eml)));
    expect(result.ok).toBe(true);
    const row = await getRow(db, result.ok ? result.id : '');
    expect(row?.state).toBe('queued');
    expect(row?.record).toMatchObject({
      title: 'Quarterly report',
      tags: ['a', 'b'],
      classification: { profileId: 'general', recordType: 'document' },
      content: [{ role: 'primary', name: 'message.eml', size: eml.byteLength, sha256: await sha256Hex(eml) }],
      declaredAt: '2026-11-23T10:00:00.000Z',
    });
    const [stored] = await readContent(db, row!);
    expect(new Uint8Array(stored!)).toEqual(eml);
  });

  it('reads the raw message: real addresses, Message-ID as source id, attachments as their own parts', async () => {
    const raw = new Uint8Array(readFileSync('utils/detectors/fixtures/gmail/e2e-message.eml'));
    const result = await declare(request, declareDeps(db, serving(raw, 4096)));
    expect(result).toMatchObject({
      ok: true,
      sourceId: '<CAPC3khAeVZ3FdSKKEBHaqLZaFZQE3M8ri5fTDFoJnho9cJUurA@mail.gmail.com>',
    });
    const row = await getRow(db, result.ok ? result.id : '');
    const record = row!.record;
    expect(record.metadata).toMatchObject({
      originator: 'Ioan at FlowCrypt <ioan@flowcrypt.com>',
      addressees: ['ci.tests.gmail@flowcrypt.dev'],
      otherAddressees: ['Tom at FlowCrypt <tom@flowcrypt.com>'],
      dateSent: '2022-11-24T07:11:36Z',
      identifiers: { appSourceId: 'gmail:msg-f:1' },
    });
    expect(record.content.map((c) => [c.role, c.name, c.mimeType])).toEqual([
      ['primary', 'message.eml', 'message/rfc822'],
      ['attachment', 'meeting-notes.txt', 'text/plain'],
    ]);
    const stored = await readContent(db, row!);
    expect(await sha256Hex(stored[1]!)).toBe(record.content[1]!.sha256);
  });

  it('keeps a small download in memory until its record is stored, and stages a large one as it arrives', async () => {
    let stagedWhileStreaming = -1;
    const small = await declare(
      request,
      declareDeps(db, async (url, stage) => {
        const answer = await serving(eml)(url, stage);
        stagedWhileStreaming = await db.count('chunks');
        return answer;
      }),
    );
    expect(small.ok).toBe(true);
    // One transaction stored the record and its bytes: nothing went through the staging area.
    expect(stagedWhileStreaming).toBe(0);
    const [part] = await db.getAll('content');
    expect(part).toMatchObject({ index: 0, bytes: expect.any(ArrayBuffer) });
    expect(part!.chunkKey).toBeUndefined();

    const big = new Uint8Array(9 * 1024 * 1024).map((_, i) => i % 251);
    const large = await declare(
      { ...request, metadataOnly: false },
      declareDeps(db, async (url, stage) => {
        const answer = await serving(big, 4 * 1024 * 1024)(url, stage);
        stagedWhileStreaming = await db.count('chunks');
        return answer;
      }),
    );
    expect(large.ok).toBe(true);
    expect(stagedWhileStreaming).toBe(3);
    const row = await getRow(db, large.ok ? large.id : '');
    expect(await sha256Hex((await readContent(db, row!))[0]!)).toBe(await sha256Hex(big));
  });

  it('refuses, before the outbox, a record the shared schema rejects, naming each problem (issue 10 item 4)', async () => {
    const hostile = {
      ...request,
      detection: { ...detection, metadata: { ...detection.metadata, language: 'x'.repeat(40), dateSent: 'Tuesday' } },
    };
    const result = await declare(hostile, declareDeps(db, serving(eml)));
    expect(result).toMatchObject({ ok: false, canDeclareMetadataOnly: false });
    const error = result.ok ? '' : result.error;
    expect(error).toMatch(/^Nothing was declared: the record is not valid, so the repository could never accept it/);
    expect(error).toContain('metadata.language: ');
    expect(error).toContain('metadata.dateSent: ');
    // Nothing half-kept: no row, and the downloaded original is gone from the staging area too.
    expect(await db.count('records')).toBe(0);
    expect(await db.count('chunks')).toBe(0);
  });

  it('reports a failed capture, stores nothing, and allows a metadata-only declaration', async () => {
    const deps = declareDeps(db, serving(undefined));
    const failed = await declare(request, deps);
    expect(failed).toEqual({
      ok: false,
      error: 'Could not capture the content: message.eml: The site refused to give the original (HTTP 403).',
      canDeclareMetadataOnly: true,
    });
    expect(await db.count('records')).toBe(0);
    const metadataOnly = await declare({ ...request, metadataOnly: true }, deps);
    // A failed capture leaves no staged chunks behind.
    expect(await db.count('chunks')).toBe(0);
    expect(metadataOnly.ok).toBe(true);
    expect((await db.getAll('records'))[0]?.record.content).toEqual([]);
  });
});
