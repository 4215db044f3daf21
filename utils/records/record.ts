import * as v from 'valibot';

/**
 * The record of design.md § Record: one declaration. This schema is the single source of truth; the extension
 * validates what it builds against it and the reference server validates what it receives.
 *
 * Everything it accepts can be stored and read back by the repository's database (PostgreSQL `text`, `jsonb` and
 * `timestamptz`): no U+0000 and no lone UTF-16 surrogate in any string or key, and only dates PostgreSQL takes.
 */

/** U+0000, or a surrogate half without its other half: neither can be stored in PostgreSQL text or jsonb. */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether a string can be stored as PostgreSQL text: no U+0000, no lone surrogate. */
export const isStorableText = (value: string): boolean => !UNSTORABLE.test(value);

const storable = v.check<string, string>(isStorableText, 'must not contain U+0000 or a lone surrogate');
const text = (max: number) => v.pipe(v.string(), v.maxLength(max), storable);
const nonEmpty = (max: number) => v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(max), storable);
const key = (max: number) => v.pipe(v.string(), v.maxLength(max), storable);

const DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(?:Z|([+-])(\d\d)(?::?(\d\d))?)$/;
const MAX_OFFSET_MINUTES = 14 * 60;

/**
 * The instant an ISO 8601 date-time with offset names (RFC 3339 § 5.6, which OpenAPI's `date-time` is; also a space
 * for the `T`, and `+hh` or `+hhmm` offsets, as PostgreSQL reads them), or undefined when it is not one or names a
 * day that does not exist (2023-02-31, year 0000), an hour past 23 or an offset past ±14:00: what PostgreSQL's
 * timestamptz refuses, or what no clock shows. Years 0001 to 9999, computed without Date's legacy parser (which
 * reads 0001 as 2001).
 */
export function parseIsoDateTime(value: string): Date | undefined {
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i])) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  if (year < 1 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  const offsetMinutes = Number(m[10] ?? 0);
  const offset = m[8] ? (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + offsetMinutes) : 0;
  if (offsetMinutes > 59 || Math.abs(offset) > MAX_OFFSET_MINUTES) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute - offset, second, Number((m[7] ?? '').padEnd(3, '0').slice(0, 3)));
  return date;
}

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** An ISO 8601 instant with an explicit offset, as the record stores every date. */
export const IsoDateTime = v.pipe(
  v.string(),
  v.check(
    (value) => parseIsoDateTime(value) !== undefined,
    'must be an existing ISO 8601 date-time with offset (such as 2026-11-23T10:00:00Z), offset at most ±14:00',
  ),
);
/** The earliest declaredAt accepted: nobody declared a record before 1900. */
export const DECLARED_AT_MIN = '1900-01-01T00:00:00Z';
const DeclaredAt = v.pipe(
  IsoDateTime,
  v.check(
    // An unparsable value is IsoDateTime's to report; this check only bounds real dates.
    (value) => (parseIsoDateTime(value)?.getTime() ?? Number.POSITIVE_INFINITY) >= Date.parse(DECLARED_AT_MIN),
    'must not be before 1900-01-01',
  ),
);
export const Sha256Hex = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'));
export const UuidV7 = v.pipe(
  v.string(),
  v.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'must be a UUIDv7'),
);
const ByteCount = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));

export const SourceKind = v.picklist(['email', 'document', 'page', 'file']);
export type SourceKind = v.InferOutput<typeof SourceKind>;

export const Source = v.object({
  /** Detector id: `gmail`, `generic`, … */
  app: v.pipe(v.string(), v.regex(/^[a-z0-9-]{1,40}$/, 'must be a detector id')),
  kind: SourceKind,
  url: v.pipe(v.string(), v.maxLength(8192), storable, v.url()),
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
  size: v.optional(ByteCount),
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
  identifiers: v.optional(v.record(key(64), text(2048))),
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
  name: v.pipe(nonEmpty(255), v.regex(/^[^/\\]+$/, 'must be a file name without a path')),
  mimeType: nonEmpty(255),
  size: ByteCount,
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
  fields: v.record(key(128), text(4096)),
  content: v.pipe(v.array(ContentEntry), v.maxLength(1000)),
  declaredBy: v.optional(text(1024)),
  declaredAt: DeclaredAt,
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
