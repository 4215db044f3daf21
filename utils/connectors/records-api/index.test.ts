import { describe, expect, it } from 'vitest';
import { apiBase } from './connector';
import { recordsApi } from './index';

describe('apiBase', () => {
  it('appends /api/v1/ to a bare origin or path', () => {
    expect(apiBase('http://127.0.0.1:8787')).toBe('http://127.0.0.1:8787/api/v1/');
    expect(apiBase('https://x.org/records/')).toBe('https://x.org/records/api/v1/');
  });
  it('keeps an URL that already names the API', () => {
    expect(apiBase('https://x.org/api/v1')).toBe('https://x.org/api/v1/');
  });
});

describe('the Records API definition', () => {
  it('takes an http(s) URL and needs the host permission of that host, every port', () => {
    const checked = recordsApi.check({ url: ' http://127.0.0.1:8787/x ' });
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.options).toEqual({ url: 'http://127.0.0.1:8787/x' });
    expect(recordsApi.origins(checked.options)).toEqual(['http://127.0.0.1/*']);
  });
  it('refuses anything else as its URL', () => {
    for (const url of ['', 'ftp://x.org', 'javascript:alert(1)', 'records.example.org']) {
      expect(recordsApi.check({ url }).ok, url).toBe(false);
    }
  });
  it('keeps its token as a secret, never as an option', () => {
    expect(recordsApi.fields.filter((f) => f.secret).map((f) => f.key)).toEqual(['token']);
    expect(recordsApi.check({ url: 'https://x.org', token: 'rk_1' })).toMatchObject({
      ok: true,
      options: { url: 'https://x.org' },
    });
  });
});
