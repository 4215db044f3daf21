import * as v from 'valibot';
import type { DeclaredRecord } from '../../records/record';
import { recordProperty } from '../record-values';

/**
 * Where each file-plan category goes in Microsoft 365: a SharePoint site, one of its document libraries, a folder in
 * it, the retention label that declares the record, and which library columns receive which record properties.
 * This is the Microsoft 365 section of the presets (docs/connectors/microsoft-365.md § Mapping); pure, so the
 * presets schema, the options page and the connector share it.
 */

/** Record properties a column can receive. `fields.<id>` is a capture-profile field. */
export const COLUMN_SOURCES = [
  'recordId',
  'title',
  'originator',
  'addressees',
  'otherAddressees',
  'dateSent',
  'dateCreated',
  'dateModified',
  'owner',
  'author',
  'description',
  'sourceId',
  'sourceUrl',
  'sourceApp',
  'category',
  'profile',
  'recordType',
  'securityMarking',
  'tags',
  'declaredBy',
  'declaredAt',
] as const;
export type ColumnSource = (typeof COLUMN_SOURCES)[number] | `fields.${string}`;

const FIELD_SOURCE = /^fields\.[A-Za-z0-9_-]{1,128}$/;

/*
 * Every rule below is one JSON Schema can say (a pattern, a list, a count), so that the published presets schema
 * (public/presets.schema.json, generated from these) tells an administrator's editor exactly what the extension
 * accepts. Values are taken as written: nothing is trimmed.
 */

/**
 * A column's internal name as Graph addresses it in a listItem's `fields` (listitem-update.md): letters, digits
 * and underscores (SharePoint encodes other characters as `_xHHHH_`), at most 255 characters.
 */
const ColumnName = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z_][A-Za-z0-9_]{0,254}$/, 'must be a column internal name (letters, digits, _)'),
);

const ColumnSourceSchema = v.union(
  [v.picklist(COLUMN_SOURCES), v.pipe(v.string(), v.regex(FIELD_SOURCE))],
  `must be one of ${COLUMN_SOURCES.join(', ')}, or fields.<profile field id>`,
);

export const ColumnMapping = v.pipe(
  v.record(ColumnName, ColumnSourceSchema),
  v.maxEntries(100, 'at most 100 columns'),
  v.description('Library column internal name → the record property it receives.'),
);
export type ColumnMapping = Record<string, ColumnSource>;

/** A name SharePoint accepts: none of " * : < > ? / \ | # % or control characters, no space at either end. */
const SEGMENT =
  '[^"*:<>?/\\\\|#%\\x00-\\x1f\\s.](?:[^"*:<>?/\\\\|#%\\x00-\\x1f]{0,126}[^"*:<>?/\\\\|#%\\x00-\\x1f\\s.])?';

/** A SharePoint site: `contoso.sharepoint.com:/sites/records` (host and path) or a Graph site id. */
const Site = v.pipe(
  v.string(),
  v.maxLength(512),
  v.regex(
    /^(?:[A-Za-z0-9.-]+\.[A-Za-z]{2,}:\/(?:sites|teams)\/[^/?#\s]+(?:\/[^/?#\s]+)*|[A-Za-z0-9.-]+\.[A-Za-z]{2,},[0-9A-Fa-f-]{36},[0-9A-Fa-f-]{36})$/,
    'must be "host:/sites/name" (as in contoso.sharepoint.com:/sites/records) or a site id',
  ),
  v.description('The SharePoint site: "host:/sites/name" or a Graph site id.'),
);

export const Target = v.strictObject({
  site: Site,
  /** The document library's name as shown in SharePoint ("Documents", "HR Records"), or its drive id. */
  library: v.pipe(
    v.string(),
    v.regex(/^\S(?:.*\S)?$/, "must be the library's name, without spaces around it"),
    v.maxLength(255),
    v.description('The document library: its name as SharePoint shows it, or its drive id.'),
  ),
  /** A folder path inside the library (`Grievances/2026`); the record folders go in it. Created when missing. */
  folder: v.optional(
    v.pipe(
      v.string(),
      v.maxLength(400),
      v.regex(
        new RegExp(`^(?:${SEGMENT}(?:/${SEGMENT})*)?$`),
        'must be folder names separated by / (no " * : < > ? \\ | # %, none starting or ending with a space or a dot)',
      ),
      v.description('A folder path inside the library; created when missing.'),
    ),
  ),
  /** The Purview retention label applied once the columns are set; a record label locks the item. */
  retentionLabel: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\S(?:.*\S)?$/, "must be the label's name, without spaces around it"),
      v.maxLength(256),
      v.description('The Purview retention label applied after the columns.'),
    ),
  ),
  /** Columns for this target, on top of the mapping's shared `columns`. */
  columns: v.optional(ColumnMapping),
});
export type Target = v.InferOutput<typeof Target>;

export const Microsoft365Mapping = v.pipe(
  v.strictObject({
    /** Columns set on every record, whatever its category. */
    columns: v.optional(ColumnMapping),
    /** File-plan category id → where its records go. */
    categories: v.pipe(
      v.record(v.pipe(v.string(), v.minLength(1), v.maxLength(256)), Target),
      v.maxEntries(5000, 'at most 5,000 categories'),
      v.description('File-plan category id → the SharePoint library (and folder, label, columns) of its records.'),
    ),
    /** Where records without a mapped category go; without it, such records are refused. */
    default: v.optional(Target),
  }),
  v.title('Microsoft 365'),
  v.description('Where each file-plan category goes in SharePoint (docs/connectors/microsoft-365.md).'),
);
export type Microsoft365Mapping = v.InferOutput<typeof Microsoft365Mapping>;

export interface ResolvedTarget {
  site: string;
  library: string;
  folder: string;
  retentionLabel?: string | undefined;
  columns: ColumnMapping;
  /** Which mapping entry gave it: the category id, or `default`. */
  from: string;
}

/** The target of a record's category, or the default; a clear error when neither is mapped. */
export function targetFor(
  mapping: Microsoft365Mapping,
  record: Pick<DeclaredRecord, 'classification'>,
): ResolvedTarget | { error: string } {
  const category = record.classification.categoryId;
  const entry = category !== undefined ? mapping.categories[category] : undefined;
  const target = entry ?? mapping.default;
  if (!target) {
    return {
      error: category
        ? `File-plan category ${category} has no Microsoft 365 library in the presets' mapping.`
        : 'The record has no file-plan category, and the Microsoft 365 mapping has no default library.',
    };
  }
  return {
    site: target.site,
    library: target.library,
    folder: target.folder ?? '',
    ...(target.retentionLabel ? { retentionLabel: target.retentionLabel } : {}),
    columns: { ...(mapping.columns as ColumnMapping | undefined), ...(target.columns as ColumnMapping | undefined) },
    from: entry ? category! : 'default',
  };
}

const joined = (values: readonly string[] | undefined) => (values?.length ? values.join('; ') : undefined);

/** The value of one record property for a column; undefined when the record has none (the column is left alone). */
export function columnValue(record: DeclaredRecord, source: ColumnSource): string | undefined {
  if (source.startsWith('fields.')) return record.fields[source.slice('fields.'.length)] || undefined;
  const value = recordProperty(record, source as (typeof COLUMN_SOURCES)[number]);
  return Array.isArray(value) ? joined(value) : value;
}

/**
 * The listItem `fields` to PATCH for a record (listitem-update.md): every mapped column the record has a value for,
 * as text (SharePoint parses ISO 8601 into date columns). Nothing is cut short: a value a column cannot hold is
 * refused by SharePoint, and that answer reaches the user, rather than a shortened value being filed.
 */
export function columnValues(record: DeclaredRecord, columns: ColumnMapping): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [column, source] of Object.entries(columns)) {
    const value = columnValue(record, source);
    if (value !== undefined && value !== '') values[column] = value;
  }
  return values;
}
