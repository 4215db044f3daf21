import * as v from 'valibot';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { DiagnosticsBodySchema } from './events';
import { diagnosticsPolicyOf } from './policy';
import { readUploadStatus, recordHealth, refreshDiagnosticsPolicy } from './store';
import { type DiagnosticsTarget, sendHealth, sendSkeleton, targetOf } from './upload';

const target = async (): Promise<DiagnosticsTarget> => ({
  kind: 'records-api',
  repositoryUrl: 'https://records.example.org',
  token: 'rk_test',
});
const skeleton = {
  url: 'https://mail.google.com/mail/u/0/#inbox/AAaa',
  reason: 'nothing' as const,
  takenAt: '2026-11-21T10:00:00.000Z',
  html: '<!--recordkeeper-skeleton {}-->\n<!doctype html>\n<p>xxx</p>',
};
const event = { detector: 'gmail', app: 'gmail', problem: 'detect-failed' as const };

function fakeFetch(status = 200, answer: unknown = { accepted: 1 }) {
  const bodies: unknown[] = [];
  const fetch = vi.fn(async (input: Request | string | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    bodies.push({ url: request.url, auth: request.headers.get('authorization'), body: await request.json() });
    return new Response(JSON.stringify(answer), { status, headers: { 'content-type': 'application/json' } });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, bodies, calls: fetch };
}

describe('sending detector health', () => {
  beforeEach(() => fakeBrowser.reset());

  it('sends nothing while the policy is off (no policy, a malformed one, or false)', async () => {
    await recordHealth([event]);
    for (const managed of [{}, { diagnostics: 'yes', diagnosticsSkeletons: 1 }, { diagnostics: false }]) {
      await refreshDiagnosticsPolicy(async () => managed);
      const { fetch, calls } = fakeFetch();
      expect(await sendHealth({ target, fetch }, { force: true })).toBeUndefined();
      expect((await sendSkeleton({ target, fetch }, skeleton)).ok).toBe(false);
      expect(calls).not.toHaveBeenCalled();
    }
    expect(diagnosticsPolicyOf({ diagnostics: 'yes' }).problems).toEqual(['policy.diagnostics must be true or false']);
    // A browser without managed storage reads as no policy at all.
    await refreshDiagnosticsPolicy(async () => {
      throw new Error('Managed storage is not available');
    });
    const { fetch, calls } = fakeFetch();
    expect(await sendHealth({ target, fetch }, { force: true })).toBeUndefined();
    expect(calls).not.toHaveBeenCalled();
  });

  it('sends the counts the repository validates when the policy is on, once per change', async () => {
    await refreshDiagnosticsPolicy(async () => ({ diagnostics: true }));
    await recordHealth([event, event]);
    const { fetch, bodies } = fakeFetch();
    expect(await sendHealth({ target, fetch })).toEqual({ ok: true, skeletonId: undefined });
    expect(bodies).toHaveLength(1);
    const sent = bodies[0] as { url: string; auth: string; body: unknown };
    expect(sent.url).toBe('https://records.example.org/api/v1/diagnostics');
    expect(sent.auth).toBe('Bearer rk_test');
    expect(v.parse(DiagnosticsBodySchema, sent.body).counts).toMatchObject([{ detector: 'gmail', count: 2 }]);
    // Nothing new: nothing sent; and skeletons stay off under this policy.
    expect(await sendHealth({ target, fetch })).toBeUndefined();
    expect(await sendSkeleton({ target, fetch }, skeleton)).toEqual({
      ok: false,
      error: 'Your organisation does not allow sending page skeletons.',
    });
    expect(bodies).toHaveLength(1);
  });

  it('keeps a refusal for options to show, and sends nowhere when no repository is set up', async () => {
    await refreshDiagnosticsPolicy(async () => ({ diagnostics: true, diagnosticsSkeletons: true }));
    await recordHealth([event]);
    const refused = fakeFetch(422, { detail: 'counts[0].detector: must be a detector id' });
    const result = await sendHealth({ target, fetch: refused.fetch }, { force: true });
    expect(result).toEqual({
      ok: false,
      error: 'The repository refused the diagnostics (422): counts[0].detector: must be a detector id',
    });
    expect((await readUploadStatus()).lastError).toBe(result && !result.ok ? result.error : '');

    const nowhere = fakeFetch();
    const unset = async () => targetOf({ repositoryUrl: '', token: '' });
    expect(await sendHealth({ target: unset, fetch: nowhere.fetch }, { force: true })).toEqual({
      ok: false,
      error: 'No repository is set up, so nothing is sent.',
    });
    expect(nowhere.calls).not.toHaveBeenCalled();
  });

  it('sends a skeleton, gzip-compressed, with the counts, when the policy allows skeletons', async () => {
    await refreshDiagnosticsPolicy(async () => ({ diagnostics: true, diagnosticsSkeletons: true }));
    await recordHealth([event]);
    const { fetch, bodies } = fakeFetch(200, { accepted: 1, skeleton: { id: 'a-b' } });
    expect(await sendSkeleton({ target, fetch }, skeleton)).toEqual({ ok: true, skeletonId: 'a-b' });
    const body = v.parse(DiagnosticsBodySchema, (bodies[0] as { body: unknown }).body);
    expect(body.counts).toHaveLength(1);
    expect(body.skeleton).toMatchObject({ url: skeleton.url, reason: 'nothing', size: skeleton.html.length });
    const unpacked = await new Response(
      new Blob([Uint8Array.from(atob(body.skeleton!.gzip), (c) => c.charCodeAt(0))])
        .stream()
        .pipeThrough(new DecompressionStream('gzip')),
    ).text();
    expect(unpacked).toBe(skeleton.html);
  });
});
