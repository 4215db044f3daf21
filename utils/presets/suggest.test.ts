import { describe, expect, it } from 'vitest';
import { aDetection } from '../detectors/fixtures/support';
import type { Choices } from './choices';
import { EMPTY_PRESETS, type Presets } from './schema';
import { retainedFields, suggest } from './suggest';

const mail = aDetection({
  source: { app: 'gmail', kind: 'email', url: 'https://mail.google.com/mail/u/0/#inbox/x', sourceId: 'gmail:1' },
  title: 'Leave request',
  metadata: { originator: 'Ann <ann@x.org>', addressees: ['Bob <bob@hr.example.org>'] },
  via: 'test',
});
const page = aDetection({
  source: { app: 'generic', kind: 'document', url: 'https://cases.example.org/case/12', sourceId: 'https://c/12' },
  title: 'Case 12',
  via: 'test',
});

const presets: Presets = {
  ...EMPTY_PRESETS,
  filePlan: [
    {
      id: 'HR',
      title: 'HR',
      children: [
        { id: 'HR/1', title: 'Cases' },
        { id: 'HR/2', title: 'Leave' },
      ],
    },
  ],
  profiles: [
    { id: 'general', title: 'General', recordType: 'document', fields: [], capture: [] },
    {
      id: 'hr',
      title: 'HR',
      recordType: 'email',
      defaultCategory: 'HR/1',
      fields: [
        { id: 'office', label: 'Office', type: 'text', required: false, retain: true },
        { id: 'caseNumber', label: 'Case', type: 'text', required: true, retain: false },
      ],
      capture: [],
    },
  ],
};

const noChoices: Choices = { bySite: {}, bySender: {}, retained: {} };

describe('suggest', () => {
  it('falls back to the first profile with its default category', () => {
    expect(suggest(presets, mail)).toMatchObject({ profileId: 'general', reason: 'default profile' });
  });

  it('matches a rule on the recipient domain', () => {
    const rules = [{ when: { recipientDomain: 'hr.example.org' }, suggest: { profile: 'hr' } }];
    expect(suggest({ ...presets, rules }, mail)).toMatchObject({
      profileId: 'hr',
      categoryId: 'HR/1',
      reason: 'rule: mail to hr.example.org',
      because: { key: 'reasonRuleRecipient', substitutions: ['hr.example.org'] },
    });
  });

  it('matches a rule on a URL glob, and only that URL', () => {
    const rules = [
      { when: { urlPattern: 'https://cases.example.org/*' }, suggest: { profile: 'hr', category: 'HR/2' } },
    ];
    expect(suggest({ ...presets, rules }, page)).toMatchObject({
      profileId: 'hr',
      categoryId: 'HR/2',
      reason: 'rule: address matches https://cases.example.org/*',
    });
    expect(suggest({ ...presets, rules }, mail)?.profileId).toBe('general');
  });

  it('never matches an invalid URL pattern', () => {
    const rules = [{ when: { urlPattern: 'cases.example.org/:id' }, suggest: { profile: 'hr' } }];
    expect(suggest({ ...presets, rules }, page)?.profileId).toBe('general');
  });

  it('matches a rule on kind, and needs every condition of a rule', () => {
    const rules = [
      { when: { kind: 'email' as const, app: 'outlook' }, suggest: { profile: 'hr' } },
      { when: { kind: 'email' as const }, suggest: { profile: 'hr', category: 'HR/2' } },
    ];
    expect(suggest({ ...presets, rules }, mail)).toMatchObject({ categoryId: 'HR/2', reason: 'rule: email items' });
    expect(suggest({ ...presets, rules }, page)?.profileId).toBe('general');
  });

  it('prefers an admin rule over the user’s last choice', () => {
    const rules = [{ when: { app: 'gmail' }, suggest: { profile: 'general' } }];
    const choices = { ...noChoices, bySender: { 'x.org': { profileId: 'hr' } } };
    expect(suggest({ ...presets, rules }, mail, choices)).toMatchObject({
      profileId: 'general',
      reason: 'rule: items from gmail',
    });
  });

  it('suggests the last choice for the same sender domain before the one for the same site', () => {
    const choices: Choices = {
      ...noChoices,
      bySender: { 'x.org': { profileId: 'hr', categoryId: 'HR/2' } },
      bySite: { gmail: { profileId: 'general' } },
    };
    expect(suggest(presets, mail, choices)).toMatchObject({
      profileId: 'hr',
      categoryId: 'HR/2',
      reason: 'your last choice for mail from x.org',
      because: { key: 'reasonLastSender', substitutions: ['x.org'] },
    });
    expect(suggest(presets, { ...mail, metadata: {} }, choices)).toMatchObject({
      profileId: 'general',
      reason: 'your last choice on gmail',
    });
  });

  it('passes over a remembered profile that is gone, and a remembered category that is gone', () => {
    const choices: Choices = {
      ...noChoices,
      bySender: { 'x.org': { profileId: 'deleted' } },
      bySite: { gmail: { profileId: 'hr', categoryId: 'HR/9' } },
    };
    expect(suggest(presets, mail, choices)).toMatchObject({ profileId: 'hr', categoryId: 'HR/1' });
  });

  it('says nothing when there are no profiles', () => {
    expect(suggest({ ...presets, profiles: [] }, mail)).toBeUndefined();
  });
});

describe('retainedFields', () => {
  it('pre-fills only fields marked retain', () => {
    const choices = { ...noChoices, retained: { hr: { office: 'Lyon', caseNumber: 'HR-1' } } };
    expect(retainedFields(presets, 'hr', choices)).toEqual({ office: 'Lyon' });
    expect(retainedFields(presets, 'general', choices)).toEqual({});
    expect(retainedFields(presets, 'hr')).toEqual({});
  });
});
