import { describe, expect, it } from 'vitest';
import { type ProblemKind, problemType } from '../../records/problems';
import { recordsApiError } from './answers';

const now = Date.parse('2026-11-23T10:00:00Z');

function answer(status: number, kind?: ProblemKind | string, headers: Record<string, string> = {}) {
  const body =
    kind === undefined
      ? 'Bad Gateway'
      : JSON.stringify({ type: kind.includes(':') ? kind : problemType(kind as ProblemKind), detail: `about ${kind}` });
  return new Response(body, { status, headers: { 'content-type': 'application/problem+json', ...headers } });
}

describe('Records API answers, by the problems catalogue', () => {
  it.each([
    [400, 'upload-interrupted', {}, 'retryable'],
    [409, 'idempotency-key-in-flight', { 'Retry-After': '1' }, 'throttled'],
    [409, 'upload-offset-mismatch', {}, 'retryable'],
    [403, 'admin-only', {}, 'auth'],
    [401, 'unauthorized', {}, 'auth'],
    [409, 'idempotency-key-reused', {}, 'conflict'],
    [413, 'too-large', {}, 'unsupported'],
    [422, 'content-mismatch', {}, 'permanent'],
    [400, 'record-invalid', {}, 'permanent'],
    [500, 'internal', {}, 'retryable'],
    [503, 'internal', { 'Retry-After': '30' }, 'throttled'],
  ] as const)('%i %s → %s', async (status, kind, headers, expected) => {
    const { error, problem } = await recordsApiError(answer(status, kind, headers), { now });
    expect(problem).toBe(kind);
    expect(error).toMatchObject({ kind: expected, status });
    expect(error.message).toContain(`about ${kind}`);
  });

  it('names a lost upload, so the commit can send its part again', async () => {
    expect((await recordsApiError(answer(422, 'upload-unknown'), { now })).problem).toBe('upload-unknown');
  });

  it('reads a server that is not ours by its status alone', async () => {
    const foreign = await recordsApiError(answer(400, 'https://example.org/problems/upload-interrupted'), { now });
    expect(foreign).toMatchObject({ problem: undefined, error: { kind: 'permanent' } });
    expect((await recordsApiError(answer(502), { now })).error).toMatchObject({
      kind: 'retryable',
      message: expect.stringContaining('Bad Gateway'),
    });
  });
});
