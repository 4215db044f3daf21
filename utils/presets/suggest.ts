import type { Detection } from '../detectors/types';
import type { Presets } from './schema';

export interface Suggestion {
  profileId: string;
  categoryId?: string | undefined;
  /** Why it was suggested, for the user: "rule: mail from hr.example.org". */
  reason: string;
}

function domainOf(address: string | undefined): string | undefined {
  const match = address?.match(/@([^>\s]+)>?\s*$/);
  return match?.[1]?.toLowerCase();
}

function ruleReason(when: Presets['rules'][number]['when']): string {
  if (when.senderDomain) return `rule: mail from ${when.senderDomain}`;
  if (when.recipientDomain) return `rule: mail to ${when.recipientDomain}`;
  if (when.titleContains) return `rule: title contains “${when.titleContains}”`;
  if (when.app) return `rule: items from ${when.app}`;
  return 'rule';
}

/** The first admin rule that matches the detection wins; else the first profile. URL patterns come with issue 5. */
export function suggest(presets: Presets, detection: Detection): Suggestion | undefined {
  const sender = domainOf(detection.metadata.originator);
  const recipients = [...(detection.metadata.addressees ?? []), ...(detection.metadata.otherAddressees ?? [])].map(
    domainOf,
  );
  for (const rule of presets.rules) {
    const { when } = rule;
    if (when.urlPattern) continue;
    if (when.app && when.app !== detection.source.app) continue;
    if (when.kind && when.kind !== detection.source.kind) continue;
    if (when.senderDomain && when.senderDomain.toLowerCase() !== sender) continue;
    if (when.recipientDomain && !recipients.includes(when.recipientDomain.toLowerCase())) continue;
    if (when.titleContains && !detection.title.toLowerCase().includes(when.titleContains.toLowerCase())) continue;
    const profile = presets.profiles.find((p) => p.id === rule.suggest.profile);
    if (!profile) continue;
    return {
      profileId: profile.id,
      categoryId: rule.suggest.category ?? profile.defaultCategory,
      reason: ruleReason(when),
    };
  }
  const first = presets.profiles[0];
  return first && { profileId: first.id, categoryId: first.defaultCategory, reason: 'default profile' };
}
