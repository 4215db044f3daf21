import { describe, expect, it } from 'vitest';
import { NO_CHOICES, rememberChoice } from './choices';
import type { DeclaredRecord } from './record';

const record: DeclaredRecord = {
  id: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  source: { app: 'gmail', kind: 'email', url: 'https://mail.google.com/mail/u/0/', sourceId: '<a@b>' },
  title: 'Grievance',
  metadata: { originator: 'Ann <ann@HR.example.org>' },
  classification: { profileId: 'hr-case', categoryId: 'HR/2.3' },
  tags: [],
  fields: { caseNumber: 'HR-1', team: 'North' },
  content: [],
  declaredAt: '2026-11-23T10:00:00Z',
};

describe('rememberChoice', () => {
  it('remembers the choice per site and per sender domain, and the retainable fields', () => {
    const profile = {
      id: 'hr-case',
      title: 'HR',
      recordType: 'email',
      capture: [],
      fields: [
        { id: 'caseNumber', label: 'Case', type: 'text' as const, required: true, retain: false },
        { id: 'team', label: 'Team', type: 'text' as const, required: false, retain: true },
      ],
    };
    const choices = rememberChoice(NO_CHOICES, record, profile as never);
    expect(choices).toEqual({
      bySite: { gmail: { profileId: 'hr-case', categoryId: 'HR/2.3' } },
      bySender: { 'hr.example.org': { profileId: 'hr-case', categoryId: 'HR/2.3' } },
      retained: { 'hr-case': { team: 'North' } },
    });
  });

  it('learns nothing from a declaration without a profile', () => {
    expect(rememberChoice(NO_CHOICES, { ...record, classification: {} }, undefined)).toBe(NO_CHOICES);
  });

  it('stays bounded', () => {
    let choices = NO_CHOICES;
    for (let i = 0; i < 600; i++) {
      choices = rememberChoice(choices, { ...record, source: { ...record.source, app: `app-${i}` } }, undefined);
    }
    expect(Object.keys(choices.bySite)).toHaveLength(500);
    expect(choices.bySite['app-599']).toBeDefined();
  });
});
