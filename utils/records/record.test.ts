import { describe, expect, it } from 'vitest';
import { parseIsoDateTime, parseRecord } from './record';
import { uuidv7, uuidv7Time } from './uuidv7';

const valid = {
  id: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  source: { app: 'gmail', kind: 'email', url: 'https://mail.google.com/mail/u/0/#inbox/x', sourceId: '<a@b>' },
  title: 'Hello',
  metadata: { originator: 'Ann <ann@x.org>', dateSent: '2026-11-20T09:14:00Z' },
  classification: { profileId: 'hr-case', categoryId: 'HR/2.3' },
  tags: ['grievance'],
  fields: { caseNumber: 'HR-2291' },
  content: [{ role: 'primary', name: 'message.eml', mimeType: 'message/rfc822', size: 10, sha256: 'a'.repeat(64) }],
  declaredAt: '2026-11-23T10:00:00.000Z',
};

describe('record schema', () => {
  it('accepts the example record of docs/record.md', () => {
    expect(parseRecord(valid)).toMatchObject({ ok: true });
  });

  it('lists every problem with its path', () => {
    const result = parseRecord({
      ...valid,
      id: 'not-a-uuid',
      source: { ...valid.source, kind: 'fax' },
      content: [{ ...valid.content[0], name: '../../etc/passwd', sha256: 'XYZ' }],
    });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^id: /),
        expect.stringMatching(/^source\.kind: /),
        expect.stringMatching(/^content\.0\.name: /),
        expect.stringMatching(/^content\.0\.sha256: /),
      ]),
    );
  });
});

describe('what the database can store', () => {
  const withField = (patch: Record<string, unknown>) => parseRecord({ ...valid, ...patch });
  const problems = (result: ReturnType<typeof parseRecord>) => (result.ok ? [] : result.problems);

  it.each([
    ['U+0000 in the title', { title: 'a\u0000b' }, /^title: .*U\+0000/],
    ['a lone high surrogate in a tag', { tags: ['x\ud800'] }, /^tags\.0: /],
    ['a lone low surrogate in a field key', { fields: { '\udc00': 'x' } }, /^fields/],
    ['U+0000 in the source id', { source: { ...valid.source, sourceId: '\u0000' } }, /^source\.sourceId: /],
    ['U+0000 in an attachment name', { metadata: { attachments: [{ name: '\u0000' }] } }, /^metadata\.attachments/],
    ['a day that does not exist', { declaredAt: '2023-02-31T10:00:00Z' }, /^declaredAt: /],
    ['year 0', { metadata: { dateSent: '0000-06-01T10:00:00Z' } }, /^metadata\.dateSent: /],
    ['an offset past +14:00', { declaredAt: '2026-01-01T10:00:00+14:30' }, /^declaredAt: /],
    ['an offset past -14:00', { declaredAt: '2026-01-01T10:00:00-15:00' }, /^declaredAt: /],
    ['hour 24', { declaredAt: '2026-01-01T24:00:00Z' }, /^declaredAt: /],
    ['declaredAt before 1900', { declaredAt: '1899-12-31T23:59:59Z' }, /^declaredAt: .*1900/],
    ['a size past 2^53', { content: [{ ...valid.content[0], size: 2 ** 60 }] }, /^content\.0\.size: /],
  ])('refuses %s', (_, patch, message) => {
    const result = withField(patch);
    expect(result.ok).toBe(false);
    expect(problems(result)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });

  it.each([
    ['a surrogate pair', { title: 'Emoji \ud83d\ude00' }],
    ['29 February of a leap year', { declaredAt: '2024-02-29T10:00:00Z' }],
    ['an offset of exactly +14:00', { declaredAt: '2026-01-01T10:00:00+14:00' }],
    ['a date of year 1 in metadata', { metadata: { dateCreated: '0001-01-01T00:00:00Z' } }],
    ['a PostgreSQL-style date-time', { declaredAt: '2026-01-01 10:00:00+0100' }],
  ])('accepts %s', (_, patch) => {
    expect(withField(patch)).toMatchObject({ ok: true });
  });

  it('reads years below 100 as they are written, never as 19xx or 20xx', () => {
    expect(parseIsoDateTime('0001-01-01T00:00:00Z')?.toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(parseIsoDateTime('0099-12-31T23:59:59.5+01:00')?.toISOString()).toBe('0099-12-31T22:59:59.500Z');
  });
});

describe('uuidv7', () => {
  it('has version 7, the RFC 9562 variant, and the time it was made', () => {
    const now = Date.parse('2026-11-23T10:00:00.123Z');
    const id = uuidv7(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidv7Time(id)).toBe(now);
  });

  it('sorts by time', () => {
    const ids = [3, 1, 2].map((n) => uuidv7(1_700_000_000_000 + n));
    expect([...ids].sort()).toEqual([ids[1], ids[2], ids[0]]);
  });
});
