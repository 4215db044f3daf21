import { describe, expect, it } from 'vitest';
import { safeHref } from './links';

describe('safeHref', () => {
  it('keeps http and https links', () => {
    const kept = {
      'https://records.example.org/records/1': 'https://records.example.org/records/1',
      'http://127.0.0.1:8787/records/r0': 'http://127.0.0.1:8787/records/r0',
      'HTTPS://Records.Example.org/a b': 'https://records.example.org/a%20b',
    };
    for (const [href, safe] of Object.entries(kept)) expect(safeHref(href)).toBe(safe);
  });

  it('refuses every other scheme, relative and malformed links', () => {
    for (const url of [
      'javascript:alert(1)',
      ' javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'java\tscript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      'chrome-extension://abc/options.html',
      '/records/1',
      '//evil.example/records/1',
      'not a url',
      '',
      undefined,
    ])
      expect(safeHref(url), String(url)).toBeUndefined();
  });
});
