import * as v from 'valibot';
import type { ContentEntry, DeclaredRecord } from '../../records/record';
import { ConnectorError } from '../connector';
import { recordProperty } from '../record-values';

/**
 * The Alfresco Governance Services section of the presets (docs/connectors/alfresco.md § Mapping): which record
 * folder each file-plan category files into, and which Alfresco property each piece of the record fills. Pure: it
 * validates the section and computes what to send; the connector does the talking.
 */

/** The connector's id in the registry, settings, policy and the presets' `connectors` section. */
export const ALFRESCO_CONNECTOR_ID = 'alfresco-gs';

/*
 * Every rule below is a regular expression, not code, so that the presets' published JSON Schema
 * (public/presets.schema.json, generated from these schemas) says exactly what the extension accepts.
 */

/** Alfresco node ids are UUIDs; the API also accepts them in any case. Aliases (-filePlan-) are not folders. */
const NodeId = v.pipe(
  v.string(),
  v.regex(
    /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
    'must be a node id (a UUID)',
  ),
  v.description("The record folder's node id, as Alfresco shows it (a UUID)."),
);

/**
 * A path below the file plan, category names then the record folder: `Human Resources/Grievances/2026`. Each name
 * obeys the rule the API states for node names (gs-core-api.yaml, definitions, `name.pattern`): none of
 * * " < > \ / ? : | and no trailing dot or space.
 */
const FolderPath = v.pipe(
  v.string(),
  v.maxLength(1024),
  v.regex(
    /^(?:[^*"<>\\/?:|]*[^*"<>\\/?:|. ]\/)+[^*"<>\\/?:|]*[^*"<>\\/?:|. ]$/,
    'must be a path of category names ending with the record folder, like "Human Resources/Grievances/2026"',
  ),
  v.description('Category names from the file plan down, then the record folder: "Human Resources/Grievances/2026".'),
);

export const FolderRef = v.pipe(
  v.union([v.strictObject({ folderId: NodeId }), v.strictObject({ path: FolderPath })]),
  v.description('A record folder, by node id or by its path in the file plan.'),
);
export type FolderRef = v.InferOutput<typeof FolderRef>;

/** What a property can be filled from: a piece of the record, a profile field, or a constant. */
export const RECORD_VALUES = [
  'title',
  'description',
  'originator',
  'addressees',
  'otherAddressees',
  'dateSent',
  'dateCreated',
  'dateModified',
  'owner',
  'author',
  'publisher',
  'language',
  'declaredBy',
  'declaredAt',
  'sourceId',
  'sourceUrl',
  'app',
  'categoryId',
  'profileId',
  'recordType',
  'securityMarking',
  'tags',
] as const;
export type RecordValue = (typeof RECORD_VALUES)[number];

const ValueSource = v.union([
  v.picklist(RECORD_VALUES),
  v.strictObject({ field: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be a profile field id')) }),
  v.strictObject({ value: v.pipe(v.string(), v.maxLength(1024)) }),
]);
export type ValueSource = v.InferOutput<typeof ValueSource>;

/** One source, or several tried in order (the first that gives a value wins); null removes a default. */
export const PropertySources = v.nullable(
  v.union([ValueSource, v.pipe(v.array(ValueSource), v.minLength(1), v.maxLength(8))]),
);

/** A map of property names to what fills each (none by default), as the presets' mappings hold it. */
export function propertyMap(name: v.GenericSchema<string, string>, description: string) {
  return v.optional(v.pipe(v.record(name, PropertySources), v.maxEntries(200), v.description(description)), {});
}

/**
 * A property QName, `prefix:localName`. The connector's own `rk:` properties and the node name are set by the
 * connector and cannot be mapped.
 */
const PropertyName = v.pipe(
  v.string(),
  v.regex(
    /^(?!rk:|cm:name$)[a-z][a-z0-9]{0,30}:[A-Za-z_][A-Za-z0-9_.-]{0,99}$/,
    'must be a property name like rma:originator (rk: properties and cm:name are set by the connector)',
  ),
);

const CategoryId = v.pipe(v.string(), v.minLength(1), v.maxLength(256));

export const AlfrescoMappingSchema = v.pipe(
  v.strictObject({
    /** File-plan category id (presets `filePlan`) → the record folder its records are filed in. */
    categories: v.optional(
      v.pipe(
        v.record(CategoryId, FolderRef),
        v.maxEntries(20_000),
        v.description('File-plan category id → the record folder its records are filed in.'),
      ),
      {},
    ),
    /** Records whose category is not mapped: into the unfiled records container, or refused (needs attention). */
    unmapped: v.optional(
      v.pipe(
        v.picklist(['unfiled', 'refuse']),
        v.description(
          'Records of a category not mapped: "unfiled" files them in the unfiled records container, "refuse" leaves them needing attention.',
        ),
      ),
      'unfiled',
    ),
    /** Property → source, over the defaults below, for every record. */
    properties: propertyMap(
      PropertyName,
      'Alfresco property → what fills it, for every record (over the defaults; null removes one).',
    ),
    /** Property → source, over the email defaults below, for email records only. */
    emailProperties: propertyMap(
      PropertyName,
      'Alfresco property → what fills it, for email records only (over the email defaults).',
    ),
  }),
  v.title('Alfresco Governance Services mapping'),
  v.description('Where records go in the file plan and which properties they get (docs/connectors/alfresco.md).'),
);
export type AlfrescoMapping = v.InferOutput<typeof AlfrescoMappingSchema>;

/**
 * The record properties every record gets unless the mapping says otherwise. `rma:originator`,
 * `rma:originatingOrganization` and `rma:publicationDate` are the record aspect's metadata (recordsModel.xml,
 * aspect rma:record), which DoD 5015.2 file plans make mandatory for completion.
 */
export const DEFAULT_PROPERTIES: Readonly<Record<string, ValueSource | ValueSource[]>> = {
  'cm:title': 'title',
  'cm:description': 'description',
  'rma:originator': ['originator', 'author', 'owner', 'declaredBy'],
  'rma:originatingOrganization': 'publisher',
  'rma:publicationDate': ['dateSent', 'dateCreated', 'declaredAt'],
};

/**
 * The DoD 5015.2 email record metadata (originator, addressees, other addressees, date sent, subject, message id),
 * in the properties Alfresco keeps them in for email records: the `imap:` properties its RFC 822 metadata
 * extractor fills and its Records Management email-mapping console offers.
 */
export const DEFAULT_EMAIL_PROPERTIES: Readonly<Record<string, ValueSource | ValueSource[]>> = {
  'imap:messageFrom': 'originator',
  'imap:messageTo': 'addressees',
  'imap:messageCc': 'otherAddressees',
  'imap:dateSent': 'dateSent',
  'imap:messageSubject': 'title',
  'imap:messageId': 'sourceId',
};

export type MappingResult<T = AlfrescoMapping> = { ok: true; mapping: T } | { ok: false; problems: string[] };

/** Validates a connector's section of the presets against its schema; each problem names where it is. */
export function parseMapping<T>(schema: v.GenericSchema<unknown, T>, input: unknown): MappingResult<T> {
  const parsed = v.safeParse(schema, input ?? {});
  if (parsed.success) return { ok: true, mapping: parsed.output };
  return {
    ok: false,
    problems: parsed.issues.map((issue) => {
      const path = v.getDotPath(issue);
      return path ? `${path}: ${issue.message}` : issue.message;
    }),
  };
}

/** Validates the connector's section of the presets; absent means "everything unfiled, default properties". */
export const parseAlfrescoMapping = (input: unknown) => parseMapping(AlfrescoMappingSchema, input);

/** The mapping a connector files by, or, when the presets' one is invalid, a refusal naming its problems. */
export function validMapping<T>(result: MappingResult<T>, vendor: string): T {
  if (!result.ok) {
    throw new ConnectorError(
      `The ${vendor} mapping in the presets is invalid: ${result.problems.join('; ')}`,
      'permanent',
    );
  }
  return result.mapping;
}

export function isEmailRecord(record: DeclaredRecord): boolean {
  return record.source.kind === 'email' || record.classification.recordType === 'email';
}

/** Where a record goes: its category's record folder, the unfiled records container, or nowhere (refused). */
export type Placement =
  | { kind: 'folder'; ref: FolderRef; categoryId: string }
  | { kind: 'unfiled' }
  | { kind: 'refused'; reason: string };

export function placementOf(record: DeclaredRecord, mapping: AlfrescoMapping): Placement {
  const categoryId = record.classification.categoryId;
  const ref = categoryId === undefined ? undefined : mapping.categories[categoryId];
  if (ref && categoryId !== undefined) return { kind: 'folder', ref, categoryId };
  if (mapping.unmapped === 'unfiled') return { kind: 'unfiled' };
  return {
    kind: 'refused',
    reason:
      categoryId === undefined
        ? 'The record has no file-plan category, and the Alfresco mapping files no record without one.'
        : `File-plan category ${categoryId} is not mapped to an Alfresco record folder.`,
  };
}

function sourceValue(record: DeclaredRecord, source: ValueSource): string | undefined {
  const raw =
    typeof source === 'string'
      ? recordProperty(record, source)
      : 'field' in source
        ? record.fields[source.field]
        : source.value;
  // Several values (addressees, tags) become one text: the API takes one string per property
  // (gs-core-api.yaml, RMNodeBodyCreate.properties.additionalProperties: string).
  const text = Array.isArray(raw) ? raw.filter((item) => item.trim() !== '').join(', ') : raw;
  return text === undefined || text.trim() === '' ? undefined : text;
}

function resolve(record: DeclaredRecord, source: ValueSource | ValueSource[]): string | undefined {
  for (const one of Array.isArray(source) ? source : [source]) {
    const value = sourceValue(record, one);
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * The metadata properties of one part of a record: the defaults with the mapping over them, the email ones for
 * email records. A property whose sources give no value is left out, so that Alfresco's completion check names it
 * when it is mandatory. `unfilled` lists those, for the needs-attention message.
 */
export function metadataProperties(
  record: DeclaredRecord,
  mapping: AlfrescoMapping,
): { properties: Record<string, string>; unfilled: string[] } {
  const sources: Record<string, ValueSource | ValueSource[] | null> = { ...DEFAULT_PROPERTIES, ...mapping.properties };
  if (isEmailRecord(record)) Object.assign(sources, DEFAULT_EMAIL_PROPERTIES, mapping.emailProperties);
  return fillProperties(record, sources);
}

/** Each property from its sources; those whose sources give nothing are listed in `unfilled`. */
export function fillProperties(
  record: DeclaredRecord,
  sources: Record<string, ValueSource | ValueSource[] | null>,
): { properties: Record<string, string>; unfilled: string[] } {
  const properties: Record<string, string> = {};
  const unfilled: string[] = [];
  for (const [name, source] of Object.entries(sources)) {
    if (source === null) continue;
    const value = resolve(record, source);
    if (value === undefined) unfilled.push(name);
    else properties[name] = value;
  }
  return { properties, unfilled };
}

/** The `rk:identity` aspect's properties (docs/connectors/recordkeeper-model.xml) for one part of a record. */
export function identityProperties(record: DeclaredRecord, entry: ContentEntry, index: number): Record<string, string> {
  return {
    'rk:recordId': record.id,
    'rk:partIndex': String(index),
    'rk:partRole': entry.role,
    'rk:partCount': String(record.content.length),
    'rk:sha256': entry.sha256,
    'rk:sourceId': record.source.sourceId,
    'rk:sourceUrl': record.source.url,
  };
}
