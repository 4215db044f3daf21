import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { priorityGate } from './priority';

/** Whether `promise` has settled once every timer and microtask due so far has run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

/** `idle` is still waiting `ms` - 1 milliseconds from now, and done at `ms`. */
async function releasedAfter(idle: Promise<void>, ms: number) {
  await vi.advanceTimersByTimeAsync(ms - 1);
  expect(await settled(idle)).toBe(false);
  await vi.advanceTimersByTimeAsync(1);
  expect(await settled(idle)).toBe(true);
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('priorityGate', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets the drain through at once when nothing is being declared', async () => {
    expect(await settled(priorityGate(300, 2000).idle())).toBe(true);
  });

  it('holds the drain while a lone declaration runs, and lets it go as soon as it ends', async () => {
    const gate = priorityGate(300, 10_000);
    const declaration = deferred();
    const declared = gate.during(() => declaration.promise.then(() => 'stored'));
    const idle = gate.idle();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await settled(idle)).toBe(false);
    declaration.resolve();
    expect(await declared).toBe('stored');
    expect(await settled(idle)).toBe(true);
  });

  it('waits the settling time after each declaration of a run, counted from the last', async () => {
    const gate = priorityGate(300, 10_000);
    await gate.during(async () => undefined);
    await vi.advanceTimersByTimeAsync(200);
    await gate.during(async () => undefined); // started within 300 ms of the first: a run
    const idle = gate.idle();
    await vi.advanceTimersByTimeAsync(200);
    await gate.during(async () => undefined);
    await releasedAfter(idle, 300);
  });

  it('treats a declaration that comes after the settling time as lone again', async () => {
    const gate = priorityGate(300, 10_000);
    await gate.during(async () => undefined);
    await vi.advanceTimersByTimeAsync(100);
    await gate.during(async () => undefined);
    await vi.advanceTimersByTimeAsync(400);
    await gate.during(async () => undefined);
    expect(await settled(gate.idle())).toBe(true);
  });

  it('never holds the drain longer than its longest wait, however long a declaration takes', async () => {
    const gate = priorityGate(300, 2_000);
    const declaration = deferred();
    const declared = gate.during(() => declaration.promise);
    await releasedAfter(gate.idle(), 2_000);
    declaration.resolve();
    await declared;
  });

  it('ends a failed declaration like any other: the error reaches its caller, the drain goes on after', async () => {
    const gate = priorityGate(300, 10_000);
    await expect(gate.during(async () => Promise.reject(new Error('capture failed')))).rejects.toThrow(
      'capture failed',
    );
    const idle = gate.idle();
    await vi.advanceTimersByTimeAsync(300);
    expect(await settled(idle)).toBe(true);
  });
});
