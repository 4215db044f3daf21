import type { Choices } from '../presets/choices';
import type { Profile } from '../presets/schema';
import { domainOf } from '../presets/suggest';
import type { DeclaredRecord } from './record';

export const NO_CHOICES: Choices = { bySite: {}, bySender: {}, retained: {} };
const MAX_KEYS = 500;

/** Keeps the newest entries only, so the remembered choices stay small. */
function bounded<T>(map: Record<string, T>, key: string, value: T): Record<string, T> {
  const { [key]: _previous, ...rest } = map;
  const entries = Object.entries(rest).slice(-(MAX_KEYS - 1));
  return { ...Object.fromEntries(entries), [key]: value };
}

/**
 * What this declaration teaches the popup for next time: the profile and category chosen for this site and this
 * sender, and the values of the profile's retainable fields.
 */
export function rememberChoice(choices: Choices, record: DeclaredRecord, profile: Profile | undefined): Choices {
  const profileId = record.classification.profileId;
  if (!profileId) return choices;
  const choice = { profileId, categoryId: record.classification.categoryId };
  let next: Choices = { ...choices, bySite: bounded(choices.bySite, record.source.app, choice) };
  const domain = record.source.kind === 'email' ? domainOf(record.metadata.originator) : undefined;
  if (domain) next = { ...next, bySender: bounded(next.bySender, domain, choice) };
  const retainable = (profile?.fields ?? []).filter((field) => field.retain && record.fields[field.id] !== undefined);
  if (retainable.length) {
    const values = Object.fromEntries(retainable.map((field) => [field.id, record.fields[field.id]!]));
    next = { ...next, retained: bounded(next.retained, profileId, { ...next.retained[profileId], ...values }) };
  }
  return next;
}
