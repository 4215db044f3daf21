import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ALARM_MIN_MS, backstopAt, PROBE_QUICK_FOR_MS, PROBE_WINDOW_MS, recoveryScheduler } from './recovery';

const T0 = Date.parse('2026-12-01T10:00:00Z');

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('recovery probes', () => {
  it('probes every second for the first minute of an outage, then every 3 s', () => {
    const probe = vi.fn();
    const recovery = recoveryScheduler(probe);
    recovery.afterDrain(true);
    const fired: number[] = [];
    probe.mockImplementation(() => {
      fired.push(Date.now() - T0);
      recovery.afterDrain(true); // the probe's drain found it down again
    });
    vi.advanceTimersByTime(5_000);
    expect(fired).toEqual([1_000, 2_000, 3_000, 4_000, 5_000]);
    vi.advanceTimersByTime(PROBE_QUICK_FOR_MS - 5_000);
    fired.length = 0;
    vi.advanceTimersByTime(12_000);
    expect(PROBE_QUICK_FOR_MS).toBe(60_000);
    expect(fired).toEqual([63_000, 66_000, 69_000, 72_000]);
  });

  it('stops probing once a drain reached the repository, and starts quick again at the next outage', () => {
    const probe = vi.fn();
    const recovery = recoveryScheduler(probe);
    recovery.afterDrain(true);
    vi.advanceTimersByTime(1_000);
    recovery.afterDrain(true);
    recovery.afterDrain(false);
    expect(recovery.nextProbeAt()).toBeUndefined();
    vi.advanceTimersByTime(60_000);
    expect(probe).toHaveBeenCalledTimes(1);
    recovery.afterDrain(true);
    expect(recovery.nextProbeAt()).toBe(Date.now() + 1_000);
  });

  it('keeps at most one probe armed however many drains end', () => {
    const probe = vi.fn();
    const recovery = recoveryScheduler(probe);
    for (let i = 0; i < 5; i++) recovery.afterDrain(true);
    vi.advanceTimersByTime(3_000);
    expect(probe).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves a long outage to the alarm and the online event after the probing window', () => {
    const probe = vi.fn();
    const recovery = recoveryScheduler(probe);
    probe.mockImplementation(() => recovery.afterDrain(true));
    recovery.afterDrain(true);
    vi.advanceTimersByTime(PROBE_WINDOW_MS + 10_000);
    const calls = probe.mock.calls.length;
    expect(calls).toBeGreaterThan(100);
    expect(recovery.nextProbeAt()).toBeUndefined();
    vi.advanceTimersByTime(60 * 60_000);
    expect(probe.mock.calls.length).toBe(calls);
  });

  it('cancel drops the armed probe', () => {
    const probe = vi.fn();
    const recovery = recoveryScheduler(probe);
    recovery.afterDrain(true);
    recovery.cancel();
    vi.advanceTimersByTime(10_000);
    expect(probe).not.toHaveBeenCalled();
  });
});

describe('backstop alarm', () => {
  it('fires at the next retry, but within 30 s while the repository is unreachable', () => {
    expect(backstopAt(T0, T0 + 5 * 60_000, false)).toBe(T0 + 5 * 60_000);
    expect(backstopAt(T0, T0 + 5 * 60_000, true)).toBe(T0 + ALARM_MIN_MS);
    expect(backstopAt(T0, undefined, true)).toBe(T0 + ALARM_MIN_MS);
    expect(backstopAt(T0, T0 + 10_000, true)).toBe(T0 + 10_000);
  });

  it('sets none when nothing waits, and never one in the past', () => {
    expect(backstopAt(T0, undefined, false)).toBeUndefined();
    expect(backstopAt(T0, T0 - 5_000, false)).toBe(T0 + 1_000);
  });
});
