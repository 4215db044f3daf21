import { parseJsonc } from './jsonc';
import type { PresetsLayer } from './merge';
import { LOCKABLE_KEYS, type LockableKey, type Presets } from './schema';
import { type PresetsProblem, validatePresets } from './validate';

/** What one source gave, once checked: the sections it defines, or every problem with it. */
export type CheckedLayer =
  | {
      ok: true;
      layer: PresetsLayer;
      version?: number | undefined;
      /** Policy only: the connection settings the organisation set beside the presets. */
      repositoryUrl?: string | undefined;
      connector?: string | undefined;
      connectorOptions?: Record<string, string | number | boolean> | undefined;
    }
  | { ok: false; problems: PresetsProblem[] };

/**
 * A policy value that Chrome and Edge carry as JSON text (Chromium passes only what public/managed_schema.json
 * describes) and Firefox as it is: parsed when it is text. Undefined, with a problem at `path`, when the text is
 * not JSON.
 */
function fromJsonText(value: unknown, path: string, problems: PresetsProblem[]): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (error) {
    problems.push({ path, message: `is not JSON: ${error instanceof Error ? error.message : error}` });
    return undefined;
  }
}

/**
 * The policy's connector options: an object of plain values, or that object as JSON text (Chromium passes only
 * what public/managed_schema.json describes, so Chrome and Edge carry it as one string). The connector's own
 * schema checks the values when the connection is made (utils/settings.ts).
 */
function checkConnectorOptions(
  value: unknown,
  problems: PresetsProblem[],
): Record<string, string | number | boolean> | undefined {
  const options = fromJsonText(value, 'policy.connectorOptions', problems);
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    problems.push({ path: 'policy.connectorOptions', message: 'must be an object of option values' });
    return undefined;
  }
  const out: Record<string, string | number | boolean> = {};
  for (const [key, option] of Object.entries(options)) {
    if (['string', 'number', 'boolean'].includes(typeof option) && key.length <= 64 && String(option).length <= 8192)
      out[key] = option as string | number | boolean;
    else problems.push({ path: `policy.connectorOptions.${key}`, message: 'must be a text, a number or true/false' });
  }
  return out;
}

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
 * `repositoryUrl`, `connector`, `connectorOptions` and `locked`. Any problem rejects the policy as a whole.
 */
export function checkPolicy(managed: unknown): CheckedLayer | undefined {
  if (managed === null || typeof managed !== 'object' || Array.isArray(managed)) {
    return { ok: false, problems: [{ path: 'policy', message: 'must be an object of managed settings' }] };
  }
  const { presets, repositoryUrl, locked, connector, connectorOptions, ...unknownKeys } = managed as Record<
    string,
    unknown
  >;
  if (
    presets === undefined &&
    repositoryUrl === undefined &&
    locked === undefined &&
    connector === undefined &&
    connectorOptions === undefined
  ) {
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
    const document = fromJsonText(presets, 'policy.presets', problems);
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
  if (connector !== undefined && (typeof connector !== 'string' || !/^[a-z0-9-]{1,40}$/.test(connector))) {
    problems.push({ path: 'policy.connector', message: 'must be a connector id such as "records-api"' });
  }
  const options = connectorOptions === undefined ? undefined : checkConnectorOptions(connectorOptions, problems);
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
  return {
    ok: true,
    layer,
    version,
    repositoryUrl: repositoryUrl as string | undefined,
    connector: connector as string | undefined,
    connectorOptions: options,
  };
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
