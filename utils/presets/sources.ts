import { parseJsonc } from './jsonc';
import type { PresetsLayer } from './merge';
import { LOCKABLE_KEYS, type LockableKey, type Presets } from './schema';
import { type PresetsProblem, validatePresets } from './validate';

/** What one source gave, once checked: the sections it defines, or every problem with it. */
export type CheckedLayer =
  | { ok: true; layer: PresetsLayer; version?: number | undefined; repositoryUrl?: string | undefined }
  | { ok: false; problems: PresetsProblem[] };

/** Only the sections a document itself gave: a policy that sets just `locked` must not reset the file plan. */
function layerOf(presets: Presets, sections: readonly string[]): PresetsLayer {
  const layer: Record<string, unknown> = {};
  for (const section of sections) layer[section] = (presets as Record<string, unknown>)[section];
  return layer as PresetsLayer;
}

function checkDocument(document: unknown, prefix: string): CheckedLayer {
  const result = validatePresets(document);
  if (!result.ok) {
    return { ok: false, problems: result.problems.map((p) => ({ ...p, path: p.path.replace(/^\$/, prefix) })) };
  }
  return { ok: true, layer: layerOf(result.presets, result.sections ?? []), version: result.presets.version };
}

/**
 * Enterprise policy, as `storage.managed` holds it (keys of public/managed_schema.json): `presets` (the document),
 * `repositoryUrl` and `locked`. Any problem rejects the policy as a whole.
 */
export function checkPolicy(managed: unknown): CheckedLayer | undefined {
  if (managed === null || typeof managed !== 'object' || Array.isArray(managed)) {
    return { ok: false, problems: [{ path: 'policy', message: 'must be an object of managed settings' }] };
  }
  const { presets, repositoryUrl, locked, ...unknownKeys } = managed as Record<string, unknown>;
  if (presets === undefined && repositoryUrl === undefined && locked === undefined) {
    return Object.keys(unknownKeys).length
      ? {
          ok: false,
          problems: Object.keys(unknownKeys).map((key) => ({ path: `policy.${key}`, message: 'unknown setting' })),
        }
      : undefined;
  }
  const problems: PresetsProblem[] = Object.keys(unknownKeys).map((key) => ({
    path: `policy.${key}`,
    message: 'unknown setting',
  }));
  let layer: PresetsLayer = {};
  let version: number | undefined;
  if (presets !== undefined) {
    // Chrome and Edge carry the document as JSON text (public/managed_schema.json); Firefox as an object.
    let document: unknown = presets;
    if (typeof presets === 'string') {
      try {
        document = JSON.parse(presets);
      } catch (error) {
        problems.push({
          path: 'policy.presets',
          message: `is not JSON: ${error instanceof Error ? error.message : error}`,
        });
        document = undefined;
      }
    }
    const checked = document === undefined ? undefined : checkDocument(document, 'policy.presets');
    if (checked?.ok) {
      layer = checked.layer;
      version = checked.version;
    } else if (checked) problems.push(...checked.problems);
  }
  if (
    repositoryUrl !== undefined &&
    (typeof repositoryUrl !== 'string' || !/^https?:\/\/[^\s/?#]+/.test(repositoryUrl))
  ) {
    problems.push({ path: 'policy.repositoryUrl', message: 'must be an http(s) URL' });
  }
  const lockedKeys: LockableKey[] = [...(layer.locked ?? [])];
  if (locked !== undefined) {
    if (!Array.isArray(locked)) problems.push({ path: 'policy.locked', message: 'must be a list of setting names' });
    else
      locked.forEach((key, i) => {
        if (typeof key === 'string' && (LOCKABLE_KEYS as readonly string[]).includes(key))
          lockedKeys.push(key as LockableKey);
        else problems.push({ path: `policy.locked[${i}]`, message: `must be one of ${LOCKABLE_KEYS.join(', ')}` });
      });
  }
  if (problems.length) return { ok: false, problems };
  if (lockedKeys.length) layer = { ...layer, locked: [...new Set(lockedKeys)] };
  return { ok: true, layer, version, repositoryUrl: repositoryUrl as string | undefined };
}

/** The repository's `GET /presets` document. */
export function checkRepositoryDocument(document: unknown): CheckedLayer {
  return checkDocument(document, '$');
}

/** A file the user imported in options: JSON, comments allowed. */
export function checkImportedText(text: string): CheckedLayer {
  let document: unknown;
  try {
    document = parseJsonc(text);
  } catch (error) {
    return {
      ok: false,
      problems: [{ path: '$', message: `is not JSON: ${error instanceof Error ? error.message : error}` }],
    };
  }
  return checkDocument(document, '$');
}
