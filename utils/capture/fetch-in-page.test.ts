import { describe, expect, it, vi } from 'vitest';
import { base64ToBytes } from './bytes';
import { fetchInPage } from './fetch-in-page';

const page = 'https://mail.google.com/mail/u/0/#inbox/abc';

describe('fetchInPage', () => {
  it('fetches same-origin content with the page cookies', async () => {
    const fetchImpl = vi.fn(
      async () => new Response('raw message', { headers: { 'Content-Type': 'message/rfc822; charset=utf-8' } }),
    );
    const result = await fetchInPage('https://mail.google.com/mail/u/0/?view=att', page, fetchImpl);
    expect(fetchImpl).toHaveBeenCalledWith(
      'https://mail.google.com/mail/u/0/?view=att',
      expect.objectContaining({ credentials: 'include' }),
    );
    expect(result.ok && new TextDecoder().decode(base64ToBytes(result.base64))).toBe('raw message');
    expect(result.ok && result.mimeType).toBe('message/rfc822');
  });

  it('never fetches another origin', async () => {
    const fetchImpl = vi.fn();
    const result = await fetchInPage('https://evil.example/steal', page, fetchImpl);
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining('only reads the page') });
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it('says why when the site refuses', async () => {
    const result = await fetchInPage(
      'https://mail.google.com/x',
      page,
      async () => new Response('no', { status: 403 }),
    );
    expect(result).toEqual({ ok: false, error: 'The site refused to give the original (HTTP 403).' });
  });

  it('says why when the network fails', async () => {
    const result = await fetchInPage('https://mail.google.com/x', page, async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(result).toEqual({ ok: false, error: 'Could not download the original: Failed to fetch' });
  });
});
