import * as v from 'valibot';

/** Connection settings. Only the background reads and writes them; the token never leaves it. */
export const StoredSettings = v.object({
  repositoryUrl: v.optional(v.string(), ''),
  token: v.optional(v.string(), ''),
});
export type StoredSettings = v.InferOutput<typeof StoredSettings>;

/** What extension pages may see of the settings. */
export interface SettingsView {
  repositoryUrl: string;
  hasToken: boolean;
  /** Settings the organisation fixed (from policy); the options page shows them read-only. */
  locked: string[];
}

/**
 * Defaults baked in at build time (`npm start` builds the extension already pointed at the local demo
 * repository). Stored settings always win over them.
 */
export function buildDefaults(env: Record<string, unknown>): StoredSettings {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return { repositoryUrl: text(env.WXT_REPOSITORY_URL), token: text(env.WXT_REPOSITORY_TOKEN) };
}

/** The API base: the repository URL with `/api/v1/` appended unless the admin gave it already. */
export function apiBase(repositoryUrl: string): string {
  const url = new URL(repositoryUrl);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/api/v1') ? `${path}/` : `${path}/api/v1/`;
  url.search = '';
  url.hash = '';
  return url.href;
}

/** The optional host permission pattern that lets the background reach the repository. */
export function originPattern(repositoryUrl: string): string {
  const url = new URL(repositoryUrl);
  return `${url.protocol}//${url.hostname}/*`;
}
