import * as v from 'valibot';
import type { DeclaredRecord } from '../../records/record';

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
const isColumnSource = (value: string): value is ColumnSource =>
  (COLUMN_SOURCES as readonly string[]).includes(value) || FIELD_SOURCE.test(value);

/**
 * A column's internal name as Graph addresses it in a listItem's `fields` (listitem-update.md): letters, digits
 * and underscores (SharePoint encodes other characters as `_xHHHH_`), at most 255 characters.
 */
const ColumnName = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z_][A-Za-z0-9_]{0,254}$/, 'must be a column internal name (letters, digits, _)'),
);

export const ColumnMapping = v.pipe(
  v.record(
    ColumnName,
    v.pipe(
      v.string(),
      v.check(isColumnSource, `must be one of ${COLUMN_SOURCES.join(', ')}, or fields.<profile field id>`),
    ),
  ),
  v.check((columns) => Object.keys(columns).length <= 100, 'at most 100 columns'),
);
export type ColumnMapping = Record<string, ColumnSource>;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the class refuses
const Segment = /^[^"*:<>?/\\|#%\0-\x1f]{1,128}$/;

/** A SharePoint site: `contoso.sharepoint.com:/sites/records` (host and path) or a Graph site id. */
const Site = v.pipe(
  v.string(),
  v.trim(),
  v.maxLength(512),
  v.check(
    (site) =>
      /^[a-z0-9.-]+\.[a-z]{2,}:\/(?:sites|teams)\/[^/?#]+(?:\/[^/?#]+)*$/i.test(site) ||
      /^[a-z0-9.-]+\.[a-z]{2,},[0-9a-f-]{36},[0-9a-f-]{36}$/i.test(site),
    'must be "host:/sites/name" (as in contoso.sharepoint.com:/sites/records) or a site id',
  ),
);

export const Target = v.object({
  site: Site,
  /** The document library's name as shown in SharePoint ("Documents", "HR Records"), or its drive id. */
  library: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(255)),
  /** A folder path inside the library (`Grievances/2026`); the record folders go in it. Created when missing. */
  folder: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.maxLength(400),
      v.check(
        (path) =>
          path === '' ||
          path
            .split('/')
            .every((segment) => Segment.test(segment) && segment.trim() === segment && !segment.endsWith('.')),
        'must be folder names separated by / (no " * : < > ? \\ | # %, none ending in a dot)',
      ),
    ),
  ),
  /** The Purview retention label applied once the columns are set; a record label locks the item. */
  retentionLabel: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(256))),
  /** Columns for this target, on top of the mapping's shared `columns`. */
  columns: v.optional(ColumnMapping),
});
export type Target = v.InferOutput<typeof Target>;

export const Microsoft365Mapping = v.object({
  /** Columns set on every record, whatever its category. */
  columns: v.optional(ColumnMapping),
  /** File-plan category id → where its records go. */
  categories: v.pipe(
    v.record(v.pipe(v.string(), v.minLength(1), v.maxLength(256)), Target),
    v.check((categories) => Object.keys(categories).length <= 5000, 'at most 5,000 categories'),
  ),
  /** Where records without a mapped category go; without it, such records are refused. */
  default: v.optional(Target),
});
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
  const { metadata: m, classification: c } = record;
  if (source.startsWith('fields.')) return record.fields[source.slice('fields.'.length)] || undefined;
  switch (source as (typeof COLUMN_SOURCES)[number]) {
    case 'recordId':
      return record.id;
    case 'title':
      return record.title;
    case 'originator':
      return m.originator;
    case 'addressees':
      return joined(m.addressees);
    case 'otherAddressees':
      return joined(m.otherAddressees);
    case 'dateSent':
      return m.dateSent;
    case 'dateCreated':
      return m.dateCreated;
    case 'dateModified':
      return m.dateModified;
    case 'owner':
      return m.owner;
    case 'author':
      return joined(m.author);
    case 'description':
      return m.description;
    case 'sourceId':
      return record.source.sourceId;
    case 'sourceUrl':
      return record.source.url;
    case 'sourceApp':
      return record.source.app;
    case 'category':
      return c.categoryId;
    case 'profile':
      return c.profileId;
    case 'recordType':
      return c.recordType;
    case 'securityMarking':
      return c.securityMarking;
    case 'tags':
      return joined(record.tags);
    case 'declaredBy':
      return record.declaredBy;
    case 'declaredAt':
      return record.declaredAt;
  }
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
