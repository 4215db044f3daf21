import type { DeclaredRecord } from '../records/record';

type Value = string | string[] | undefined;

/** Properties the record keeps in its `metadata`, under the same name. */
type MetadataProperty = keyof DeclaredRecord['metadata'] &
  (
    | 'description'
    | 'originator'
    | 'addressees'
    | 'otherAddressees'
    | 'dateSent'
    | 'dateCreated'
    | 'dateModified'
    | 'owner'
    | 'author'
    | 'publisher'
    | 'language'
  );

/** Classification, under its own name or the shorter one SharePoint column mappings use. */
const CLASSIFICATION = {
  categoryId: 'categoryId',
  category: 'categoryId',
  profileId: 'profileId',
  profile: 'profileId',
  recordType: 'recordType',
  securityMarking: 'securityMarking',
} as const;

/** The rest of the record: its identity, where it came from, who declared it when, its tags. */
const OTHERS = {
  recordId: (r) => r.id,
  title: (r) => r.title,
  declaredBy: (r) => r.declaredBy,
  declaredAt: (r) => r.declaredAt,
  tags: (r) => r.tags,
  sourceId: (r) => r.source.sourceId,
  sourceUrl: (r) => r.source.url,
  app: (r) => r.source.app,
  sourceApp: (r) => r.source.app,
} satisfies Record<string, (record: DeclaredRecord) => Value>;

/**
 * The record properties a connector mapping can copy into a repository's own properties or columns, by name. One
 * place for every connector; a connector lists the names it accepts and says how several values become one text.
 */
export type RecordProperty = MetadataProperty | keyof typeof CLASSIFICATION | keyof typeof OTHERS;

export function recordProperty(record: DeclaredRecord, name: RecordProperty): Value {
  if (Object.hasOwn(CLASSIFICATION, name)) {
    return record.classification[CLASSIFICATION[name as keyof typeof CLASSIFICATION]];
  }
  if (Object.hasOwn(OTHERS, name)) return OTHERS[name as keyof typeof OTHERS](record);
  return record.metadata[name as MetadataProperty];
}
