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
  /** Its place in the document: the first rule that matches wins. */
  at: number;
  rule: Presets['rules'][number];
  sender?: string | undefined;
  recipient?: string | undefined;
  title?: string | undefined;
  /** `false`: an invalid pattern, which never matches (validation reports it to the admin). */
  url?: RegExp | false | undefined;
}

/**
 * The rules filed by the one condition that picks them out fastest, so that an item is tested only against the
 * rules that could match it: by sender domain, recipient domain, the `scheme://host/` a URL pattern starts with,
 * the first three characters of the text a title must contain (looked up by every three characters of the item's
 * title), app, kind; the rest (patterns that start with `*`, title texts under three characters) are tried on
 * every item. Each list keeps
 * document order, so the first match in a list is that list's earliest; the earliest of those wins.
 */
interface RuleIndex {
  bySender: Map<string, CompiledRule[]>;
  byRecipient: Map<string, CompiledRule[]>;
  byOrigin: Map<string, CompiledRule[]>;
  byTitle: Map<string, CompiledRule[]>;
  byApp: Map<string, CompiledRule[]>;
  byKind: Map<string, CompiledRule[]>;
  everywhere: CompiledRule[];
}

/** How many leading characters of a rule's `titleContains` file it. */
const TITLE_KEY = 3;

const indexes = new WeakMap<Presets['rules'], RuleIndex>();

/** `https://host:port/`, lower-cased, when `text` starts with a whole scheme and host; else undefined. */
function originKey(text: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/*]*\//i.exec(text)?.[0].toLowerCase();
}

/** Every run of `TITLE_KEY` characters of a title, once each. */
function titleKeys(title: string): string[] {
  const keys = new Set<string>();
  for (let i = 0; i + TITLE_KEY <= title.length; i++) keys.add(title.slice(i, i + TITLE_KEY));
  return [...keys];
}

function compileRule(rule: Presets['rules'][number], at: number): CompiledRule {
  const glob = rule.when.urlPattern === undefined ? undefined : urlGlob(rule.when.urlPattern);
  return {
    at,
    rule,
    sender: rule.when.senderDomain?.toLowerCase(),
    recipient: rule.when.recipientDomain?.toLowerCase(),
    title: rule.when.titleContains?.toLowerCase(),
    url: glob === undefined ? undefined : typeof glob === 'string' ? false : glob,
  };
}

function file(map: Map<string, CompiledRule[]>, key: string, rule: CompiledRule): void {
  const list = map.get(key);
  if (list) list.push(rule);
  else map.set(key, [rule]);
}

function indexRules(rules: Presets['rules']): RuleIndex {
  let index = indexes.get(rules);
  if (index) return index;
  index = {
    bySender: new Map(),
    byRecipient: new Map(),
    byOrigin: new Map(),
    byTitle: new Map(),
    byApp: new Map(),
    byKind: new Map(),
    everywhere: [],
  };
  for (const [at, rule] of rules.entries()) {
    const compiled = compileRule(rule, at);
    const origin = rule.when.urlPattern === undefined ? undefined : originKey(rule.when.urlPattern.split('*')[0]!);
    if (compiled.url === false) continue; // never matches
    if (compiled.sender !== undefined) file(index.bySender, compiled.sender, compiled);
    else if (compiled.recipient !== undefined) file(index.byRecipient, compiled.recipient, compiled);
    else if (origin !== undefined) file(index.byOrigin, origin, compiled);
    else if (compiled.title !== undefined && compiled.title.length >= TITLE_KEY)
      file(index.byTitle, compiled.title.slice(0, TITLE_KEY), compiled);
    else if (rule.when.app !== undefined) file(index.byApp, rule.when.app, compiled);
    else if (rule.when.kind !== undefined) file(index.byKind, rule.when.kind, compiled);
    else index.everywhere.push(compiled);
  }
  indexes.set(rules, index);
  return index;
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

/** The earliest rule (in document order) that matches and passes `usable`. */
function firstRule(
  rules: Presets['rules'],
  facts: Facts,
  usable: (rule: CompiledRule) => boolean,
): CompiledRule | undefined {
  const index = indexRules(rules);
  const { source } = facts.detection;
  const origin = originKey(source.url);
  const lists = [
    index.everywhere,
    facts.sender === undefined ? undefined : index.bySender.get(facts.sender),
    ...[...new Set(facts.recipients)].map((domain) => index.byRecipient.get(domain)),
    origin === undefined ? undefined : index.byOrigin.get(origin),
    ...titleKeys(facts.title).map((key) => index.byTitle.get(key)),
    index.byApp.get(source.app),
    index.byKind.get(source.kind),
  ];
  let best: CompiledRule | undefined;
  for (const list of lists) {
    if (!list) continue;
    for (const candidate of list) {
      if (best && candidate.at > best.at) break;
      if (matches(candidate, facts) && usable(candidate)) {
        best = candidate;
        break;
      }
    }
  }
  return best;
}

const profileIndexes = new WeakMap<Presets['profiles'], Map<string, Presets['profiles'][number]>>();

function profilesById(profiles: Presets['profiles']): Map<string, Presets['profiles'][number]> {
  let map = profileIndexes.get(profiles);
  if (!map) {
    map = new Map();
    // The first profile of an id wins, as a search from the start would find it.
    for (const profile of profiles) if (!map.has(profile.id)) map.set(profile.id, profile);
    profileIndexes.set(profiles, map);
  }
  return map;
}

const categoryIndexes = new WeakMap<Presets['filePlan'], Set<string>>();

/** Every category id of the plan, gathered once per plan. */
function categoryIds(plan: Presets['filePlan']): Set<string> {
  let ids = categoryIndexes.get(plan);
  if (!ids) {
    ids = new Set(flattenFilePlan(plan).map(({ category }) => category.id));
    categoryIndexes.set(plan, ids);
  }
  return ids;
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
  const profiles = profilesById(presets.profiles);
  const profileOf = (id: string) => profiles.get(id);
  const facts: Facts = { detection, sender, recipients, title: detection.title.toLowerCase() };
  const matched = firstRule(presets.rules, facts, ({ rule }) => profiles.has(rule.suggest.profile));
  if (matched) {
    const profile = profileOf(matched.rule.suggest.profile)!;
    const [reason, because] = ruleBecause(matched.rule.when);
    return {
      profileId: profile.id,
      categoryId: matched.rule.suggest.category ?? profile.defaultCategory,
      reason,
      because,
    };
  }
  const known = choices && categoryIds(presets.filePlan);
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
