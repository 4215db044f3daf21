import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { sha256Hex } from '../capture/bytes';
import type { Detection } from '../detectors/types';
import { type OutboxDb, openOutbox } from '../outbox/db';
import { EMPTY_PRESETS } from '../presets/schema';
import { choices, priorAnswers, sourceAliases } from '../storage';
import { afterDeclared } from './after-declare';
import { declare } from './declare';

const detection: Detection = {
  source: { app: 'gmail', kind: 'email', url: 'https://mail.google.com/mail/u/0/#inbox/x', sourceId: 'gmail:msg-f:1' },
  title: 'Quarterly report',
  metadata: { originator: 'Ann <ann@hr.example.org>' },
  capture: {
    parts: [
      {
        source: 'fetch',
        url: 'https://mail.google.com/mail/u/0/?view=att',
        name: 'message.eml',
        mimeType: 'message/rfc822',
        role: 'primary',
      },
    ],
  },
  via: 'test',
};
const request = {
  detection,
  title: 'Quarterly report',
  profileId: 'general',
  tags: [],
  fields: {},
  metadataOnly: false,
};
const eml = new TextEncoder().encode(
  'From: Ann <ann@hr.example.org>\r\nMessage-ID: <q3-report@hr.example.org>\r\nSubject: Quarterly report\r\n\r\nHello',
);
const page = async (_url: string, stage: (n: number, bytes: Uint8Array) => Promise<void>) => {
  await stage(0, eml);
  const sha256 = await sha256Hex(eml);
  return {
    ok: true as const,
    size: eml.byteLength,
    chunks: 1,
    chunkSize: eml.byteLength,
    sha256,
    mimeType: 'message/rfc822',
  };
};
const deps = (db: OutboxDb) => ({
  db,
  presets: EMPTY_PRESETS,
  now: () => new Date('2026-11-23T10:00:00Z'),
  captureInTab: async () => ({ ok: false as const, error: 'no snapshot' }),
  streamInTab: page,
});
const cached = { at: 1, lookup: { ok: true as const, records: [] } };

let db: OutboxDb;
beforeEach(async () => {
  fakeBrowser.reset();
  db = await openOutbox(`after-declare-${Math.random()}`);
});

describe('after a declaration is stored', () => {
  it('forgets the cached duplicate answers, leads the app id to the record and remembers the choices', async () => {
    const result = await declare(request, deps(db));
    if (!result.ok) throw new Error(result.error);
    // The raw message gave the record its own id: the Message-ID, not Gmail's.
    expect(result.sourceId).not.toBe(detection.source.sourceId);
    await priorAnswers.set(detection.source.sourceId, cached);
    await priorAnswers.set(result.sourceId, cached);

    await afterDeclared(request, result, { db, presets: EMPTY_PRESETS });

    expect(await priorAnswers.get(detection.source.sourceId)).toBeUndefined();
    expect(await priorAnswers.get(result.sourceId)).toBeUndefined();
    expect(await sourceAliases.get(detection.source.sourceId)).toBe(result.sourceId);
    const remembered = await choices.get();
    expect(remembered.bySite.gmail).toEqual({ profileId: 'general', categoryId: undefined });
    expect(remembered.bySender['hr.example.org']).toEqual({ profileId: 'general', categoryId: undefined });
  });

  it('keeps no alias when the record is filed under the app’s own id', async () => {
    const result = await declare({ ...request, metadataOnly: true }, deps(db));
    if (!result.ok) throw new Error(result.error);
    expect(result.sourceId).toBe(detection.source.sourceId);
    await afterDeclared(request, result, { db, presets: EMPTY_PRESETS });
    expect(await sourceAliases.get(detection.source.sourceId)).toBeUndefined();
    expect((await choices.get()).bySite.gmail?.profileId).toBe('general');
  });

  it('remembers nothing for a record the outbox does not hold', async () => {
    await afterDeclared(
      request,
      { ok: true, id: 'missing', sourceId: 'gmail:msg-f:1' },
      { db, presets: EMPTY_PRESETS },
    );
    expect(await choices.get()).toEqual({ bySite: {}, bySender: {}, retained: {} });
  });
});
