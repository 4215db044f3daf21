import type { Choices } from './choices';
import type { Presets } from './schema';

/** The remembered values of the profile's retainable fields, to pre-fill. */
export function retainedFields(
  presets: Pick<Presets, 'profiles'>,
  profileId: string,
  choices?: Choices,
): Record<string, string> {
  const profile = presets.profiles.find((p) => p.id === profileId);
  const remembered = choices?.retained[profileId] ?? {};
  const values: Record<string, string> = {};
  for (const field of profile?.fields ?? []) {
    const value = remembered[field.id];
    if (field.retain && typeof value === 'string') values[field.id] = value;
  }
  return values;
}
