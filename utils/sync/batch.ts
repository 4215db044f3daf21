/**
 * Turns a function over many items into one over a single item, where every call made while the previous batch
 * ran goes into the next batch together: the drain's concurrent sends share one IndexedDB transaction instead of
 * one each. The first call runs at once, alone; nothing waits on a timer. `run` answers one result per item, in
 * order; if it throws, every call of that batch rejects with its error.
 */
export function batched<T, R>(run: (items: T[]) => Promise<R[]>): (item: T) => Promise<R> {
  let waiting: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  let running = false;
  const flush = async () => {
    running = true;
    while (waiting.length) {
      const batch = waiting;
      waiting = [];
      try {
        const results = await run(batch.map(({ item }) => item));
        batch.forEach(({ resolve }, i) => {
          resolve(results[i]!);
        });
      } catch (error) {
        for (const { reject } of batch) reject(error);
      }
    }
    running = false;
  };
  return (item) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!running) void flush();
    });
}
