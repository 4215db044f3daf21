import { EMPTY_PRESETS, type LockableKey, PRESETS_SECTIONS, type Presets, type PresetsSection } from './schema';

export type PresetsOrigin = 'policy' | 'repository' | 'local' | 'default';

/**
 * What one source contributes: the sections its document defines (see `validatePresets(...).sections`). A whole
 * validated document is a layer that defines every section; the managed-storage keys of a policy that sets only
 * `locked` make the layer `{ locked: [...] }`.
 */
export type PresetsLayer = Partial<Presets>;

export interface PresetsSources {
  policy?: PresetsLayer | undefined;
  repository?: PresetsLayer | undefined;
  local?: PresetsLayer | undefined;
}

export interface MergedPresets {
  presets: Presets;
  /** Which source each section came from, for the options page ("set by your organisation"). */
  origin: Record<PresetsSection, PresetsOrigin>;
  /** Everything locked by policy or repository: presets sections and settings such as `repositoryUrl`. */
  locked: LockableKey[];
}

const ORDER = ['policy', 'repository', 'local'] as const;

/**
 * Merges the presets sources per top-level section. The rule (also in docs/deployment.md):
 *
 * 1. Precedence is policy > repository > local (the file the user imported) > the built-in defaults; for each
 *    section the highest source that defines it wins, whole — sections are never merged item by item, so a file
 *    plan and the profiles that point into it are never mixed from two sources by accident.
 * 2. A section locked by a source cannot be supplied by any source below it: if policy locks `sites` without
 *    defining it, neither the repository nor an imported file can add site plugins (the default, none, stays).
 * 3. `locked` is the union of the policy's and the repository's lists; an imported file's list is ignored (a user
 *    cannot lock against themselves). Non-section keys such as `repositoryUrl` pass through for the settings.
 *
 * Each source is validated on its own before it gets here; a reference from one source's section into another's
 * (a repository rule naming a policy profile that is not there) is tolerated by the consumers, which skip it.
 */
export function mergePresets(sources: PresetsSources): MergedPresets {
  const lockedBy = new Map<LockableKey, number>();
  ORDER.forEach((name, rank) => {
    if (name === 'local') return;
    for (const key of sources[name]?.locked ?? []) if (!lockedBy.has(key)) lockedBy.set(key, rank);
  });
  const locked = [...lockedBy.keys()];

  const presets = { ...EMPTY_PRESETS } as Record<PresetsSection, unknown>;
  const origin = {} as Record<PresetsSection, PresetsOrigin>;
  for (const section of PRESETS_SECTIONS) {
    origin[section] = 'default';
    if (section === 'locked') continue;
    const lockRank = lockedBy.get(section as LockableKey) ?? Number.POSITIVE_INFINITY;
    for (const [rank, name] of ORDER.entries()) {
      const value = sources[name]?.[section];
      if (value === undefined || rank > lockRank) continue;
      presets[section] = value;
      origin[section] = name;
      break;
    }
  }
  presets.locked = locked;
  const lockSource = ORDER.find((name) => name !== 'local' && sources[name]?.locked !== undefined);
  if (lockSource) origin.locked = lockSource;
  if (presets.repository === undefined) delete presets.repository;
  if (presets.connectors === undefined) delete presets.connectors;
  return { presets: presets as Presets, origin, locked };
}
