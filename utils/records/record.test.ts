import { describe, expect, it } from 'vitest';
import { parseRecord } from './record';
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
  it('accepts the record of design.md', () => {
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
