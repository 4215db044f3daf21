import { describe, expect, it } from 'vitest';
import { answerError, isHttpUrl, networkError, originPattern, parseRetryAfter } from './http';

const now = Date.parse('2026-11-23T10:00:00Z');
const headers = (retryAfter?: string) => new Headers(retryAfter ? { 'Retry-After': retryAfter } : {});

describe('answerError: every HTTP answer is one of the seam’s kinds', () => {
  it.each([
    [401, undefined, { kind: 'auth', interactive: true }],
    [403, undefined, { kind: 'auth', interactive: true }],
    [408, undefined, { kind: 'retryable', retryAfterMs: undefined }],
    [429, undefined, { kind: 'throttled', retryAfterMs: undefined }],
    [429, '7', { kind: 'throttled', retryAfterMs: 7000 }],
    [500, undefined, { kind: 'retryable' }],
    [502, undefined, { kind: 'retryable' }],
    [503, '30', { kind: 'throttled', retryAfterMs: 30_000 }],
    [409, '1', { kind: 'throttled', retryAfterMs: 1000 }],
    [409, undefined, { kind: 'conflict' }],
    [412, undefined, { kind: 'conflict' }],
    [423, undefined, { kind: 'conflict' }],
    [413, undefined, { kind: 'unsupported' }],
    [400, undefined, { kind: 'permanent' }],
    [404, undefined, { kind: 'permanent' }],
    [422, undefined, { kind: 'permanent' }],
  ] as const)('%i (Retry-After %s)', (status, retryAfter, expected) => {
    const error = answerError(status, headers(retryAfter), 'the detail', { now });
    expect(error).toMatchObject({ ...expected, status });
    expect(error.message).toContain('the detail');
  });

  it('says what was refused, in the server’s words', () => {
    expect(answerError(422, headers(), 'field x', { now, rejected: 'refused the upload' }).message).toBe(
      'The repository refused the upload (422): field x',
    );
  });

  it('reads an unreachable repository as retryable with no status', () => {
    expect(networkError(new TypeError('Failed to fetch'))).toMatchObject({ kind: 'retryable', status: undefined });
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => expect(parseRetryAfter('120', now)).toBe(120_000));
  it('reads an HTTP date', () => expect(parseRetryAfter('Mon, 23 Nov 2026 10:00:30 GMT', now)).toBe(30_000));
  it('ignores nonsense', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('links from a server', () => {
  it('keeps only absolute http(s) URLs', () => {
    expect(isHttpUrl('https://records.example.org/records/1')).toBe(true);
    expect(isHttpUrl('http://127.0.0.1:8787/records/1')).toBe(true);
    for (const bad of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', '/records/1', '', 7]) {
      expect(isHttpUrl(bad), String(bad)).toBe(false);
    }
  });
});

it('originPattern covers every port of the host', () => {
  expect(originPattern('http://127.0.0.1:8787/x')).toBe('http://127.0.0.1/*');
});
