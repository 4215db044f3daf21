import { describe, expect, it, vi } from 'vitest';
import { combineLookups, lookupPrior, PRIOR_TTL_MS, type PriorCache } from './prior';

function memoryCache(): PriorCache & { entries: Map<string, unknown> } {
  const entries = new Map<string, never>();
  return {
    entries,
    get: async (id) => entries.get(id),
    set: async (id, entry) => {
      entries.set(id, entry as never);
    },
  };
}

const prior = { id: 'r1', url: 'http://x/records/r1', receivedAt: '2026-11-20T09:00:00Z', categoryId: 'HR/2.3' };

describe('lookupPrior', () => {
  it('asks once per source and answers from the cache while fresh', async () => {
    let clock = 0;
    const find = vi.fn(async (id: string) => (id === 'a' ? [prior] : []));
    const cache = memoryCache();
    expect(await lookupPrior(['a', 'b', 'a'], find, cache, () => clock)).toEqual({
      a: { ok: true, records: [prior] },
      b: { ok: true, records: [] },
    });
    expect(find).toHaveBeenCalledTimes(2);
    clock = PRIOR_TTL_MS - 1;
    await lookupPrior(['a'], find, cache, () => clock);
    expect(find).toHaveBeenCalledTimes(2);
    clock = PRIOR_TTL_MS;
    await lookupPrior(['a'], find, cache, () => clock);
    expect(find).toHaveBeenCalledTimes(3);
  });

  it('reports a failed lookup per source and does not cache it', async () => {
    const cache = memoryCache();
    const find = async (id: string) => {
      if (id === 'bad') throw new Error('Could not reach the repository');
      return [];
    };
    expect(await lookupPrior(['ok', 'bad'], find, cache, () => 0)).toEqual({
      ok: { ok: true, records: [] },
      bad: { ok: false, error: 'Could not reach the repository' },
    });
    expect([...cache.entries.keys()]).toEqual(['ok']);
  });

  it('keeps at most four requests in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const find = async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((done) => setTimeout(done, 5));
      inFlight -= 1;
      return [];
    };
    await lookupPrior(
      Array.from({ length: 12 }, (_, i) => `s${i}`),
      find,
      memoryCache(),
      () => 0,
    );
    expect(most).toBe(4);
  });
});

describe('combineLookups', () => {
  const older = { ...prior, id: 'r0', receivedAt: '2026-11-01T00:00:00Z' };
  it('joins both answers newest first without repeats', () => {
    expect(combineLookups({ ok: true, records: [older, prior] }, { ok: true, records: [prior] })).toEqual({
      ok: true,
      records: [prior, older],
    });
  });
  it('reports a failure only when nothing was found', () => {
    const failed = { ok: false as const, error: 'offline' };
    expect(combineLookups(failed, { ok: true, records: [prior] })).toEqual({ ok: true, records: [prior] });
    expect(combineLookups({ ok: true, records: [] }, failed)).toEqual(failed);
    expect(combineLookups(undefined, failed)).toEqual(failed);
  });
});
