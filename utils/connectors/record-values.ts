import type { DeclaredRecord } from '../records/record';

type Getter = (record: DeclaredRecord) => string | string[] | undefined;

/**
 * The record properties a connector mapping can copy into a repository's own properties or columns, by name. One
 * table for every connector; a connector lists the names it accepts (some under two names, e.g. `app` and
 * `sourceApp`) and says how several values become one text.
 */
export const RECORD_PROPERTIES = {
  recordId: (r) => r.id,
  title: (r) => r.title,
  description: (r) => r.metadata.description,
  originator: (r) => r.metadata.originator,
  addressees: (r) => r.metadata.addressees,
  otherAddressees: (r) => r.metadata.otherAddressees,
  dateSent: (r) => r.metadata.dateSent,
  dateCreated: (r) => r.metadata.dateCreated,
  dateModified: (r) => r.metadata.dateModified,
  owner: (r) => r.metadata.owner,
  author: (r) => r.metadata.author,
  publisher: (r) => r.metadata.publisher,
  language: (r) => r.metadata.language,
  declaredBy: (r) => r.declaredBy,
  declaredAt: (r) => r.declaredAt,
  sourceId: (r) => r.source.sourceId,
  sourceUrl: (r) => r.source.url,
  app: (r) => r.source.app,
  sourceApp: (r) => r.source.app,
  categoryId: (r) => r.classification.categoryId,
  category: (r) => r.classification.categoryId,
  profileId: (r) => r.classification.profileId,
  profile: (r) => r.classification.profileId,
  recordType: (r) => r.classification.recordType,
  securityMarking: (r) => r.classification.securityMarking,
  tags: (r) => r.tags,
} satisfies Record<string, Getter>;

export type RecordProperty = keyof typeof RECORD_PROPERTIES;
