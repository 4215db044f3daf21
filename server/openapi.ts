import {
  BUILD,
  PROBLEMS as HEALTH_PROBLEMS,
  MAX_UPLOAD_COUNTS,
  MAX_UPLOAD_SKELETON_BYTES,
  NAME,
} from '../utils/health/events.ts';
import { PROBLEMS, type ProblemKind, problemType } from '../utils/records/problems.ts';

/**
 * The Records API v1 as an OpenAPI 3.1 document, served at GET /api/v1/openapi.json. server/openapi.test.ts checks
 * that it lists exactly the routes the app has, and that every response the server's tests receive matches it.
 * Schemas follow utils/records/record.ts (the record and receipt) and utils/presets/schema.ts (presets), which are
 * what the server actually validates with.
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object, description: string, headers?: object) => ({
  description,
  content: { 'application/json': { schema } },
  ...(headers ? { headers } : {}),
});
/** A problem+json answer of the listed kinds (utils/records/problems.ts), each with the status the catalogue gives. */
const problem = (description: string, kinds: readonly ProblemKind[]) => ({
  description: `${description} Kinds: ${kinds.map((kind) => `\`${kind}\``).join(', ')}.`,
  content: {
    'application/problem+json': {
      schema: {
        allOf: [
          ref('Problem'),
          {
            properties: {
              type: { enum: kinds.map(problemType) },
              status: { enum: [...new Set(kinds.map((kind) => PROBLEMS[kind].status))] },
            },
          },
        ],
      },
    },
  },
});
const header = (description: string, schema: object = { type: 'string' }) => ({ description, schema });
const unauthorized = { '401': problem('No token, or an unknown or revoked one.', ['unauthorized']) };
// Answers several routes share, spread into their `responses` (numeric keys keep their order whatever the spread).
const adminOnly = { '403': problem('Not an admin token.', ['admin-only']) };
const tusVersion = { '412': problem('Tus-Resumable is not 1.0.0.', ['tus-version']) };
const uploadNotFound = { '404': problem('Unknown, expired or another token’s upload.', ['upload-not-found']) };
const invalid = (kind: ProblemKind) => ({
  '422': problem('Invalid: `errors` lists every problem as `{path, message}` with a JSONPath.', [kind]),
});
const security = [{ bearer: [] }];
/** An OpenAPI parameter object, its keys in the document's order. */
const param = (
  name: string,
  where: 'path' | 'query' | 'header',
  required: boolean,
  schema: object,
  description: string,
) => ({
  name,
  in: where,
  required,
  schema,
  description,
});
const whole = { type: 'string', pattern: '^\\d+$' };
const idParam = param('id', 'path', true, { type: 'string' }, 'The record id.');
const nParam = param('n', 'path', true, whole, "Index into the record's `content` list, from 0.");
const queryParam = (name: string, description: string, schema: object = { type: 'string' }) =>
  param(name, 'query', false, schema, description);
const immutable = (what: string) => ({
  summary: `Not allowed: ${what} is immutable`,
  security,
  parameters: [idParam],
  responses: {
    '405': problem('Records and their content cannot be changed or deleted (`Allow: GET`).', ['immutable']),
    ...unauthorized,
  },
});

const tusHeader = param('Tus-Resumable', 'header', true, { const: '1.0.0' }, 'The tus protocol version.');
const uploadHeader = (name: string, description: string, required: boolean) =>
  param(name, 'header', required, whole, description);
const uploadIdParam = param('id', 'path', true, { type: 'string' }, 'The upload id.');
const tusHeaders = {
  'Tus-Resumable': header('`1.0.0`.'),
  'Upload-Offset': header('Bytes the server holds.'),
  'Upload-Expires': header('When an unfinished upload is deleted (HTTP date).'),
};
/** What GET and HEAD of an upload share: who may ask, with what ... */
const uploadAsked = { security, parameters: [uploadIdParam, tusHeader] };
/** ... and the answer that says where the upload stands. */
const uploadStands = {
  '200': {
    description: 'The bytes the server holds (`Upload-Offset`) of `Upload-Length`.',
    headers: { 'Upload-Length': header('The total size.'), ...tusHeaders },
  },
};

const isoDateTime = { type: 'string', format: 'date-time' };
const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const strings = { type: 'array', items: { type: 'string' } };

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Recordkeeper Records API',
    version: '1.0.0',
    description:
      'Declare records, read them back, and fetch the presets. Every error is application/problem+json (RFC 9457) ' +
      'with a `detail` that says what to do. Records are immutable.',
  },
  servers: [{ url: '/api/v1' }],
  'x-problems': PROBLEMS,
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from `token create`.' } },
    schemas: {
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status', 'detail'],
        properties: {
          type: {
            description: '`urn:recordkeeper:problem:<kind>`; the kinds, their statuses and titles are in `x-problems`.',
            enum: Object.keys(PROBLEMS).map((kind) => problemType(kind as ProblemKind)),
          },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          errors: {
            description: 'Every problem found: strings for a record, `{path, message}` (JSONPath) for presets.',
            type: 'array',
            items: {
              oneOf: [
                { type: 'string' },
                {
                  type: 'object',
                  required: ['path', 'message'],
                  properties: { path: { type: 'string' }, message: { type: 'string' } },
                },
              ],
            },
          },
        },
      },
      ContentEntry: {
        type: 'object',
        required: ['role', 'name', 'mimeType', 'size', 'sha256'],
        properties: {
          role: { enum: ['primary', 'rendition', 'attachment'] },
          name: { type: 'string', minLength: 1, maxLength: 255 },
          mimeType: { type: 'string' },
          size: { type: 'integer', minimum: 0 },
          sha256,
        },
      },
      Record: {
        type: 'object',
        description: 'One declaration (docs/record.md).',
        required: ['id', 'source', 'title', 'metadata', 'classification', 'tags', 'fields', 'content', 'declaredAt'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          source: {
            type: 'object',
            required: ['app', 'kind', 'url', 'sourceId'],
            properties: {
              app: { type: 'string' },
              kind: { enum: ['email', 'document', 'page', 'file'] },
              url: { type: 'string', format: 'uri' },
              sourceId: { type: 'string' },
            },
          },
          title: { type: 'string' },
          metadata: { type: 'object' },
          classification: {
            type: 'object',
            properties: {
              profileId: { type: 'string' },
              categoryId: { type: 'string' },
              recordType: { type: 'string' },
              securityMarking: { type: 'string' },
            },
          },
          tags: strings,
          fields: { type: 'object', additionalProperties: { type: 'string' } },
          content: { type: 'array', items: ref('ContentEntry') },
          declaredBy: {
            type: 'string',
            description:
              'Who declared: the server records the user of the token that sent the record. A client may leave it ' +
              'out; a different value is replaced by the token’s user, and the `declared` event of the audit trail ' +
              'says what the client had sent.',
          },
          declaredAt: {
            ...isoDateTime,
            description:
              'When the user declared it, by the client’s clock: not before 1900, and not more than 5 minutes ' +
              'ahead of the repository’s clock. The receipt’s `receivedAt` is the repository’s own time.',
          },
        },
      },
      Receipt: {
        type: 'object',
        required: ['id', 'url', 'receivedAt', 'content'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', format: 'uuid' },
          url: { type: 'string', format: 'uri', description: "The record's page for people." },
          receivedAt: isoDateTime,
          content: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name', 'sha256', 'size'],
              additionalProperties: false,
              properties: { name: { type: 'string' }, sha256, size: { type: 'integer', minimum: 0 } },
            },
          },
        },
      },
      RecordItem: {
        type: 'object',
        required: ['record', 'receipt'],
        additionalProperties: false,
        properties: { record: ref('Record'), receipt: ref('Receipt') },
      },
      RecordPage: {
        type: 'object',
        required: ['items'],
        additionalProperties: false,
        properties: {
          items: { type: 'array', items: ref('RecordItem') },
          nextCursor: { type: 'string', description: 'Pass as `cursor` for the next page; absent on the last.' },
        },
      },
      Event: {
        type: 'object',
        required: ['kind', 'actor', 'at'],
        additionalProperties: false,
        properties: {
          kind: { enum: ['declared', 'received', 'fixity-verified', 'fixity-failed', 'accessed'] },
          actor: { type: 'string', description: 'The user, or `fixity audit` / `repository` for the server.' },
          at: isoDateTime,
          detail: { type: 'string' },
        },
      },
      DiagnosticCount: {
        type: 'object',
        description: 'One counter: page views where a detector showed a problem. Never page content.',
        additionalProperties: false,
        required: ['detector', 'app', 'problem', 'count', 'firstSeen', 'lastSeen'],
        properties: {
          detector: { type: 'string', pattern: NAME.source },
          app: { type: 'string', pattern: NAME.source },
          build: {
            type: 'string',
            pattern: BUILD.source,
            description: "The app's build marker, when the page shows one.",
          },
          problem: { enum: [...HEALTH_PROBLEMS] },
          count: { type: 'integer', minimum: 1 },
          firstSeen: isoDateTime,
          lastSeen: isoDateTime,
        },
      },
      Diagnostics: {
        type: 'object',
        additionalProperties: false,
        required: ['reporter', 'counts'],
        properties: {
          reporter: {
            type: 'string',
            format: 'uuid',
            description: "A random id per browser; its counts replace that browser's earlier ones.",
          },
          counts: { type: 'array', maxItems: MAX_UPLOAD_COUNTS, items: ref('DiagnosticCount') },
          skeleton: {
            type: 'object',
            additionalProperties: false,
            required: ['url', 'reason', 'takenAt', 'size', 'gzip'],
            description: 'A page skeleton the user chose to send (utils/health/skeleton.ts): text and values masked.',
            properties: {
              url: { type: 'string', maxLength: 8192 },
              reason: { enum: ['nothing', 'wrong'] },
              takenAt: isoDateTime,
              size: { type: 'integer', minimum: 1, maximum: MAX_UPLOAD_SKELETON_BYTES },
              gzip: { type: 'string', contentEncoding: 'base64', description: 'The skeleton file, gzip-compressed.' },
            },
          },
        },
      },
      DiagnosticsReport: {
        type: 'object',
        required: ['items', 'skeletons'],
        properties: {
          items: {
            type: 'array',
            items: {
              type: 'object',
              required: ['detector', 'app', 'problem', 'count', 'users', 'firstSeen', 'lastSeen'],
              properties: {
                detector: { type: 'string' },
                app: { type: 'string' },
                build: { type: 'string' },
                problem: { enum: [...HEALTH_PROBLEMS] },
                count: { type: 'integer', minimum: 1 },
                users: { type: 'integer', minimum: 1 },
                firstSeen: isoDateTime,
                lastSeen: isoDateTime,
              },
            },
          },
          skeletons: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'user', 'url', 'reason', 'takenAt', 'receivedAt', 'size'],
              properties: {
                id: { type: 'string', format: 'uuid' },
                user: { type: 'string' },
                url: { type: 'string' },
                reason: { enum: ['nothing', 'wrong'] },
                takenAt: isoDateTime,
                receivedAt: isoDateTime,
                size: { type: 'integer' },
              },
            },
          },
        },
      },
      Presets: {
        type: 'object',
        description: "The presets document (docs/presets.md), validated by the extension's own schema.",
        required: ['version'],
        properties: {
          version: { type: 'integer', minimum: 0 },
          filePlan: { type: 'array' },
          profiles: { type: 'array' },
          vocabularies: { type: 'object' },
          rules: { type: 'array' },
          sites: { type: 'array' },
          locked: strings,
        },
      },
    },
  },
  paths: {
    '/health': {
      get: {
        summary: 'Liveness check (no token)',
        responses: {
          '200': json({ type: 'object', required: ['ok'], properties: { ok: { const: true } } }, 'The server runs.'),
        },
      },
    },
    '/openapi.json': {
      get: {
        summary: 'This document (no token)',
        responses: { '200': json({ type: 'object', required: ['openapi', 'paths'] }, 'OpenAPI 3.1.') },
      },
    },
    '/records': {
      post: {
        summary: 'Declare a record',
        description:
          'multipart/form-data: part `record` (the JSON) first, then one part `content` per content entry, in ' +
          'order. Each part is streamed to storage while hashed; nothing is kept unless every part matches. A part ' +
          'sent beforehand through /uploads is referred to instead: a `content` part of Content-Type ' +
          '`application/vnd.recordkeeper.upload-ref` whose body is `upload:<id>` (the upload must be complete, the ' +
          'same token’s, and have the entry’s sha256 and size).',
        security,
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: true,
            schema: { type: 'string' },
            description: 'The record id.',
          },
        ],
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['record'],
                properties: {
                  record: ref('Record'),
                  content: { type: 'array', items: { type: 'string', contentMediaType: 'application/octet-stream' } },
                },
              },
            },
          },
        },
        responses: {
          '201': json(ref('Receipt'), 'Stored.', { Location: header("The record's API URL.") }),
          '200': json(ref('Receipt'), 'A retry of a stored record: the original receipt.'),
          '400': problem('Malformed request, invalid record, or Idempotency-Key missing or not the record id.', [
            'idempotency-key-missing',
            'idempotency-key-mismatch',
            'not-multipart',
            'malformed-multipart',
            'record-part-missing',
            'record-malformed',
            'record-invalid',
            'unexpected-part',
            'upload-ref-malformed',
          ]),
          ...unauthorized,
          '409': problem(
            'The id is already used for a different record (whoever stored it: the answer is the same), or the ' +
              'same record is still being received (with Retry-After).',
            ['idempotency-key-reused', 'idempotency-key-in-flight'],
          ),
          '413': problem('Over the configured size limit.', ['too-large', 'record-too-large']),
          '422': problem(
            'A content part does not match its entry (sha256, size or count), a referenced upload is unknown or ' +
              'its bytes are gone (`upload-unknown`: upload it again) or incomplete, or declaredAt is in the ' +
              'future beyond 5 minutes of clock skew; nothing was stored.',
            ['content-mismatch', 'upload-unknown', 'upload-incomplete', 'declared-in-future'],
          ),
        },
      },
      get: {
        summary: 'List records, newest first',
        description: 'A user token sees only its own records; an admin token sees all.',
        security,
        parameters: [
          queryParam('sourceId', 'Records of this source (duplicate check).'),
          queryParam('category', 'classification.categoryId equals.'),
          queryParam('tag', 'tags contain.'),
          queryParam('declaredBy', 'declaredBy equals.'),
          queryParam('q', 'Title contains every word, case-insensitively.'),
          queryParam('from', 'declaredAt on or after: a date (whole UTC day) or a date-time with offset.'),
          queryParam('to', 'declaredAt on or before: a date (whole UTC day) or a date-time with offset.'),
          queryParam('limit', 'Page size, 1 to 100 (default 50).', { type: 'string', pattern: '^\\d+$' }),
          queryParam('cursor', '`nextCursor` of the previous page.'),
        ],
        responses: {
          '200': json(ref('RecordPage'), 'One page.'),
          '400': problem('A bad filter, limit or cursor.', ['bad-filter', 'bad-limit', 'bad-cursor', 'bad-date']),
          ...unauthorized,
        },
      },
    },
    '/uploads': {
      post: {
        summary: 'Create a resumable upload (tus 1.0 creation)',
        description:
          'For a content part too large to send in one request. Follows tus 1.0 (core + creation + expiration): ' +
          '`Upload-Length` is the part size; `Upload-Metadata` carries `sha256` (required), `record`, `part` and ' +
          '`name`, each base64 as tus says. Then PATCH the bytes from offset 0 and, once complete, refer to the ' +
          'upload from POST /records with a `content` part of type `application/vnd.recordkeeper.upload-ref` ' +
          'whose body is `upload:<id>`.',
        security,
        parameters: [tusHeader, uploadHeader('Upload-Length', 'The size of the part in bytes.', true)],
        responses: {
          '201': {
            description: 'Created, at offset 0.',
            headers: { Location: header('The upload URL.'), ...tusHeaders },
          },
          '400': problem('Upload-Length or Upload-Metadata missing or invalid.', [
            'upload-length-missing',
            'upload-metadata-invalid',
          ]),
          ...unauthorized,
          ...tusVersion,
          '413': problem('Over the configured size limit.', ['too-large']),
        },
      },
    },
    '/uploads/{id}': {
      get: {
        summary: 'Where an upload stands: the same headers as HEAD, no body',
        ...uploadAsked,
        responses: {
          ...uploadStands,
          ...unauthorized,
          ...uploadNotFound,
          ...tusVersion,
          '422': problem('The upload was full but its bytes did not match its sha256; it was deleted.', [
            'upload-digest-mismatch',
          ]),
        },
      },
      head: {
        summary: 'Where an upload stands (tus 1.0 core)',
        ...uploadAsked,
        responses: {
          ...uploadStands,
          ...unauthorized,
          '404': { description: 'Unknown, expired or another token’s upload (HEAD has no body).' },
          '412': { description: 'Tus-Resumable is not 1.0.0.' },
          '422': { description: 'The upload was full but its bytes did not match its sha256; it was deleted.' },
        },
      },
      patch: {
        summary: 'Append bytes at Upload-Offset (tus 1.0 core)',
        description:
          'Content-Type `application/offset+octet-stream`; `Upload-Offset` must equal what HEAD says. Bytes that ' +
          'arrive before a connection drops are kept. When the last byte arrives the whole upload is hashed ' +
          'again: a mismatch with its sha256 answers 422 and nothing is kept.',
        security,
        parameters: [uploadIdParam, tusHeader, uploadHeader('Upload-Offset', 'Where these bytes start.', true)],
        requestBody: {
          required: true,
          content: {
            'application/offset+octet-stream': {
              schema: { type: 'string', contentMediaType: 'application/octet-stream' },
            },
          },
        },
        responses: {
          '204': { description: 'Appended.', headers: tusHeaders },
          '400': problem(
            'More bytes than Upload-Length (nothing of the PATCH kept), or the body ended early (what arrived is kept).',
            ['upload-overflow', 'upload-interrupted'],
          ),
          ...unauthorized,
          ...uploadNotFound,
          '409': problem(
            'Upload-Offset is not the server’s (`Upload-Offset` header says where to continue), or another PATCH is still writing (with Retry-After).',
            ['upload-offset-mismatch', 'upload-busy'],
          ),
          ...tusVersion,
          '415': problem('Content-Type is not application/offset+octet-stream.', ['upload-content-type']),
          '422': problem('The completed upload does not match its sha256; nothing was kept.', [
            'upload-digest-mismatch',
          ]),
        },
      },
    },
    '/records/{id}': {
      get: {
        summary: 'One record and its receipt',
        security,
        parameters: [idParam],
        responses: {
          '200': json(ref('RecordItem'), 'The record.'),
          ...unauthorized,
          '404': problem('No such record for this token.', ['not-found']),
        },
      },
      put: immutable('a record'),
      patch: immutable('a record'),
      delete: immutable('a record'),
    },
    '/records/{id}/events': {
      get: {
        summary: 'The audit trail, oldest first',
        description: 'declared, received, accessed (each content download), fixity-verified and fixity-failed.',
        security,
        parameters: [idParam],
        responses: {
          '200': json(
            {
              type: 'object',
              required: ['items'],
              additionalProperties: false,
              properties: { items: { type: 'array', items: ref('Event') } },
            },
            'The events.',
          ),
          ...unauthorized,
          '404': problem('No such record for this token.', ['not-found']),
        },
      },
    },
    '/records/{id}/content/{n}': {
      get: {
        summary: 'The bytes of one content entry',
        description:
          'The bytes are re-hashed while they stream. The last chunk is sent only once the sha256 and size match ' +
          'the record; on a mismatch the response ends early (short of Content-Length, so the client sees an ' +
          'error), the failure is logged, and a `fixity-failed` event is written. Each download writes an ' +
          '`accessed` event.',
        security,
        parameters: [idParam, nParam],
        responses: {
          '200': {
            description: 'The content, as declared.',
            headers: {
              'Repr-Digest': header('`sha-256=:<base64>:` (RFC 9530).'),
              Digest: header('`sha-256=<base64>`, for older clients.'),
              ETag: header('The quoted sha256 hex.'),
            },
            content: { '*/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } },
          },
          ...unauthorized,
          '404': problem('No such record or content entry for this token.', ['not-found']),
        },
      },
      head: {
        summary: 'The headers of one content entry, without its bytes',
        description: 'Opens no blob and writes no `accessed` event: nothing is read.',
        security,
        parameters: [idParam, nParam],
        responses: {
          '200': { description: 'The headers a GET would have.' },
          '401': { description: 'No token, or an unknown or revoked one (HEAD has no body).' },
          '404': { description: 'No such record or content entry for this token (HEAD has no body).' },
        },
      },
      put: { ...immutable('content'), parameters: [idParam, nParam] },
      patch: { ...immutable('content'), parameters: [idParam, nParam] },
      delete: { ...immutable('content'), parameters: [idParam, nParam] },
    },
    '/presets': {
      get: {
        summary: 'The active presets',
        security,
        parameters: [{ name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' } }],
        responses: {
          '200': json(ref('Presets'), 'The active version.', { ETag: header('Strong ETag of the exact bytes.') }),
          '304': { description: 'Unchanged since the ETag sent in If-None-Match.' },
          ...unauthorized,
          '404': problem('No presets stored yet.', ['not-found']),
        },
      },
      put: {
        summary: 'Store a new presets version (admin token)',
        description:
          "Validated with the extension's presets schema. The document's `version` must be higher than the " +
          'active one. On any refusal the active version stays in use.',
        security,
        requestBody: { required: true, content: { 'application/json': { schema: ref('Presets') } } },
        responses: {
          '200': json(ref('Presets'), 'Stored and now active.', { ETag: header('Strong ETag of the exact bytes.') }),
          '400': problem('The body is not JSON.', ['not-json', 'presets-malformed']),
          ...unauthorized,
          ...adminOnly,
          '409': problem('`version` is not higher than the active version.', ['presets-version-stale']),
          '413': problem('The document is too large.', ['too-large']),
          ...invalid('presets-invalid'),
        },
      },
    },
    '/diagnostics': {
      post: {
        summary: "Send this browser's detector health counts, and maybe a page skeleton",
        description:
          'Counts only, never page content (docs/records-api.md § Diagnostics). The counts are totals: they replace ' +
          'what the same user and reporter sent before, so a retry never adds. Any token may send.',
        security,
        requestBody: { required: true, content: { 'application/json': { schema: ref('Diagnostics') } } },
        responses: {
          '200': json(
            {
              type: 'object',
              required: ['accepted'],
              properties: {
                accepted: { type: 'integer', minimum: 0 },
                skeleton: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } },
              },
            },
            'Stored.',
          ),
          '400': problem('The body is not JSON.', ['not-json']),
          ...unauthorized,
          '413': problem('The body is too large.', ['too-large']),
          ...invalid('diagnostics-invalid'),
        },
      },
      get: {
        summary: 'Which detector fails on which app, since when, for how many users (admin token)',
        security,
        responses: {
          '200': json(ref('DiagnosticsReport'), 'Most recently seen first; skeletons newest first.'),
          ...unauthorized,
          ...adminOnly,
        },
      },
    },
    '/diagnostics/skeletons/{id}': {
      get: {
        summary: 'Download a page skeleton (admin token)',
        security,
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'The skeleton id.' },
        ],
        responses: {
          '200': {
            description: 'The skeleton file, as an attachment.',
            content: { 'text/html': { schema: { type: 'string' } } },
          },
          ...unauthorized,
          ...adminOnly,
          '404': problem('No such skeleton.', ['not-found']),
        },
      },
    },
  },
} as const;
