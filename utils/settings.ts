import type { ConnectorDefinition, ConnectorField, ConnectorOptions } from './connectors/definition';

/**
 * The connection in force: which connector files the records and with which options, from what the user saved,
 * what the organisation's policy sets (it wins) and the build's defaults (`npm start` builds the extension
 * already pointed at the demo repository). Pure: utils/settings-store.ts reads the sources and the secrets.
 */

export const DEFAULT_CONNECTOR = 'records-api';

export type OptionValue = string | number | boolean;
export type Options = Record<string, OptionValue>;

/** What the user saved (utils/storage.ts `StoredConnection`). */
export interface SavedConnection {
  connector: string;
  options: Options;
}

/** What the organisation set through policy (public/managed_schema.json), already checked. */
export interface PolicyConnection {
  repositoryUrl?: string | undefined;
  connector?: string | undefined;
  connectorOptions?: Options | undefined;
  locked: readonly string[];
}

export interface ConnectionState {
  connector: string;
  definition?: ConnectorDefinition | undefined;
  /** The options in force (never secrets). */
  options: Options;
  /** Set when the options pass the connector's schema: the connection can be used. */
  checked?: ConnectorOptions | undefined;
  /** Why the connection cannot be used, in words for the options page. */
  problems: string[];
  /** Settings the organisation fixed; the options page shows them read-only and the background refuses changes. */
  locked: string[];
  /** Nothing was ever saved: the build's defaults are in use. */
  defaults: boolean;
}

/** Defaults baked in at build time; saved settings always win over them. */
export function buildDefaults(env: Record<string, unknown>): SavedConnection {
  const url = typeof env.WXT_REPOSITORY_URL === 'string' ? env.WXT_REPOSITORY_URL : '';
  return { connector: DEFAULT_CONNECTOR, options: url ? { url } : {} };
}

/**
 * The connection from its three sources. Policy wins over what the user saved: its connector, its options and its
 * `repositoryUrl` (the `url` option of whichever connector is in use). Options saved for another connector are not
 * carried over to this one.
 */
export function connectionState(
  saved: SavedConnection | undefined,
  defaults: SavedConnection,
  policy: PolicyConnection,
  definitions: readonly ConnectorDefinition[],
): ConnectionState {
  const base = saved ?? defaults;
  const connector = policy.connector ?? base.connector;
  const options: Options = {
    ...(base.connector === connector ? base.options : {}),
    ...policy.connectorOptions,
    ...(policy.repositoryUrl ? { url: policy.repositoryUrl } : {}),
  };
  const state: ConnectionState = {
    connector,
    options,
    problems: [],
    locked: [...policy.locked],
    defaults: saved === undefined,
  };
  const definition = definitions.find((d) => d.id === connector);
  if (!definition) {
    state.problems.push(`The connector "${connector}" is not part of this version of Recordkeeper.`);
    return state;
  }
  state.definition = definition;
  if (Object.values(options).every((value) => value === '')) {
    state.problems.push('No repository is set.');
    return state;
  }
  const check = definition.check(options);
  if (check.ok) state.checked = check.options;
  else state.problems.push(...check.problems);
  return state;
}

/** What extension pages may see of the settings: no secret, only whether each one is set. */
export interface SettingsView {
  /** The `url` option, the repository's address for every connector that has one. */
  repositoryUrl: string;
  /** Whether the access token is set (Records API); `secrets` lists every secret that is. */
  hasToken: boolean;
  /** Settings the organisation fixed (from policy); the options page shows them read-only. */
  locked: string[];
  // Optional for pages written before connectors: they show the Records API's URL and token.
  connector?: string | undefined;
  connectors?: { id: string; label: string; fields: readonly ConnectorField[] }[] | undefined;
  options?: Options | undefined;
  secrets?: string[] | undefined;
  /** Why the connection cannot be used yet. */
  problems?: string[] | undefined;
  /** The repository refused the credentials: `interactive` when the user must sign in or enter new ones. */
  auth?: { needed: boolean; interactive: boolean; error?: string | undefined } | undefined;
}

/** Whether two URLs name the same repository: a change of address clears what was tied to the old one. */
export function sameRepository(a: OptionValue | undefined, b: OptionValue | undefined): boolean {
  const normal = (value: OptionValue | undefined) =>
    typeof value === 'string' ? value.trim().replace(/\/+$/, '') : '';
  return normal(a) === normal(b);
}
