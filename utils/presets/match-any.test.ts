import { describe, expect, it } from 'vitest';
import { matchesAny } from './patterns';

describe('match patterns', () => {
  const yes = (pattern: string, url: string) => expect(matchesAny([pattern], new URL(url))).toBe(true);
  const no = (pattern: string, url: string) => expect(matchesAny([pattern], new URL(url))).toBe(false);

  it('matches host wildcards on subdomains and the bare domain', () => {
    yes('https://*.sharepoint.com/*', 'https://contoso.sharepoint.com/sites/x');
    yes('https://*.sharepoint.com/*', 'https://sharepoint.com/');
    no('https://*.sharepoint.com/*', 'https://sharepoint.com.evil.example/');
    no('https://*.sharepoint.com/*', 'https://evilsharepoint.com/');
  });

  it('matches scheme and path', () => {
    yes('https://mail.google.com/*', 'https://mail.google.com/mail/u/0/#inbox');
    no('https://mail.google.com/*', 'http://mail.google.com/mail/');
    yes('https://*.atlassian.net/wiki/*', 'https://acme.atlassian.net/wiki/spaces/X/pages/1');
    no('https://*.atlassian.net/wiki/*', 'https://acme.atlassian.net/browse/X-1');
    yes('*://example.org/*', 'http://example.org/a?b=c');
  });

  it('rejects malformed patterns instead of matching everything', () => {
    no('mail.google.com', 'https://mail.google.com/');
    no('https://mail.*.com/*', 'https://mail.google.com/');
  });
});
