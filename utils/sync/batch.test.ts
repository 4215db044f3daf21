import { describe, expect, it } from 'vitest';
import { batched } from './batch';

describe('batched', () => {
  it('runs the first call at once, alone, and the calls made meanwhile together, each with its own answer', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const first = new Promise<void>((resolve) => {
      release = resolve;
    });
    const double = batched(async (items: number[]) => {
      batches.push(items);
      if (batches.length === 1) await first;
      return items.map((n) => n * 2);
    });
    const answers = [double(1), double(2), double(3), double(4)];
    release();
    expect(await Promise.all(answers)).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    // Idle again: the next call runs at once.
    expect(await double(5)).toBe(10);
    expect(batches).toHaveLength(3);
  });

  it('rejects every call of a batch that failed, and runs the next batch all the same', async () => {
    let runs = 0;
    const store = batched(async (items: string[]) => {
      runs += 1;
      if (runs === 2) throw new Error('the transaction aborted');
      return items.map((item) => `stored ${item}`);
    });
    const results = await Promise.allSettled([store('a'), store('b'), store('c')]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'stored a',
      'the transaction aborted',
      'the transaction aborted',
    ]);
    expect(await store('d')).toBe('stored d');
  });
});
