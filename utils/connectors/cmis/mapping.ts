import * as v from 'valibot';
import type { DeclaredRecord } from '../../records/record';
import { fillProperties, parseMapping, propertyMap } from '../alfresco/mapping';

/**
 * The CMIS section of the presets (docs/connectors/cmis.md § Mapping): the folder each file-plan category files
 * into, by object id or by path from the repository's root folder, and which document properties the record
 * fills. Pure.
 */

/** The connector's id in the registry, settings, policy and the presets' `connectors` section. */
export const CMIS_CONNECTOR_ID = 'cmis';

// Every rule is a regular expression, not code, so that the published JSON Schema says what the extension accepts.

/** An absolute path from the root folder, without "." or ".." segments. */
const FolderPath = v.pipe(
  v.string(),
  v.maxLength(2048),
  v.regex(
    /^(?:\/(?!\.\.?(?:\/|$))[^/\0]+)+$/,
    'must be an absolute folder path like "/Records/Human Resources/2026", without . or ..',
  ),
  v.description('An absolute path from the repository\'s root folder, like "/Records/Human Resources/2026".'),
);
const ObjectId = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(512),
  v.regex(/^[^\0\s]+$/, 'must be an object id'),
  v.description("The folder's CMIS object id (cmis:objectId)."),
);

export const CmisFolderRef = v.pipe(
  v.union([v.strictObject({ folderId: ObjectId }), v.strictObject({ path: FolderPath })]),
  v.description('A folder, by object id or by path.'),
);
export type CmisFolderRef = v.InferOutput<typeof CmisFolderRef>;

const CmisPropertyId = v.pipe(
  v.string(),
  v.regex(
    /^(?!rk:)(?!cmis:(?!description$))[A-Za-z][A-Za-z0-9_.:-]{0,199}$/,
    'must be a property id; of the cmis: system properties only cmis:description can be mapped, and rk: ones are set by the connector',
  ),
);

export const CmisMappingSchema = v.pipe(
  v.strictObject({
    categories: v.optional(
      v.pipe(
        v.record(v.pipe(v.string(), v.minLength(1), v.maxLength(256)), CmisFolderRef),
        v.maxEntries(20_000),
        v.description('File-plan category id → the folder its records are filed in.'),
      ),
      {},
    ),
    /** Where records of an unmapped category go; absent: they are refused (needs attention). */
    unmapped: v.optional(
      v.pipe(
        CmisFolderRef,
        v.description('Where records of a category not mapped go; without it they are left needing attention.'),
      ),
    ),
    /** The document type to create (default cmis:document). */
    documentType: v.optional(
      v.pipe(
        v.string(),
        v.regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,199}$/, 'must be a CMIS type id'),
        v.description('The document type to create, a subtype of cmis:document.'),
      ),
      'cmis:document',
    ),
    /** Property id → source, over the default (cmis:description ← the record's description). */
    properties: propertyMap(
      CmisPropertyId,
      'Property id → what fills it (over the default: cmis:description from the description).',
    ),
  }),
  v.title('CMIS mapping'),
  v.description('Where records go in the repository and which properties they get (docs/connectors/cmis.md).'),
);
export type CmisMapping = v.InferOutput<typeof CmisMappingSchema>;

export const parseCmisMapping = (input: unknown) => parseMapping(CmisMappingSchema, input);

export type CmisPlacement = { ref: CmisFolderRef; label: string } | { refused: string };

export function cmisPlacement(record: DeclaredRecord, mapping: CmisMapping): CmisPlacement {
  const categoryId = record.classification.categoryId;
  const ref = categoryId === undefined ? undefined : mapping.categories[categoryId];
  if (ref) return { ref, label: `category ${categoryId}` };
  if (mapping.unmapped) return { ref: mapping.unmapped, label: 'unmapped categories' };
  return {
    refused:
      categoryId === undefined
        ? 'The record has no file-plan category, and the CMIS mapping has no folder for records without one.'
        : `File-plan category ${categoryId} is not mapped to a CMIS folder.`,
  };
}

/** The document's metadata properties: cmis:description from the record, then the mapping. */
export function cmisProperties(record: DeclaredRecord, mapping: CmisMapping): Record<string, string> {
  return fillProperties(record, { 'cmis:description': 'description', ...mapping.properties }).properties;
}
