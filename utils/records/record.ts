import * as v from 'valibot';

/**
 * The record of design.md § Record: one declaration. This schema is the single source of truth; the extension
 * validates what it builds against it and the reference server validates what it receives.
 */

const text = (max: number) => v.pipe(v.string(), v.maxLength(max));
const nonEmpty = (max: number) => v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(max));
/** An ISO 8601 instant with an explicit offset, as the record stores every date. */
export const IsoDateTime = v.pipe(v.string(), v.isoTimestamp('must be an ISO 8601 date-time with offset'));
export const Sha256Hex = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'));
export const UuidV7 = v.pipe(
  v.string(),
  v.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'must be a UUIDv7'),
);

export const SourceKind = v.picklist(['email', 'document', 'page', 'file']);
export type SourceKind = v.InferOutput<typeof SourceKind>;

export const Source = v.object({
  /** Detector id: `gmail`, `generic`, … */
  app: v.pipe(v.string(), v.regex(/^[a-z0-9-]{1,40}$/, 'must be a detector id')),
  kind: SourceKind,
  url: v.pipe(v.string(), v.url(), v.maxLength(8192)),
  /** Stable identity of the item: Message-ID, document id or canonical URL. */
  sourceId: nonEmpty(2048),
});
export type Source = v.InferOutput<typeof Source>;

export interface Attachment {
  name: string;
  size?: number | undefined;
  mimeType?: string | undefined;
  /** An attached message's own attachments, nested under it (a forwarded message keeps its files). */
  attachments?: Attachment[] | undefined;
}
export const Attachment: v.GenericSchema<Attachment> = v.object({
  name: text(1024),
  size: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  mimeType: v.optional(text(255)),
  attachments: v.optional(v.pipe(v.array(v.lazy(() => Attachment)), v.maxLength(200))),
});

export const Metadata = v.object({
  originator: v.optional(text(1024)),
  addressees: v.optional(v.array(text(1024))),
  otherAddressees: v.optional(v.array(text(1024))),
  dateSent: v.optional(IsoDateTime),
  dateCreated: v.optional(IsoDateTime),
  dateModified: v.optional(IsoDateTime),
  owner: v.optional(text(1024)),
  author: v.optional(v.array(text(1024))),
  publisher: v.optional(text(1024)),
  description: v.optional(text(8192)),
  mimeType: v.optional(text(255)),
  language: v.optional(text(35)),
  attachments: v.optional(v.array(Attachment)),
  /** Further identifiers of the same item (Gmail thread and message ids in their several forms, DOI, …). */
  identifiers: v.optional(v.record(v.pipe(v.string(), v.maxLength(64)), text(2048))),
});
export type Metadata = v.InferOutput<typeof Metadata>;

export const Classification = v.object({
  profileId: v.optional(text(128)),
  categoryId: v.optional(text(256)),
  recordType: v.optional(text(64)),
  securityMarking: v.optional(text(64)),
});
export type Classification = v.InferOutput<typeof Classification>;

export const ContentRole = v.picklist(['primary', 'rendition', 'attachment']);

export const ContentEntry = v.object({
  role: ContentRole,
  name: v.pipe(nonEmpty(255), v.regex(/^[^/\\\0]+$/, 'must be a file name without a path')),
  mimeType: nonEmpty(255),
  size: v.pipe(v.number(), v.integer(), v.minValue(0)),
  sha256: Sha256Hex,
});
export type ContentEntry = v.InferOutput<typeof ContentEntry>;

export const RecordSchema = v.object({
  id: UuidV7,
  source: Source,
  title: nonEmpty(1024),
  metadata: Metadata,
  classification: Classification,
  tags: v.pipe(v.array(nonEmpty(128)), v.maxLength(100)),
  fields: v.record(v.pipe(v.string(), v.maxLength(128)), text(4096)),
  content: v.pipe(v.array(ContentEntry), v.maxLength(1000)),
  declaredBy: v.optional(text(1024)),
  declaredAt: IsoDateTime,
});
export type DeclaredRecord = v.InferOutput<typeof RecordSchema>;

/** The server's answer to a stored record. */
export const ReceiptSchema = v.object({
  id: UuidV7,
  url: v.pipe(v.string(), v.url()),
  receivedAt: IsoDateTime,
  content: v.array(
    v.object({
      name: v.string(),
      sha256: Sha256Hex,
      size: v.number(),
      /** The repository's own digest where it reports one (Microsoft 365: QuickXorHash, base64), beside the sha256. */
      quickXorHash: v.optional(v.pipe(v.string(), v.maxLength(64))),
    }),
  ),
});
export type Receipt = v.InferOutput<typeof ReceiptSchema>;

/** Problems as `path: message` lines, for error messages people can act on. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string[] {
  return issues.map((issue) => {
    const path = v.getDotPath(issue);
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}

export function parseRecord(input: unknown): { ok: true; record: DeclaredRecord } | { ok: false; problems: string[] } {
  const result = v.safeParse(RecordSchema, input);
  return result.success ? { ok: true, record: result.output } : { ok: false, problems: describeIssues(result.issues) };
}
