import type { ConnectorDeps, ProbeResult } from './connectors/connector';
import type { ConnectionState } from './settings';

export interface ConnectionDeps {
  /** What the connector is made with (the background's fetch, clock and CredentialStore). */
  connector: ConnectorDeps;
  /** Whether the extension holds the host permissions (match patterns) the connector needs. */
  hasOriginAccess: (origins: string[]) => Promise<boolean>;
}

/**
 * The connection test of the options page: the connector's own `probe()` (reach, authenticate, check its setup,
 * naming the exact step that is missing), after what only the extension can know — that nothing is configured,
 * and that a request the browser blocked was blocked for want of the host permission.
 */
export async function testConnection(state: ConnectionState, deps: ConnectionDeps): Promise<ProbeResult> {
  if (!state.definition || !state.checked) {
    return { ok: false, kind: 'not-configured', detail: state.problems.join(' ') || 'No repository is set.' };
  }
  const result = await state.definition.create(state.checked, deps.connector).probe();
  if (result.ok || (result.kind !== 'unreachable' && result.kind !== 'tls')) return result;
  const origins = state.definition.origins(state.checked);
  if (await deps.hasOriginAccess(origins).catch(() => false)) return result;
  return {
    ok: false,
    kind: 'permission',
    detail: `The browser blocked the request (${result.detail}). Save the settings again and allow access to ${origins.join(', ')}.`,
  };
}
