import * as v from 'valibot';

/**
 * What the organisation allows to be sent about detector health, from enterprise policy (`storage.managed`, keys
 * of public/managed_schema.json). Nothing is sent unless an admin turns it on: a user cannot.
 * - `diagnostics`: send the health counts to the repository;
 * - `diagnosticsSkeletons`: let users send a page skeleton ("Report a missed page") to the repository.
 */
export const DIAGNOSTICS_POLICY_KEYS = ['diagnostics', 'diagnosticsSkeletons'] as const;

export const DiagnosticsPolicySchema = v.object({
  counts: v.boolean(),
  skeletons: v.boolean(),
  /** Values of these keys that were not true or false, said in options. */
  problems: v.array(v.string()),
});
export type DiagnosticsPolicy = v.InferOutput<typeof DiagnosticsPolicySchema>;

export const NO_DIAGNOSTICS: DiagnosticsPolicy = { counts: false, skeletons: false, problems: [] };

/** The diagnostics switches of a managed storage object; anything but `true` leaves a switch off. */
export function diagnosticsPolicyOf(managed: unknown): DiagnosticsPolicy {
  if (managed === null || typeof managed !== 'object' || Array.isArray(managed)) return NO_DIAGNOSTICS;
  const problems: string[] = [];
  const flag = (key: (typeof DIAGNOSTICS_POLICY_KEYS)[number]) => {
    const value = (managed as Record<string, unknown>)[key];
    if (value === undefined || typeof value === 'boolean') return value === true;
    problems.push(`policy.${key} must be true or false`);
    return false;
  };
  return { counts: flag('diagnostics'), skeletons: flag('diagnosticsSkeletons'), problems };
}
