import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { declareDeps, declareRequest, gmailDetection, serving } from '../../tests/support/declaring';
import { type OutboxDb, openOutbox } from '../outbox/db';
import { EMPTY_PRESETS } from '../presets/schema';
import { choices, priorAnswers, sourceAliases } from '../storage';
import { afterDeclared } from './after-declare';
import { declare } from './declare';

const detection = gmailDetection('Ann <ann@hr.example.org>');
const request = declareRequest(detection);
const eml = new TextEncoder().encode(
  'From: Ann <ann@hr.example.org>\r\nMessage-ID: <q3-report@hr.example.org>\r\nSubject: Quarterly report\r\n\r\nHello',
);
const deps = (db: OutboxDb) => declareDeps(db, serving(eml, eml.byteLength));
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
