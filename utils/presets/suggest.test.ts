import { describe, expect, it } from 'vitest';
import { aDetection } from '../detectors/fixtures/support';
import type { Detection } from '../detectors/types';
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

describe('suggest with many rules (indexed once per rules list)', () => {
  type Rule = Presets['rules'][number];
  const hr = (when: Rule['when']): Rule => ({ when, suggest: { profile: 'hr' } });
  const general = (when: Rule['when']): Rule => ({ when, suggest: { profile: 'general', category: 'HR/2' } });
  const reasonOf = (rules: Rule[], detection: Detection) => suggest({ ...presets, rules }, detection)?.reason;

  it('takes the earliest matching rule, whichever condition files it', () => {
    const title = general({ titleContains: 'leave' });
    const sender = hr({ senderDomain: 'x.org' });
    expect(reasonOf([title, sender], mail)).toBe('rule: title contains “leave”');
    expect(reasonOf([sender, title], mail)).toBe('rule: mail from x.org');
    const url = hr({ urlPattern: 'https://MAIL.google.com/mail/*' });
    const app = general({ app: 'gmail' });
    expect(reasonOf([app, url], mail)).toBe('rule: items from gmail');
    expect(reasonOf([url, app], mail)).toBe('rule: address matches https://MAIL.google.com/mail/*');
    const anywhere = hr({ urlPattern: '*/mail/u/0/*' });
    expect(reasonOf([general({ kind: 'email' }), anywhere], mail)).toBe('rule: email items');
    expect(reasonOf([anywhere, general({ kind: 'email' })], mail)).toBe('rule: address matches */mail/u/0/*');
  });

  it('checks every condition of a rule, not only the one it is filed by', () => {
    expect(reasonOf([hr({ senderDomain: 'x.org', kind: 'document' })], mail)).toBe('default profile');
    expect(reasonOf([hr({ urlPattern: 'https://mail.google.com/other/*' })], mail)).toBe('default profile');
    expect(reasonOf([hr({ recipientDomain: 'hr.example.org', titleContains: 'holiday' })], mail)).toBe(
      'default profile',
    );
  });

  it('passes over a matching rule whose profile is gone, to the next one that matches', () => {
    const gone: Rule = { when: { senderDomain: 'x.org' }, suggest: { profile: 'deleted' } };
    expect(reasonOf([gone, general({ titleContains: 'request' })], mail)).toBe('rule: title contains “request”');
  });

  it('agrees with trying every rule in order, over many generated rules and items', () => {
    const domains = ['x.org', 'hr.example.org', 'y.org', 'example.org'];
    const urls = ['https://mail.google.com/mail/u/0/#inbox/x', 'https://cases.example.org/case/12', 'http://c.org/a'];
    const patterns = [
      'https://mail.google.com/*',
      'https://cases.example.org/case/*',
      '*://c.org/*',
      '*case*',
      'https://c.org/*',
    ];
    let seed = 7;
    const pick = <T>(list: readonly T[]): T => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return list[seed % list.length]!;
    };
    const rules: Rule[] = Array.from({ length: 300 }, () => {
      const when: Rule['when'] = {};
      for (const key of ['app', 'kind', 'senderDomain', 'recipientDomain', 'titleContains', 'urlPattern'] as const) {
        if (pick([0, 0, 0, 1])) continue;
        if (key === 'app') when.app = pick(['gmail', 'generic']);
        if (key === 'kind') when.kind = pick(['email', 'document'] as const);
        if (key === 'senderDomain') when.senderDomain = pick(domains);
        if (key === 'recipientDomain') when.recipientDomain = pick(domains);
        if (key === 'titleContains') when.titleContains = pick(['leave', 'CASE', 'request', 'zzz']);
        if (key === 'urlPattern') when.urlPattern = pick(patterns);
      }
      if (Object.keys(when).length === 0) when.kind = 'document';
      return { when, suggest: { profile: pick(['hr', 'general', 'deleted']) } };
    });
    const lower = (s: string | undefined) => s?.toLowerCase();
    const everyRule = (detection: Detection): string => {
      const sender = lower(detection.metadata.originator?.match(/@([^>\s]+)>?\s*$/)?.[1]);
      const recipients = (detection.metadata.addressees ?? []).map((a) => lower(a.match(/@([^>\s]+)>?\s*$/)?.[1]));
      const rule = rules.find(
        ({ when, suggest: { profile } }) =>
          profile !== 'deleted' &&
          (!when.app || when.app === detection.source.app) &&
          (!when.kind || when.kind === detection.source.kind) &&
          (!when.senderDomain || when.senderDomain === sender) &&
          (!when.recipientDomain || recipients.includes(when.recipientDomain)) &&
          (!when.titleContains || detection.title.toLowerCase().includes(when.titleContains.toLowerCase())) &&
          (!when.urlPattern ||
            new RegExp(
              `^${when.urlPattern
                .split('*')
                .map((p) => p.replace(/[.?/]/g, '\\$&'))
                .join('.*')}$`,
              'i',
            ).test(detection.source.url)),
      );
      return rule ? `${rules.indexOf(rule)}` : 'none';
    };
    let compared = 0;
    for (let n = 0; n < 200; n++) {
      const detection: Detection = {
        ...mail,
        source: {
          ...mail.source,
          app: pick(['gmail', 'generic']),
          kind: pick(['email', 'document'] as const),
          url: pick(urls),
        },
        title: pick(['Leave request', 'Case 12', 'Other']),
        metadata: {
          originator: `A <a@${pick(domains)}>`,
          addressees: [`B <b@${pick(domains)}>`, `C <c@${pick(domains)}>`],
        },
      };
      const expected = everyRule(detection);
      const found = suggest({ ...presets, rules }, detection);
      if (expected === 'none') expect(found?.reason.startsWith('rule:')).toBe(false);
      else {
        const rule = rules[Number(expected)]!;
        expect(found).toMatchObject({ profileId: rule.suggest.profile });
        expect(found?.reason).toBe(suggest({ ...presets, rules: [rule] }, detection)?.reason);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(50);
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
