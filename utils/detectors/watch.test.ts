// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type RedetectTiming, reportCount, watchForChanges } from './watch';

const timing: RedetectTiming = { settleMs: 250, intervalMs: 1000, maxIntervalMs: 8000 };
let controller: AbortController;

beforeEach(() => {
  vi.useFakeTimers();
  controller = new AbortController();
  document.body.innerHTML = '<ul id="list"></ul>';
});
afterEach(() => {
  controller.abort();
  vi.useRealTimers();
});

/** One DOM mutation, delivered to the observer (a microtask) before the clock moves on. */
async function mutate() {
  document.getElementById('list')!.appendChild(document.createElement('li'));
  await Promise.resolve();
  await Promise.resolve();
}

/** Mutates every `everyMs` for `forMs`, as a busy app does, and returns the times `onChange` ran at. */
async function busy(forMs: number, everyMs: number, runs: number[], start: number) {
  for (let t = 0; t < forMs; t += everyMs) {
    await mutate();
    await vi.advanceTimersByTimeAsync(everyMs);
  }
  return runs.map((at) => at - start);
}

/** Watches with an `onChange` that gives `answer` and notes when it ran; returns those times and the start. */
function watchRuns(answer: boolean) {
  const start = Date.now();
  const runs: number[] = [];
  watchForChanges(
    () => {
      runs.push(Date.now());
      return answer;
    },
    controller.signal,
    timing,
  );
  return { start, runs };
}

describe('watchForChanges', () => {
  it('runs once after a burst of changes settles, not on every change', async () => {
    const onChange = vi.fn(() => false);
    watchForChanges(onChange, controller.signal, timing);
    for (let i = 0; i < 50; i++) await mutate();
    expect(onChange).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(249);
    expect(onChange).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onChange).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  it('on a page that never settles, backs off while the answer stays the same, and ends on the settled page', async () => {
    const { start, runs } = watchRuns(false);
    const at = await busy(20_000, 100, runs, start);
    // 1 s, then 2, 4 and 8 s apart while nothing changes the answer.
    expect(at.slice(0, 5)).toEqual([1000, 3000, 7000, 15_000, 23_000].filter((t) => t < 20_000));
    // The page settles at 20.15 s; the last run was at 15 s and the wait is now 8 s.
    await vi.advanceTimersByTimeAsync(2999);
    expect(runs.length).toBe(4);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.length).toBe(5);
    expect(runs.at(-1)! - start).toBe(23_000);
  });

  it('on a slow page whose renders are further apart than the settle time, still backs off', async () => {
    const { start, runs } = watchRuns(false);
    const at = await busy(20_000, 300, runs, start);
    // Settled after the first render, then 2, 4 and 8 s after each run, not after every 300 ms gap.
    expect(at).toEqual([250, 2300, 6300, 14_300]);
  });

  it('keeps re-detecting every second while the answer keeps changing', async () => {
    const { start, runs } = watchRuns(true);
    const at = await busy(5000, 100, runs, start);
    expect(at).toEqual([1000, 2000, 3000, 4000, 5000]);
  });

  it('waits a second again after the user acts or the app navigates', async () => {
    const { start, runs } = watchRuns(false);
    await busy(7100, 100, runs, start);
    expect(runs.map((t) => t - start)).toEqual([1000, 3000, 7000]);
    // The wait that began at 7 s would be 8 s; a key press brings it back to 1 s.
    dispatchEvent(new KeyboardEvent('keydown', { key: 'x' }));
    const before = runs.length;
    await busy(1100, 100, runs, start);
    expect(runs.length).toBe(before + 1);
    expect(runs.at(-1)! - start).toBe(8000);
    // A navigation alone (no DOM change) re-detects too.
    await vi.advanceTimersByTimeAsync(1000);
    const quiet = runs.length;
    dispatchEvent(new HashChangeEvent('hashchange'));
    await vi.advanceTimersByTimeAsync(250);
    expect(runs.length).toBe(quiet + 1);
  });

  it('does not re-detect a hidden tab until it is shown', async () => {
    const onChange = vi.fn(() => false);
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    watchForChanges(onChange, controller.signal, timing);
    await mutate();
    await vi.advanceTimersByTimeAsync(5000);
    expect(onChange).not.toHaveBeenCalled();
    visibility.mockReturnValue('visible');
    document.dispatchEvent(new Event('visibilitychange'));
    await vi.advanceTimersByTimeAsync(250);
    expect(onChange).toHaveBeenCalledTimes(1);
    visibility.mockRestore();
  });

  it('stops when aborted', async () => {
    const onChange = vi.fn(() => false);
    watchForChanges(onChange, controller.signal, timing);
    await mutate();
    controller.abort();
    await mutate();
    dispatchEvent(new HashChangeEvent('hashchange'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(onChange).not.toHaveBeenCalled();
  });
});

describe('reportCount', () => {
  it('sends the count at once and then only when it changes; a failed send is sent again', async () => {
    let count = 1;
    const send = vi.fn(async (_count: number) => {});
    reportCount(() => count, send, controller.signal, timing);
    expect(send.mock.calls).toEqual([[1]]);
    await mutate();
    await vi.advanceTimersByTimeAsync(250);
    expect(send).toHaveBeenCalledTimes(1);
    count = 2;
    send.mockRejectedValueOnce(new Error('background restarting'));
    await mutate();
    await vi.advanceTimersByTimeAsync(2000);
    expect(send.mock.calls).toEqual([[1], [2]]);
    await mutate();
    await vi.advanceTimersByTimeAsync(1000);
    expect(send.mock.calls).toEqual([[1], [2], [2]]);
  });
});
