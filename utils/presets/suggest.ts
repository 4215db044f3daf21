import type { Detection } from '../detectors/types';
import type { Choices } from './choices';
import { urlGlob } from './patterns';
import { flattenFilePlan, type Presets } from './schema';

/** Why a suggestion was made, as a message key and its substitutions, so the popup can say it in any language. */
export interface SuggestionBecause {
  key:
    | 'reasonRuleSender'
    | 'reasonRuleRecipient'
    | 'reasonRuleTitle'
    | 'reasonRuleUrl'
    | 'reasonRuleApp'
    | 'reasonRuleKind'
    | 'reasonLastSender'
    | 'reasonLastSite'
    | 'reasonDefault';
  substitutions: string[];
}

export interface Suggestion {
  profileId: string;
  categoryId?: string | undefined;
  /** Why it was suggested, in English, for logs and tests: "rule: mail from hr.example.org". */
  reason: string;
  because: SuggestionBecause;
}

type When = Presets['rules'][number]['when'];

export function domainOf(address: string | undefined): string | undefined {
  const match = address?.match(/@([^>\s]+)>?\s*$/);
  return match?.[1]?.toLowerCase();
}

function ruleBecause(when: When): [string, SuggestionBecause] {
  if (when.senderDomain)
    return [`rule: mail from ${when.senderDomain}`, { key: 'reasonRuleSender', substitutions: [when.senderDomain] }];
  if (when.recipientDomain)
    return [
      `rule: mail to ${when.recipientDomain}`,
      { key: 'reasonRuleRecipient', substitutions: [when.recipientDomain] },
    ];
  if (when.titleContains)
    return [
      `rule: title contains “${when.titleContains}”`,
      { key: 'reasonRuleTitle', substitutions: [when.titleContains] },
    ];
  if (when.urlPattern)
    return [`rule: address matches ${when.urlPattern}`, { key: 'reasonRuleUrl', substitutions: [when.urlPattern] }];
  if (when.app) return [`rule: items from ${when.app}`, { key: 'reasonRuleApp', substitutions: [when.app] }];
  return [`rule: ${when.kind} items`, { key: 'reasonRuleKind', substitutions: [when.kind ?? ''] }];
}

/** A rule with its text lower-cased and its URL pattern compiled, once per presets document. */
interface CompiledRule {
  rule: Presets['rules'][number];
  sender?: string | undefined;
  recipient?: string | undefined;
  title?: string | undefined;
  /** `false`: an invalid pattern, which never matches (validation reports it to the admin). */
  url?: RegExp | false | undefined;
}

const compiled = new WeakMap<Presets['rules'], CompiledRule[]>();

function compile(rules: Presets['rules']): CompiledRule[] {
  let list = compiled.get(rules);
  if (!list) {
    list = rules.map((rule) => {
      const glob = rule.when.urlPattern === undefined ? undefined : urlGlob(rule.when.urlPattern);
      return {
        rule,
        sender: rule.when.senderDomain?.toLowerCase(),
        recipient: rule.when.recipientDomain?.toLowerCase(),
        title: rule.when.titleContains?.toLowerCase(),
        url: glob === undefined ? undefined : typeof glob === 'string' ? false : glob,
      };
    });
    compiled.set(rules, list);
  }
  return list;
}

interface Facts {
  detection: Detection;
  sender: string | undefined;
  recipients: string[];
  title: string;
}

function matches({ rule: { when }, sender, recipient, title, url }: CompiledRule, facts: Facts): boolean {
  if (when.app && when.app !== facts.detection.source.app) return false;
  if (when.kind && when.kind !== facts.detection.source.kind) return false;
  if (sender !== undefined && sender !== facts.sender) return false;
  if (recipient !== undefined && !facts.recipients.includes(recipient)) return false;
  if (title !== undefined && !facts.title.includes(title)) return false;
  if (url !== undefined && (url === false || !url.test(facts.detection.source.url))) return false;
  return true;
}

/**
 * The profile and category to pre-select, and why: the first admin rule whose conditions all match; else what
 * this user chose last for mail from the same sender domain, then on the same site (detector id); else the
 * first profile with its default category. A rule or a remembered choice naming a profile or category that no
 * longer exists is passed over.
 */
export function suggest(presets: Presets, detection: Detection, choices?: Choices): Suggestion | undefined {
  const sender = domainOf(detection.metadata.originator);
  const recipients = [...(detection.metadata.addressees ?? []), ...(detection.metadata.otherAddressees ?? [])]
    .map(domainOf)
    .filter((d): d is string => d !== undefined);
  const profileOf = (id: string) => presets.profiles.find((p) => p.id === id);
  const facts: Facts = { detection, sender, recipients, title: detection.title.toLowerCase() };
  for (const candidate of compile(presets.rules)) {
    if (!matches(candidate, facts)) continue;
    const { rule } = candidate;
    const profile = profileOf(rule.suggest.profile);
    if (!profile) continue;
    const [reason, because] = ruleBecause(rule.when);
    return { profileId: profile.id, categoryId: rule.suggest.category ?? profile.defaultCategory, reason, because };
  }
  const known = choices && new Set(flattenFilePlan(presets.filePlan).map(({ category }) => category.id));
  const remembered = (
    choice: { profileId: string; categoryId?: string | undefined } | undefined,
    reason: string,
    because: SuggestionBecause,
  ): Suggestion | undefined => {
    const profile = choice && profileOf(choice.profileId);
    if (!profile) return undefined;
    const categoryId = choice.categoryId && known?.has(choice.categoryId) ? choice.categoryId : profile.defaultCategory;
    return { profileId: profile.id, categoryId, reason, because };
  };
  const bySender =
    sender &&
    remembered(choices?.bySender[sender], `your last choice for mail from ${sender}`, {
      key: 'reasonLastSender',
      substitutions: [sender],
    });
  if (bySender) return bySender;
  const app = detection.source.app;
  const bySite = remembered(choices?.bySite[app], `your last choice on ${app}`, {
    key: 'reasonLastSite',
    substitutions: [app],
  });
  if (bySite) return bySite;
  const first = presets.profiles[0];
  return (
    first && {
      profileId: first.id,
      categoryId: first.defaultCategory,
      reason: 'default profile',
      because: { key: 'reasonDefault', substitutions: [] },
    }
  );
}

export { retainedFields } from './retained';
