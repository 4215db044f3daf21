import { describe, expect, it } from 'vitest';
import { retryDelay } from './backoff';

const options = { baseMs: 1000, capMs: 60_000 };

describe('retryDelay', () => {
  it('doubles the ceiling with each attempt and jitters within its upper half', () => {
    expect(retryDelay(1, undefined, () => 0, options)).toBe(500);
    expect(retryDelay(1, undefined, () => 1, options)).toBe(1000);
    expect(retryDelay(3, undefined, () => 1, options)).toBe(4000);
    expect(retryDelay(3, undefined, () => 0, options)).toBe(2000);
  });

  it('never exceeds the cap', () => {
    expect(retryDelay(40, undefined, () => 1, options)).toBe(60_000);
  });

  it('honours a longer Retry-After', () => {
    expect(retryDelay(1, 30_000, () => 1, options)).toBe(30_000);
    expect(retryDelay(6, 1_000, () => 1, options)).toBe(32_000);
  });
});
