import { describe, expect, it } from 'vitest';
import { parseJsonc } from './jsonc';
import { fillTemplate, parseJsonPath, readJsonPath, urlGlob } from './patterns';

describe('urlGlob', () => {
  it('matches the whole URL with * as the only wildcard, ignoring case', () => {
    const glob = urlGlob('https://cases.example.org/*/view?id=*') as RegExp;
    expect(glob.test('https://cases.example.org/hr/view?id=7')).toBe(true);
    expect(glob.test('HTTPS://CASES.EXAMPLE.ORG/a/b/view?id=')).toBe(true);
    expect(glob.test('https://cases.example.org/hr/viewXid=7')).toBe(false);
    expect(glob.test('https://evil.example/?https://cases.example.org/hr/view?id=7')).toBe(false);
    expect((urlGlob('*.example.org/*') as RegExp).test('https://a.example.org/x')).toBe(true);
  });

  it('explains what it refuses', () => {
    expect(urlGlob('cases.example.org/*')).toBe('must start with a scheme (https://…) or with *');
    expect(urlGlob('https://x.org/:id')).toMatch(/URLPattern groups/);
    expect(urlGlob('https://x.org/(a|b)')).toMatch(/URLPattern groups/);
    expect(urlGlob('https://x.org:8443/*')).toBeInstanceOf(RegExp);
    expect(urlGlob('')).toMatch(/^must be 1 to/);
  });
});

describe('JSON paths', () => {
  it('parses the $.a.b[0] subset and reads own properties only', () => {
    expect(parseJsonPath('$.owner.email')).toEqual(['owner', 'email']);
    expect(parseJsonPath('$.items[0]["doc id"]')).toEqual(['items', 0, 'doc id']);
    expect(parseJsonPath('$')).toEqual([]);
    expect(parseJsonPath('$..x')).toMatch(/^unsupported syntax at character 2/);
    expect(parseJsonPath('owner')).toBe('must start with $');
    expect(parseJsonPath('$.a[*]')).toMatch(/^unsupported/);
    const value = JSON.parse('{"a": [{"b c": 1}], "__proto__": {"x": 2}}');
    expect(readJsonPath(value, ['a', 0, 'b c'])).toBe(1);
    expect(readJsonPath(value, ['a', 1])).toBeUndefined();
    expect(readJsonPath({}, ['constructor'])).toBeUndefined();
    expect(readJsonPath(value, ['__proto__', 'x'])).toBe(2);
  });
});

describe('fillTemplate', () => {
  it('fills placeholders with encoded values, or gives undefined when one is missing', () => {
    expect(fillTemplate('https://x/{sourceId}?t={title}', { sourceId: 'a/b', title: 'é' }, encodeURIComponent)).toBe(
      'https://x/a%2Fb?t=%C3%A9',
    );
    expect(fillTemplate('https://x/{sourceId}', {}, encodeURIComponent)).toBeUndefined();
    expect(fillTemplate('https://x/{toString}', {}, encodeURIComponent)).toBeUndefined();
  });
});

describe('parseJsonc', () => {
  it('drops comments and trailing commas outside strings only', () => {
    const text = '{ // note\n "a": "x // not a comment, }", /* b */ "b": [1, 2,], "c": "/* kept */",\n}';
    expect(parseJsonc(text)).toEqual({ a: 'x // not a comment, }', b: [1, 2], c: '/* kept */' });
    expect(parseJsonc('{"a": "q\\"//"}')).toEqual({ a: 'q"//' });
    expect(() => parseJsonc('{"a": }')).toThrow(SyntaxError);
  });
});
