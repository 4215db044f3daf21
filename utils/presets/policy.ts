import { EXTENSION_ID, GECKO_ID } from '../extension-id';

/**
 * Ready-to-deploy enterprise policy documents carrying the extension's managed storage (the keys of
 * public/managed_schema.json: `presets`, `repositoryUrl`, `connector`, `connectorOptions`, `locked`), for each
 * browser and platform. Pure text
 * and objects; scripts/presets.ts writes them out. docs/deployment.md explains where each one goes.
 */

export type PolicyBrowser = 'chrome' | 'edge' | 'firefox';
export const POLICY_BROWSERS: readonly PolicyBrowser[] = ['chrome', 'edge', 'firefox'];

/** The managed storage values, as the extension reads them from `storage.managed`. */
export interface ManagedValues {
  presets?: Record<string, unknown> | undefined;
  repositoryUrl?: string | undefined;
  /** The connector id (utils/connectors/index.ts) and its options (never secrets). */
  connector?: string | undefined;
  connectorOptions?: Record<string, string | number | boolean> | undefined;
  locked?: string[] | undefined;
}

/**
 * What Chromium is handed: every object as JSON text, since it drops managed values its schema does not describe
 * (public/managed_schema.json declares `presets` and `connectorOptions` as strings). The extension parses both.
 */
function asChromiumValues(values: ManagedValues): Record<string, unknown> {
  return {
    ...values,
    ...(values.presets ? { presets: JSON.stringify(values.presets) } : {}),
    ...(values.connectorOptions ? { connectorOptions: JSON.stringify(values.connectorOptions) } : {}),
  };
}

/** Chrome's and Edge's policy root under HKLM (Windows) and their 3rdparty key for the extension. */
const REGISTRY_ROOT: Record<Exclude<PolicyBrowser, 'firefox'>, string> = {
  chrome: 'SOFTWARE\\Policies\\Google\\Chrome',
  edge: 'SOFTWARE\\Policies\\Microsoft\\Edge',
};

/** The managed values of a validated presets document: the document, its repository URL and its locks. */
export function managedValues(document: Record<string, unknown>, repositoryUrl?: string): ManagedValues {
  const { $schema: _ignored, ...presets } = document;
  const repository = presets.repository as { url?: string } | undefined;
  const locked = Array.isArray(presets.locked) ? (presets.locked as string[]) : [];
  return {
    presets,
    ...((repositoryUrl ?? repository?.url) ? { repositoryUrl: repositoryUrl ?? repository?.url } : {}),
    ...(locked.length > 0 ? { locked } : {}),
  };
}

/**
 * Chrome and Edge on Linux (`/etc/opt/chrome/policies/managed/`, `/etc/chromium/policies/managed/`,
 * `/etc/opt/edge/policies/managed/`): one JSON file. With an update URL it also force-installs the extension.
 */
export function chromiumPolicyJson(
  values: ManagedValues,
  updateUrl?: string,
  extensionId = EXTENSION_ID,
): Record<string, unknown> {
  return {
    ...(updateUrl ? { ExtensionInstallForcelist: [`${extensionId};${updateUrl}`] } : {}),
    '3rdparty': { extensions: { [extensionId]: asChromiumValues(values) } },
  };
}

/** Firefox `policies.json` (all platforms; on Windows and macOS GPO / profiles carry the same tree). */
export function firefoxPolicyJson(values: ManagedValues, installUrl?: string): Record<string, unknown> {
  return {
    policies: {
      ...(installUrl
        ? { ExtensionSettings: { [GECKO_ID]: { installation_mode: 'force_installed', install_url: installUrl } } }
        : {}),
      '3rdparty': { Extensions: { [GECKO_ID]: values } },
    },
  };
}

/** A .reg string: ASCII only (non-ASCII as JSON `\u` escapes, which the browser's JSON reader decodes). */
function regString(value: string): string {
  const ascii = value.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `"${ascii.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Chrome or Edge on Windows as a .reg file for `regedit /s` or GPO registry preferences. Objects are REG_SZ
 * values holding JSON (Chrome parses a string where the schema wants an object); lists are subkeys with values
 * named 1, 2, 3…
 */
export function chromiumRegistry(
  browser: Exclude<PolicyBrowser, 'firefox'>,
  values: ManagedValues,
  updateUrl?: string,
  extensionId = EXTENSION_ID,
): string {
  const root = `HKEY_LOCAL_MACHINE\\${REGISTRY_ROOT[browser]}`;
  const policyKey = `${root}\\3rdparty\\extensions\\${extensionId}\\policy`;
  const lines = ['Windows Registry Editor Version 5.00', '', `[${policyKey}]`];
  if (values.repositoryUrl) lines.push(`"repositoryUrl"=${regString(values.repositoryUrl)}`);
  if (values.connector) lines.push(`"connector"=${regString(values.connector)}`);
  if (values.connectorOptions) {
    lines.push(`"connectorOptions"=${regString(JSON.stringify(values.connectorOptions))}`);
  }
  if (values.presets) lines.push(`"presets"=${regString(JSON.stringify(values.presets))}`);
  if (values.locked?.length) {
    lines.push('', `[-${policyKey}\\locked]`, '', `[${policyKey}\\locked]`);
    lines.push(...values.locked.map((key, index) => `"${index + 1}"=${regString(key)}`));
  }
  if (updateUrl) {
    // Value "1" of the forcelist: merge by hand if other extensions are force-installed through this key.
    lines.push('', `[${root}\\ExtensionInstallForcelist]`, `"1"=${regString(`${extensionId};${updateUrl}`)}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * An ADMX template and its en-US ADML for Chrome or Edge, so the three managed values can be set in the Group
 * Policy editor (Computer Configuration › Administrative Templates › Recordkeeper).
 */
export function chromiumAdmx(
  browser: Exclude<PolicyBrowser, 'firefox'>,
  extensionId = EXTENSION_ID,
): { admx: string; adml: string } {
  const key = `${REGISTRY_ROOT[browser]}\\3rdparty\\extensions\\${extensionId}\\policy`;
  const product = browser === 'chrome' ? 'Google Chrome' : 'Microsoft Edge';
  const ns = `Recordkeeper.Policies.${browser === 'chrome' ? 'Chrome' : 'Edge'}`;
  const policy = (name: string, element: string) =>
    [
      `    <policy name="${name}" class="Machine" displayName="$(string.${name})" explainText="$(string.${name}_Explain)" presentation="$(presentation.${name})" key="${xml(key)}">`,
      '      <parentCategory ref="Recordkeeper" />',
      '      <supportedOn ref="SUPPORTED_Recordkeeper" />',
      `      <elements>${element}</elements>`,
      '    </policy>',
    ].join('\n');
  const admx = `<?xml version="1.0" encoding="utf-8"?>
<policyDefinitions revision="1.0" schemaVersion="1.0">
  <policyNamespaces>
    <target prefix="recordkeeper" namespace="${ns}" />
  </policyNamespaces>
  <resources minRequiredRevision="1.0" />
  <supportedOn>
    <definitions>
      <definition name="SUPPORTED_Recordkeeper" displayName="$(string.SUPPORTED_Recordkeeper)" />
    </definitions>
  </supportedOn>
  <categories>
    <category name="Recordkeeper" displayName="$(string.Recordkeeper)" />
  </categories>
  <policies>
${policy('RepositoryUrl', '<text id="RepositoryUrl" valueName="repositoryUrl" maxLength="2048" />')}
${policy('Connector', '<text id="Connector" valueName="connector" maxLength="40" />')}
${policy('ConnectorOptions', '<text id="ConnectorOptions" valueName="connectorOptions" maxLength="100000" />')}
${policy('Presets', '<text id="Presets" valueName="presets" maxLength="1000000" />')}
${policy('Locked', `<list id="Locked" key="${xml(key)}\\locked" />`)}
  </policies>
</policyDefinitions>
`;
  const adml = `<?xml version="1.0" encoding="utf-8"?>
<policyDefinitionResources revision="1.0" schemaVersion="1.0">
  <displayName>Recordkeeper for ${product}</displayName>
  <description>Managed configuration of the Recordkeeper extension (${extensionId}).</description>
  <resources>
    <stringTable>
      <string id="Recordkeeper">Recordkeeper (${product})</string>
      <string id="SUPPORTED_Recordkeeper">${product} with the Recordkeeper extension</string>
      <string id="RepositoryUrl">Repository URL</string>
      <string id="RepositoryUrl_Explain">Base URL of the repository, e.g. https://records.example.org. Add "repositoryUrl" to Locked settings so users cannot change it.</string>
      <string id="Connector">Repository type</string>
      <string id="Connector_Explain">The connector that files the records: records-api (the default) or another one its admin guide names. Add "connector" to Locked settings so users cannot change it.</string>
      <string id="ConnectorOptions">Repository options</string>
      <string id="ConnectorOptions_Explain">The connector's options as one line of JSON, e.g. {"url":"https://records.example.org"}. Never put a password or token here.</string>
      <string id="Presets">Classification presets</string>
      <string id="Presets_Explain">The presets document as one line of JSON (npm run presets -- policy presets.json --browser ${browser} --format admx prints it). Validate it first with npm run presets -- validate.</string>
      <string id="Locked">Locked settings</string>
      <string id="Locked_Explain">Settings and presets sections users and the repository cannot change, e.g. repositoryUrl, profiles.</string>
    </stringTable>
    <presentationTable>
      <presentation id="RepositoryUrl"><textBox refId="RepositoryUrl"><label>Repository URL</label></textBox></presentation>
      <presentation id="Connector"><textBox refId="Connector"><label>Repository type</label></textBox></presentation>
      <presentation id="ConnectorOptions"><textBox refId="ConnectorOptions"><label>Options (JSON)</label></textBox></presentation>
      <presentation id="Presets"><textBox refId="Presets"><label>Presets (JSON)</label></textBox></presentation>
      <presentation id="Locked"><listBox refId="Locked">Locked settings</listBox></presentation>
    </presentationTable>
  </resources>
</policyDefinitionResources>
`;
  return { admx, adml };
}
