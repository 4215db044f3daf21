import * as v from 'valibot';
import { ALFRESCO_CONNECTOR_ID, AlfrescoMappingSchema } from './alfresco/mapping';
import { CMIS_CONNECTOR_ID, CmisMappingSchema } from './cmis/mapping';
import { Microsoft365Mapping } from './microsoft-365/mapping';

/**
 * The presets' `connectors` section: each connector that files into its own structure (sites, libraries, record
 * folders) contributes the schema of its category → target mapping from a pure module
 * `utils/connectors/<id>/mapping.ts`, listed here by connector id. The presets schema (utils/presets/schema.ts)
 * builds the section from this list, so one document validates every connector's mapping; the background hands a
 * connector its own part as `ConnectorDeps.mapping`. Records API v1 needs none: the category travels in the record.
 *
 * A mapping that maps categories keeps them under `categories` (use `categoryTargets`), so that the presets check
 * can tell an admin when a mapped category is not in the file plan.
 */
export const connectorMappings: Readonly<Record<string, v.GenericSchema>> = {
  [ALFRESCO_CONNECTOR_ID]: AlfrescoMappingSchema,
  [CMIS_CONNECTOR_ID]: CmisMappingSchema,
  'microsoft-365': Microsoft365Mapping,
};

/** `{ "<category id>": target }`: at most one target per file-plan category. */
export function categoryTargets<T extends v.GenericSchema>(target: T) {
  return v.pipe(
    v.record(v.pipe(v.string(), v.minLength(1), v.maxLength(256)), target),
    v.maxEntries(20_000),
    v.description('File-plan category id → where its records go in this repository.'),
  );
}
