import * as v from 'valibot';
import { type EntraSettings, type GraphFeature, isHttpsOrLoopback } from '../../auth/microsoft';
import type { ConnectorField } from '../definition';
import { originPattern } from '../http';

/**
 * The Microsoft 365 connector's options, as the options page, enterprise policy (`connector: "microsoft-365"` with
 * `connectorOptions`, public/managed_schema.json) and the connector read them (docs/connectors/microsoft-365.md
 * § Policy and settings keys). Pure: the definition (index.ts) and the background's sign-in use it.
 */

export const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';
export const DEFAULT_GRAPH = 'https://graph.microsoft.com/v1.0';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

const parsed = (value: string): URL | undefined => {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
};

/** An origin and nothing else: `https://login.microsoftonline.us`. */
const isAuthority = (value: string) => {
  const url = parsed(value);
  return url !== undefined && isHttpsOrLoopback(url) && url.pathname === '/' && !url.search && !url.hash;
};

/** Graph's base: an https URL ending in its version, `https://graph.microsoft.us/v1.0`. */
const isGraphBase = (value: string) => {
  const url = parsed(value);
  return url !== undefined && isHttpsOrLoopback(url) && /^\/(v1\.0|beta)\/?$/.test(url.pathname) && !url.search;
};

/** An optional text option: absent and empty both mean "the default". */
const optionalText = (check: (value: string) => boolean, message: string) =>
  v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.maxLength(2048),
      v.check((value) => value === '' || check(value), message),
    ),
    '',
  );

export const Microsoft365Options = v.object({
  /** The directory (tenant) id, or one of its verified domains. */
  tenant: v.pipe(
    v.string(),
    v.trim(),
    v.check(
      (tenant) => GUID.test(tenant) || DOMAIN.test(tenant),
      'must be the directory (tenant) id, or a verified domain such as contoso.onmicrosoft.com',
    ),
  ),
  /** The application (client) id of the organisation's app registration. */
  clientId: v.pipe(v.string(), v.trim(), v.regex(GUID, 'must be the application (client) id, a GUID')),
  /** A national cloud's sign-in host; empty for the global one. */
  authority: optionalText(isAuthority, 'must be an https origin such as https://login.microsoftonline.us'),
  /** A national cloud's Graph; empty for the global one. */
  graph: optionalText(
    isGraphBase,
    'must be the https address of Graph with its version, as in https://graph.microsoft.us/v1.0',
  ),
  /** Capture Outlook messages as their MIME and SharePoint files the page could not download, through Graph. */
  originals: v.optional(v.boolean(), true),
});
export type Microsoft365Options = v.InferOutput<typeof Microsoft365Options>;

export const MICROSOFT_365_FIELDS: readonly ConnectorField[] = [
  {
    key: 'tenant',
    kind: 'text',
    label: 'Tenant (directory id or domain)',
    labelKey: 'm365Tenant',
    placeholder: 'contoso.onmicrosoft.com',
  },
  {
    key: 'clientId',
    kind: 'text',
    label: 'Application (client) id',
    labelKey: 'm365ClientId',
    placeholder: '00000000-0000-0000-0000-000000000000',
  },
  {
    key: 'authority',
    kind: 'url',
    label: 'Sign-in authority (national clouds only)',
    labelKey: 'm365Authority',
    placeholder: DEFAULT_AUTHORITY,
  },
  {
    key: 'graph',
    kind: 'url',
    label: 'Microsoft Graph endpoint (national clouds only)',
    labelKey: 'm365Graph',
    placeholder: DEFAULT_GRAPH,
  },
  {
    key: 'originals',
    kind: 'checkbox',
    label: 'Capture Outlook messages and SharePoint files as their originals through Microsoft 365',
    labelKey: 'm365Originals',
  },
];

export const authorityOf = (options: Microsoft365Options) => options.authority || DEFAULT_AUTHORITY;
export const graphBaseOf = (options: Microsoft365Options) => (options.graph || DEFAULT_GRAPH).replace(/\/+$/, '');

/** What the sign-in needs from the options; the redirect URI is the browser's. */
export const entraSettings = (options: Microsoft365Options, redirectUri: string): EntraSettings => ({
  tenant: options.tenant,
  clientId: options.clientId,
  redirectUri,
  ...(options.authority ? { authority: options.authority } : {}),
});

/** The features the sign-in asks permissions for, so no later use has to ask the user again. */
export const featuresOf = (options: Microsoft365Options): GraphFeature[] =>
  options.originals ? ['file', 'outlook', 'fetch'] : ['file'];

/**
 * Where SharePoint keeps files in each cloud, by Graph host (Microsoft's "National cloud deployments"): upload
 * sessions and downloads go to the SharePoint host itself, not to Graph.
 */
const SHAREPOINT_HOSTS: Record<string, string> = {
  'graph.microsoft.com': 'https://*.sharepoint.com/*',
  'graph.microsoft.us': 'https://*.sharepoint.us/*',
  'dod-graph.microsoft.us': 'https://*.sharepoint-mil.us/*',
  'microsoftgraph.chinacloudapi.cn': 'https://*.sharepoint.cn/*',
};

/**
 * The host permissions the background needs: the sign-in host, Graph, and the SharePoint hosts where upload
 * sessions and downloads go. (`*.sharepoint.com` is already granted for the SharePoint content script.)
 */
export function microsoftOrigins(options: Microsoft365Options): string[] {
  const graph = graphBaseOf(options);
  const sharepoint = SHAREPOINT_HOSTS[new URL(graph).hostname];
  return [...new Set([originPattern(authorityOf(options)), originPattern(graph), ...(sharepoint ? [sharepoint] : [])])];
}
