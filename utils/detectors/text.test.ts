import { describe, expect, it } from 'vitest';
import { emailIn } from './text';

/** What Outlook's people reader matched with one regular expression before `emailIn`: its answers are the spec. */
const SCAN = /[^\s<>@",;:()[\]]{1,64}@[a-z0-9.-]{1,253}\.[a-z]{2,63}/i;

describe('emailIn', () => {
  it.each([
    ['Ann Lee <ann.lee@example.org>', 'ann.lee@example.org'],
    ['From: ann@example.org; bob@example.com', 'ann@example.org'],
    ['no address here', undefined],
    ['@example.org', undefined],
    ['a@b', undefined],
    ['x@@ann@example.org', 'ann@example.org'],
    [`${'a'.repeat(100)}@example.org`, `${'a'.repeat(64)}@example.org`],
    [`me@${'d'.repeat(300)}.org`, undefined],
    [`me@example.${'o'.repeat(80)}`, `me@example.${'o'.repeat(63)}`],
    ['(ann@EXAMPLE.ORG)', 'ann@EXAMPLE.ORG'],
  ])('%j → %j, as the regular expression does', (text, expected) => {
    expect(emailIn(text)).toBe(expected);
    expect(SCAN.exec(text)?.[0]).toBe(expected);
  });

  it('finds what the regular expression finds in random text built from address characters', () => {
    const alphabet = ['a', 'B', '.', '-', '@', ' ', '<', '>', ',', ';', '(', ']', 'é', '\u00a0', '1'];
    let state = 0x5eed;
    const next = () => {
      state = (state * 1103515245 + 12345) >>> 0;
      return state >>> 8;
    };
    for (let n = 0; n < 5000; n++) {
      const length = next() % 120;
      let text = '';
      for (let i = 0; i < length; i++) {
        // Runs of one character now and then, so that the length limits are reached.
        const char = alphabet[next() % alphabet.length]!;
        text += next() % 10 === 0 ? char.repeat(next() % 80) : char;
      }
      expect(emailIn(text), text).toBe(SCAN.exec(text)?.[0]);
    }
  });
});
