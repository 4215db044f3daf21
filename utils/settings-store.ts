import * as v from 'valibot';
import type { Connector, ConnectorDeps, CredentialStore } from './connectors/connector';
import { connectorDefinitions } from './connectors/index';
import type { SettingsInput } from './messaging';
import { openOutbox } from './outbox/db';
import { authState, clearDeliveryProgress, setAuthState } from './outbox/outbox';
import type { Presets } from './presets/schema';
import { policySettings } from './presets-store/store';
import { credentialsFor, secretStore } from './secrets';
import {
  buildDefaults,
  type ConnectionState,
  connectionState,
  type Options,
  type SavedConnection,
  type SettingsView,
  sameRepository,
} from './settings';
import { connectionSettings, LegacySettings, StoredConnection } from './storage';

/**
 * Background only: the connection settings in force (utils/settings.ts has the rule), saving them, and making the
 * connector they name. Secrets go to the CredentialStore (utils/secrets.ts), never to `storage.local`.
 */

const defaults = (): SavedConnection => buildDefaults(import.meta.env);

export async function loadConnection(): Promise<ConnectionState> {
  const [saved, policy] = await Promise.all([connectionSettings.get(), policySettings()]);
  return connectionState(saved, defaults(), policy, connectorDefinitions);
}

/** The connector's secrets; until settings are first saved, the build's default token stands in (`npm start`). */
function credentials(state: ConnectionState): CredentialStore {
  const scoped = credentialsFor(state.connector);
  const token = import.meta.env.WXT_REPOSITORY_TOKEN;
  if (!state.defaults || typeof token !== 'string' || !token) return scoped;
  return { ...scoped, get: async (name) => (await scoped.get(name)) ?? (name === 'token' ? token : undefined) };
}

/** What the background makes the connector with: its fetch, clock, secrets and its part of the presets. */
export function connectorDeps(state: ConnectionState, presets?: Presets): ConnectorDeps {
  return {
    // Called unbound, `fetch` throws "Illegal invocation" in a worker.
    fetch: (input, init) => fetch(input, init),
    now: Date.now,
    credentials: credentials(state),
    mapping: (presets?.connectors as Record<string, unknown> | undefined)?.[state.connector],
  };
}

/** The connector the settings name; undefined when no repository is configured. */
export function openConnector(state: ConnectionState, presets?: Presets): Connector | undefined {
  if (!state.definition || !state.checked) return undefined;
  return state.definition.create(state.checked, connectorDeps(state, presets));
}

/** Names the repository the connection points at, for what belongs to it (its presets copy): its URL. */
export function repositoryKey(state: ConnectionState): string | undefined {
  if (!state.checked) return undefined;
  return typeof state.options.url === 'string' ? state.options.url : state.connector;
}

/**
 * The repository changed (another connector, or another URL): what was tied to the old one goes. Every secret
 * (it was issued by the old repository and must not be sent to the new one), every record's delivery progress
 * (upload addresses, items created there) and the "sign in again" state.
 */
async function forgetRepository(): Promise<void> {
  await secretStore().clear();
  const db = await openOutbox();
  await clearDeliveryProgress(db);
  await setAuthState(db, { needed: false, at: Date.now() });
}

export async function saveSettings(input: SettingsInput): Promise<ConnectionState> {
  const [saved, policy] = await Promise.all([connectionSettings.get(), policySettings()]);
  const current = connectionState(saved, defaults(), policy, connectorDefinitions);
  const connector = input.connector ?? current.connector;
  const definition = connectorDefinitions.find((d) => d.id === connector);
  if (!definition) throw new Error(`The connector "${connector}" is not part of this version of Recordkeeper.`);
  if (current.locked.includes('connector') && connector !== current.connector) {
    throw new Error('The repository type is set by your organisation and cannot be changed here.');
  }
  if (current.locked.includes('repositoryUrl') && !sameRepository(input.repositoryUrl, current.options.url)) {
    throw new Error('The repository URL is set by your organisation and cannot be changed here.');
  }
  const fields = new Set(definition.fields.filter((field) => !field.secret).map((field) => field.key));
  const options: Options = {};
  for (const [key, value] of Object.entries(input.options)) if (fields.has(key)) options[key] = value;
  if (fields.has('url') && input.repositoryUrl) options.url = input.repositoryUrl;
  // Compared as they will be in force: a URL the organisation sets still wins over what is saved here.
  const next = connectionState({ connector, options }, defaults(), policy, connectorDefinitions);
  if (next.connector !== current.connector || !sameRepository(next.options.url, current.options.url)) {
    await forgetRepository();
  }
  await connectionSettings.set({ connector, options });
  const secrets = credentialsFor(connector);
  const given: Record<string, string> = { ...input.secrets, ...(input.token ? { token: input.token } : {}) };
  for (const field of definition.fields) {
    const value = given[field.key];
    // An empty secret field means "keep the one set": pages never receive it back to resend.
    if (field.secret && value) await secrets.set(field.key, value);
  }
  return loadConnection();
}

export async function settingsView(state: ConnectionState): Promise<SettingsView> {
  const prefix = `${state.connector}/`;
  const names = (await secretStore().names()).filter((name) => name.startsWith(prefix));
  const secrets = names.map((name) => name.slice(prefix.length));
  if (state.defaults && import.meta.env.WXT_REPOSITORY_TOKEN && !secrets.includes('token')) secrets.push('token');
  const auth = await authState(await openOutbox());
  return {
    connector: state.connector,
    connectors: connectorDefinitions.map(({ id, label, fields }) => ({ id, label, fields })),
    repositoryUrl: typeof state.options.url === 'string' ? state.options.url : '',
    options: state.options,
    hasToken: secrets.includes('token'),
    secrets,
    locked: state.locked,
    problems: state.problems,
    ...(auth.needed ? { auth: { needed: true, interactive: auth.interactive ?? false, error: auth.error } } : {}),
  };
}

/** The repository URL in a stored settings value of either version. */
function urlOf(raw: unknown): string {
  const current = v.safeParse(StoredConnection, raw);
  if (current.success) return typeof current.output.options.url === 'string' ? current.output.options.url : '';
  const legacy = v.safeParse(LegacySettings, raw);
  return legacy.success ? legacy.output.repositoryUrl : '';
}

/**
 * The stored settings changed under the background (another tool wrote them, perhaps in version 1's shape): a
 * token in the clear moves to the secrets store at once, and a new repository URL drops the delivery progress
 * made towards the old one.
 */
export async function settingsChanged(oldValue: unknown, newValue: unknown): Promise<void> {
  await connectionSettings.get();
  if (!sameRepository(urlOf(oldValue), urlOf(newValue))) await clearDeliveryProgress(await openOutbox());
}
