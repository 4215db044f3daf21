import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { throttle } from './throttle';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

it('runs at most once per interval and always once after the last trigger', () => {
  const fn = vi.fn();
  const throttled = throttle(fn, 1000);
  throttled();
  vi.advanceTimersByTime(0);
  expect(fn).toHaveBeenCalledTimes(1);
  for (let i = 0; i < 50; i++) {
    throttled();
    vi.advanceTimersByTime(10);
  }
  expect(fn).toHaveBeenCalledTimes(1);
  vi.advanceTimersByTime(1000);
  expect(fn).toHaveBeenCalledTimes(2);
  vi.advanceTimersByTime(5000);
  expect(fn).toHaveBeenCalledTimes(2);
});

it('can be cancelled', () => {
  const fn = vi.fn();
  const throttled = throttle(fn, 1000);
  throttled();
  throttled.cancel();
  vi.advanceTimersByTime(2000);
  expect(fn).not.toHaveBeenCalled();
});
