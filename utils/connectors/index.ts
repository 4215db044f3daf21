import { alfrescoGs } from './alfresco';
import { cmis } from './cmis';
import type { ConnectorDefinition } from './definition';
import { microsoft365 } from './microsoft-365';
import { recordsApi } from './records-api';

/**
 * Every kind of repository the extension can file into, as `utils/detectors/index.ts` lists the detectors. To add
 * one: a folder `utils/connectors/<id>/` with its `Connector` (connector.ts, the seam), its definition (index.ts:
 * options schema, form fields, `create`, `origins`), and, when it maps file-plan categories to its own targets, a
 * pure `mapping.ts` listed in `mappings.ts`; then one line here. CONTRIBUTING.md walks through it.
 */
export const connectorDefinitions: readonly ConnectorDefinition[] = [recordsApi, microsoft365, alfrescoGs, cmis];

export function connectorDefinition(id: string): ConnectorDefinition | undefined {
  return connectorDefinitions.find((definition) => definition.id === id);
}

export type { ConnectorDefinition, ConnectorField, ConnectorOptions } from './definition';
