/**
 * Every problem the Records API answers (RFC 9457 problem details): its kind, HTTP status and title, and what a
 * client should do about it. The server builds each problem+json answer from this table, its OpenAPI document lists
 * the kinds each operation may answer from it, and the extension maps answers to retry / attention / auth with it.
 * Pure data: no Node and no browser imports, so both sides can import it.
 *
 * A problem's `type` is `urn:recordkeeper:problem:<kind>`; clients branch on the kind, never on the prose.
 */

/**
 * What a client does with the answer:
 * - `retry`: a transient condition; send the same request again later (honour Retry-After when present);
 * - `attention`: the request itself is wrong; a person must change it (the `detail` says how);
 * - `auth`: the token is missing, refused or not allowed; ask for another;
 * - `reupload`: a resumable upload the record refers to is gone; upload the part again, then send the record.
 */
export type ProblemAdvice = 'retry' | 'attention' | 'auth' | 'reupload';

export interface ProblemSpec {
  status: number;
  title: string;
  advice: ProblemAdvice;
}

const spec = (status: number, title: string, advice: ProblemAdvice = 'attention'): ProblemSpec => ({
  status,
  title,
  advice,
});

export const PROBLEMS = {
  // Any route
  internal: spec(500, 'Internal error', 'retry'),
  unauthorized: spec(401, 'Token missing, unknown or revoked', 'auth'),
  'not-found': spec(404, 'Not found'),
  'too-large': spec(413, 'Too large'),
  'cross-site': spec(403, 'Cross-site request refused', 'auth'),

  // POST /records
  'idempotency-key-missing': spec(400, 'Idempotency-Key missing'),
  'idempotency-key-mismatch': spec(400, 'Idempotency-Key is not the record id'),
  'idempotency-key-reused': spec(409, 'Idempotency-Key already used'),
  'idempotency-key-in-flight': spec(409, 'Same record is still being received', 'retry'),
  'not-multipart': spec(400, 'Body must be multipart/form-data'),
  'malformed-multipart': spec(400, 'Malformed multipart body'),
  'record-part-missing': spec(400, 'Record part missing'),
  'record-too-large': spec(413, 'Record too large'),
  'record-malformed': spec(400, 'Record is not JSON'),
  'record-invalid': spec(400, 'Record is invalid'),
  'declared-in-future': spec(422, 'declaredAt is in the future'),
  'unexpected-part': spec(400, 'Unexpected part'),
  'content-mismatch': spec(422, 'Content does not match the record'),
  'upload-ref-malformed': spec(400, 'Upload reference malformed'),
  'upload-unknown': spec(422, 'Referenced upload not found', 'reupload'),
  'upload-incomplete': spec(422, 'Referenced upload incomplete'),

  // Records are immutable
  immutable: spec(405, 'Records are immutable'),

  // GET /records filters
  'bad-filter': spec(400, 'Bad filter'),
  'bad-limit': spec(400, 'Bad limit'),
  'bad-cursor': spec(400, 'Bad cursor'),
  'bad-date': spec(400, 'Bad date'),

  // /uploads (tus 1.0)
  'tus-version': spec(412, 'Tus-Resumable 1.0.0 required'),
  'upload-not-found': spec(404, 'Upload not found'),
  'upload-length-missing': spec(400, 'Upload-Length missing'),
  'upload-metadata-invalid': spec(400, 'Upload-Metadata invalid'),
  'upload-content-type': spec(415, 'Wrong Content-Type'),
  'upload-busy': spec(409, 'Upload in progress', 'retry'),
  'upload-offset-mismatch': spec(409, 'Upload-Offset does not match', 'retry'),
  'upload-overflow': spec(400, 'More bytes than Upload-Length'),
  'upload-interrupted': spec(400, 'Upload interrupted', 'retry'),
  'upload-digest-mismatch': spec(422, 'Upload does not match its sha256'),

  // /presets
  'admin-only': spec(403, 'Admin token required', 'auth'),
  'not-json': spec(400, 'Body must be JSON'),
  'presets-malformed': spec(400, 'Presets are not JSON'),
  'presets-invalid': spec(422, 'Presets are invalid'),
  'presets-version-stale': spec(409, 'Presets version is not newer'),

  // /diagnostics
  'diagnostics-invalid': spec(422, 'Diagnostics are invalid'),

  // The web page
  'bad-next': spec(400, 'Bad return address'),
  'bad-form': spec(400, 'Bad form'),
} as const satisfies Record<string, ProblemSpec>;

export type ProblemKind = keyof typeof PROBLEMS;

export const PROBLEM_TYPE_PREFIX = 'urn:recordkeeper:problem:';

export const problemType = (kind: ProblemKind): string => `${PROBLEM_TYPE_PREFIX}${kind}`;

/** The kind of a problem `type` from any server, or undefined when it is not one of ours. */
export function problemKindOf(type: unknown): ProblemKind | undefined {
  if (typeof type !== 'string' || !type.startsWith(PROBLEM_TYPE_PREFIX)) return undefined;
  const kind = type.slice(PROBLEM_TYPE_PREFIX.length);
  return Object.hasOwn(PROBLEMS, kind) ? (kind as ProblemKind) : undefined;
}
