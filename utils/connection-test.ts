import ky from 'ky';
import { apiBase, type StoredSettings } from './settings';
import type { ConnectionTest } from './ui/views';

export interface ConnectionDeps {
  fetch?: typeof fetch;
  /** Whether the extension holds the host permission for the repository's origin. */
  hasOriginAccess: (repositoryUrl: string) => Promise<boolean>;
}

/**
 * Tries the repository the way the extension uses it, step by step, and says exactly which step failed: no
 * settings, not reachable (or its certificate refused), not a Records API, the token refused, a server error.
 */
export async function testConnection(settings: StoredSettings, deps: ConnectionDeps): Promise<ConnectionTest> {
  if (!settings.repositoryUrl) {
    return { ok: false, kind: 'not-configured', detail: 'No repository URL is set.' };
  }
  let base: string;
  try {
    base = apiBase(settings.repositoryUrl);
  } catch {
    return { ok: false, kind: 'not-configured', detail: `${settings.repositoryUrl} is not a URL.` };
  }
  const http = ky.create({
    prefixUrl: base,
    retry: 0,
    timeout: 15_000,
    throwHttpErrors: false,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  let health: Response;
  try {
    health = await http.get('health');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (!(await deps.hasOriginAccess(settings.repositoryUrl).catch(() => false))) {
      return {
        ok: false,
        kind: 'permission',
        detail: `The browser blocked the request (${reason}). Save the settings again and allow access to ${new URL(base).origin}.`,
      };
    }
    const tls = base.startsWith('https:') ? ' or its TLS certificate was refused' : '';
    return {
      ok: false,
      kind: base.startsWith('https:') ? 'tls' : 'unreachable',
      detail: `${new URL(base).origin} did not answer${tls} (${reason}).`,
    };
  }
  const body = (await health.json().catch(() => undefined)) as { ok?: unknown } | undefined;
  if (!health.ok || body?.ok !== true) {
    return {
      ok: false,
      kind: 'not-records-api',
      detail: `${base}health answered ${health.status} without the Records API's health answer: is this the right URL?`,
    };
  }
  if (!settings.token)
    return { ok: false, kind: 'auth', detail: 'The repository answers, but no access token is set.' };
  const presets = await http
    .get('presets', { headers: { Authorization: `Bearer ${settings.token}` } })
    .catch(() => undefined);
  if (!presets) return { ok: false, kind: 'unreachable', detail: 'The repository stopped answering.' };
  if (presets.status === 401 || presets.status === 403) {
    return {
      ok: false,
      kind: 'auth',
      detail: `The repository refused the token (${presets.status}): ask for a new one.`,
    };
  }
  if (presets.status >= 500) {
    return { ok: false, kind: 'server-error', detail: `The repository failed (${presets.status}); try again later.` };
  }
  if (!presets.ok) {
    return {
      ok: false,
      kind: 'not-records-api',
      detail: `GET presets answered ${presets.status}: not Records API v1.`,
    };
  }
  const document = (await presets.json().catch(() => undefined)) as { version?: unknown } | undefined;
  return { ok: true, presetsVersion: typeof document?.version === 'number' ? document.version : undefined };
}
