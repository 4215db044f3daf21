import { describe, expect, it } from 'vitest';
import { apiBase, originPattern } from './settings';

describe('apiBase', () => {
  it('appends /api/v1/ to a bare origin or path', () => {
    expect(apiBase('http://127.0.0.1:8787')).toBe('http://127.0.0.1:8787/api/v1/');
    expect(apiBase('https://x.org/records/')).toBe('https://x.org/records/api/v1/');
  });
  it('keeps an URL that already names the API', () => {
    expect(apiBase('https://x.org/api/v1')).toBe('https://x.org/api/v1/');
  });
});

it('originPattern covers every port of the host', () => {
  expect(originPattern('http://127.0.0.1:8787/x')).toBe('http://127.0.0.1/*');
});
