import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { toyConnector } from '../../tests/support/records';
import type { Connector, PriorRecord } from '../connectors/connector';
import { priorRecords, rememberAlias } from './prior-store';

beforeEach(() => fakeBrowser.reset());

function connector(find?: (sourceId: string) => Promise<PriorRecord[]>): Connector {
  return toyConnector(
    'toy',
    { maxSinglePartBytes: 1, resumableParts: false, digest: 'none', existing: 'name', findsBySource: !!find },
    { findBySource: find },
  );
}

describe('the already-declared lookup through the connector', () => {
  it('asks the connector under the app’s id and the id its record was filed under', async () => {
    const asked: string[] = [];
    await rememberAlias('thread-1', '<m1@x>');
    const found = await priorRecords(
      ['thread-1'],
      connector(async (id) => {
        asked.push(id);
        return id === '<m1@x>' ? [{ id: 'r1', receivedAt: '2026-11-20T09:00:00Z' }] : [];
      }),
    );
    expect(asked.sort()).toEqual(['<m1@x>', 'thread-1']);
    expect(found).toEqual({ 'thread-1': { ok: true, records: [{ id: 'r1', receivedAt: '2026-11-20T09:00:00Z' }] } });
  });

  it('says clearly, for every source, when the repository cannot look records up', async () => {
    expect(await priorRecords(['a', 'b'], connector())).toEqual({
      a: { ok: false, error: 'this repository (toy) cannot look up earlier declarations' },
      b: { ok: false, error: 'this repository (toy) cannot look up earlier declarations' },
    });
  });

  it('answers nothing when no repository is configured', async () => {
    expect(await priorRecords(['a'], undefined)).toEqual({});
  });
});
