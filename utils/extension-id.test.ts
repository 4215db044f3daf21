import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { EXTENSION_ID, EXTENSION_KEY } from './extension-id';

it('EXTENSION_ID is the id Chromium derives from EXTENSION_KEY', () => {
  const hex = createHash('sha256').update(Buffer.from(EXTENSION_KEY, 'base64')).digest('hex').slice(0, 32);
  const id = [...hex].map((digit) => String.fromCharCode(97 + Number.parseInt(digit, 16))).join('');
  expect(id).toBe(EXTENSION_ID);
});

it('the README names the real extension id', async () => {
  const { readFileSync } = await import('node:fs');
  expect(readFileSync('README.md', 'utf8')).toContain(EXTENSION_ID);
});
