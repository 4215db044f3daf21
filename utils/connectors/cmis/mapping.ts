import * as v from 'valibot';
import type { DeclaredRecord } from '../../records/record';
import { fillProperties, PropertySources } from '../alfresco/mapping';

/**
 * The CMIS section of the presets (docs/connectors/cmis.md § Mapping): the folder each file-plan category files
 * into, by object id or by path from the repository's root folder, and which document properties the record
 * fills. Pure.
 */

const FolderPath = v.pipe(
  v.string(),
  v.trim(),
  v.maxLength(2048),
  v.regex(/^\/(?:[^/\0]+\/)*[^/\0]+$/, 'must be an absolute folder path like "/Records/Human Resources/2026"'),
  v.check((path) => !path.split('/').some((name) => name === '.' || name === '..'), 'must not contain . or ..'),
);
const ObjectId = v.pipe(v.string(), v.minLength(1), v.maxLength(512), v.regex(/^[^\0\s]+$/, 'must be an object id'));

export const CmisFolderRef = v.union([v.strictObject({ folderId: ObjectId }), v.strictObject({ path: FolderPath })]);
export type CmisFolderRef = v.InferOutput<typeof CmisFolderRef>;

const CmisPropertyId = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,199}$/, 'must be a CMIS property id'),
  v.check(
    (id) => !id.startsWith('cmis:') || id === 'cmis:description',
    'is a CMIS system property; only cmis:description can be mapped',
  ),
  v.check((id) => !id.startsWith('rk:'), 'is set by the connector and cannot be mapped'),
);

export const CmisMappingSchema = v.strictObject({
  categories: v.optional(v.record(v.pipe(v.string(), v.minLength(1), v.maxLength(256)), CmisFolderRef), {}),
  /** Where records of an unmapped category go; absent: they are refused (needs attention). */
  unmapped: v.optional(CmisFolderRef),
  /** The document type to create (default cmis:document). */
  documentType: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,199}$/)), 'cmis:document'),
  /** Property id → source, over the default (cmis:description ← the record's description). */
  properties: v.optional(v.record(CmisPropertyId, PropertySources), {}),
});
export type CmisMapping = v.InferOutput<typeof CmisMappingSchema>;

export function parseCmisMapping(
  input: unknown,
): { ok: true; mapping: CmisMapping } | { ok: false; problems: string[] } {
  const parsed = v.safeParse(CmisMappingSchema, input ?? {});
  if (parsed.success) return { ok: true, mapping: parsed.output };
  return {
    ok: false,
    problems: parsed.issues.map((issue) => {
      const path = v.getDotPath(issue);
      return path ? `${path}: ${issue.message}` : issue.message;
    }),
  };
}

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
