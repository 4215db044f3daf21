import * as v from 'valibot';
import type { ContentEntry, DeclaredRecord, Receipt } from '../../records/record';
import { identityProperties, validMapping } from '../alfresco/mapping';
import {
  type Connector,
  type ConnectorDeps,
  ConnectorError,
  type ConnectorErrorKind,
  type Json,
  type PartSource,
  type ProbeResult,
} from '../connector';
import { parseRetryAfter } from '../http';
import { formBody, type MultipartEntry, rangeSlices, sliceBody } from '../multipart';
import { digestOfBody, readBackMismatch } from '../read-back';
import {
  CMIS_CONNECTOR_ID,
  type CmisFolderRef,
  type CmisMapping,
  cmisPlacement,
  cmisProperties,
  parseCmisMapping,
} from './mapping';

/**
 * The CMIS 1.1 browser binding connector (docs/connectors/cmis.md). Section numbers refer to the OASIS standard,
 * Content Management Interoperability Services (CMIS) Version 1.1, 23 May 2013 ("CMIS 1.1 §").
 *
 * Each part of a record becomes one document in the folder its category is mapped to, created with
 * `createDocument` (§ 2.2.4.1; browser binding action `createDocument`) with succinct properties (§ 5.2.11). Its name carries the
 * record id, so the object path identifies it; where the repository offers our secondary type (§ 2.1.9, probed),
 * the document also carries our properties and is looked up by a query on the record id (§ 2.2.6.1). Either way a
 * document is looked up before it is created. Parts larger than one request are sent by `appendContentStream`
 * (§ 2.2.4.19), which is not idempotent: the stream length is read again before continuing a part. A versionable
 * type is created checked out and checked in as a major version (§ 2.2.7.3). Plain `fetch`, so it runs in a
 * service worker (the npm `cmis` package needs `window`).
 */

export { CMIS_CONNECTOR_ID };
/** The password's name in the credential store (scoped to the connector by the background: `cmis/password`). */
export const CMIS_PASSWORD = 'password';

export interface CmisSettings {
  /** The browser binding's service URL (it answers the list of repositories and their infos). */
  serviceUrl: string;
  /** Which repository of the service; the first one when absent. */
  repositoryId?: string | undefined;
  username: string;
  /** After filing, read each document back and hash it. */
  deepVerification?: boolean | undefined;
  /** Parts above this size go in pieces of this size by appendContentStream (default 8 MB). */
  chunkBytes?: number | undefined;
  /** Secondary type ids to try for our properties, in order (Alfresco shows its aspects as P:<aspect>). */
  secondaryTypes?: string[] | undefined;
  timeoutMs?: number | undefined;
}

const DEFAULT_CHUNK = 8 * 1024 * 1024;

/** The browser binding's exception object (§ 5.2.10): `exception` names one of § 2.2.1.4's exceptions. */
const ExceptionBody = v.object({ exception: v.string(), message: v.optional(v.string()) });

const RepositoryInfo = v.object({
  repositoryId: v.string(),
  repositoryUrl: v.string(),
  rootFolderUrl: v.string(),
  cmisVersionSupported: v.optional(v.string()),
  productName: v.optional(v.string()),
  capabilities: v.optional(
    v.object({
      capabilityQuery: v.optional(v.string()),
      capabilityContentStreamUpdatability: v.optional(v.string()),
      capabilityPWCSearchable: v.optional(v.boolean()),
    }),
  ),
});
type RepositoryInfo = v.InferOutput<typeof RepositoryInfo>;

const PropertyDefinition = v.object({ id: v.string(), queryName: v.optional(v.string()) });
const TypeDefinition = v.object({
  id: v.string(),
  baseId: v.string(),
  queryName: v.optional(v.string()),
  queryable: v.optional(v.boolean()),
  versionable: v.optional(v.boolean()),
  propertyDefinitions: v.optional(v.record(v.string(), PropertyDefinition)),
});

const Succinct = v.object({ succinctProperties: v.record(v.string(), v.unknown()) });
type CmisObject = Record<string, unknown>;
/** An object as getObject answers it: its properties, and the allowable actions when they were asked for. */
const ObjectAnswer = v.object({
  succinctProperties: v.record(v.string(), v.unknown()),
  allowableActions: v.optional(v.record(v.string(), v.boolean())),
});
const QueryResults = v.object({
  results: v.array(Succinct),
  hasMoreItems: v.optional(v.boolean()),
});

/** What the probe learned about the repository, kept for the connector's life. */
interface Session {
  repository: RepositoryInfo;
  documentType: { id: string; versionable: boolean };
  /** Our secondary type and its property query names, when the repository offers it. */
  secondary?: { id: string; queryName: string; recordId: string } | undefined;
}

const TargetSchema = v.object({ folderId: v.string(), path: v.optional(v.string()), label: v.string() });
type Target = v.InferOutput<typeof TargetSchema>;
const CheckpointSchema = v.object({ objectId: v.string(), pwc: v.boolean() });
const RefSchema = v.object({ objectId: v.string(), name: v.string(), size: v.number(), created: v.string() });
type Ref = v.InferOutput<typeof RefSchema>;
const CommittedSchema = v.object({ parts: v.array(RefSchema) });

/** The exception names of § 2.2.1.4 as the seam's error kinds. */
const EXCEPTION_KINDS: Record<string, ConnectorErrorKind> = {
  invalidArgument: 'permanent',
  objectNotFound: 'permanent',
  permissionDenied: 'permanent',
  notSupported: 'unsupported',
  runtime: 'retryable',
  constraint: 'permanent',
  contentAlreadyExists: 'conflict',
  filterNotValid: 'permanent',
  nameConstraintViolation: 'exists',
  storage: 'retryable',
  streamNotSupported: 'unsupported',
  updateConflict: 'conflict',
  versioning: 'conflict',
};

/** A failed answer as the seam's error kinds, from the exception JSON when there is one (§ 5.2.10). */
export async function cmisFailure(response: Response, doing: string, now: number): Promise<ConnectorError> {
  const { status } = response;
  const text = await response.text().catch(() => '');
  let exception: string | undefined;
  let message = text.replace(/\s+/g, ' ').trim().slice(0, 200) || response.statusText;
  try {
    const parsed = v.safeParse(ExceptionBody, JSON.parse(text));
    if (parsed.success) {
      exception = parsed.output.exception;
      message = parsed.output.message ?? exception;
    }
  } catch {
    // Not the binding's JSON (a proxy's page): the status decides.
  }
  const said = `${exception ? `${exception}: ` : ''}${message}`;
  if (status === 401) {
    return new ConnectorError(`The repository refused the sign-in while ${doing}: ${said}`, 'auth', {
      status,
      interactive: true,
    });
  }
  if (status === 429 || status === 503) {
    return new ConnectorError(`The repository is busy (${status}) while ${doing}: ${said}`, 'throttled', {
      status,
      retryAfterMs: parseRetryAfter(response.headers.get('Retry-After'), now),
    });
  }
  const kind =
    (exception && EXCEPTION_KINDS[exception]) || (status >= 500 || status === 408 ? 'retryable' : 'permanent');
  return new ConnectorError(`The repository refused ${doing} (${status}): ${said}`, kind, { status });
}

/** The document name: the part's own, with the record id before the extension, so that its path identifies it. */
export function documentName(entry: ContentEntry, recordId: string): string {
  const name = entry.name.replace(/[\\/\0]/g, '_');
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)} [${recordId}]${name.slice(dot)}` : `${name} [${recordId}]`;
}

export function createCmisConnector(settings: CmisSettings, deps: ConnectorDeps): Connector {
  const mappingResult = parseCmisMapping(deps.mapping);
  const chunkBytes = settings.chunkBytes ?? DEFAULT_CHUNK;
  let session: Session | undefined;
  const folders = new Map<string, Target>();

  const mapping = (): CmisMapping => validMapping(mappingResult, 'CMIS');

  async function authorization(): Promise<string> {
    const password = await deps.credentials.get(CMIS_PASSWORD);
    if (!password) {
      throw new ConnectorError('No password is stored for the CMIS repository: enter it in the options page.', 'auth', {
        interactive: true,
      });
    }
    const bytes = new TextEncoder().encode(`${settings.username}:${password}`);
    return `Basic ${btoa(String.fromCharCode(...bytes))}`;
  }

  async function call(
    url: string | URL,
    doing: string,
    init: RequestInit = {},
    accept: number[] = [],
  ): Promise<Response> {
    let response: Response;
    try {
      response = await deps.fetch(url, {
        ...init,
        headers: { Authorization: await authorization(), Accept: 'application/json', ...(init.headers ?? {}) },
        signal: AbortSignal.timeout(settings.timeoutMs ?? 120_000),
      });
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConnectorError(`Could not reach the repository while ${doing}: ${reason}`, 'retryable', {
        cause: error,
      });
    }
    if (response.ok || accept.includes(response.status)) return response;
    throw await cmisFailure(response, doing, deps.now());
  }

  async function json<T>(schema: v.GenericSchema<unknown, T>, response: Response, doing: string): Promise<T> {
    const parsed = v.safeParse(schema, await response.json().catch(() => undefined));
    if (!parsed.success) {
      throw new ConnectorError(
        `The repository's answer to ${doing} is not what the browser binding describes.`,
        'retryable',
        {
          status: response.status,
        },
      );
    }
    return parsed.output;
  }

  async function typeDefinition(repository: RepositoryInfo, typeId: string) {
    const url = new URL(repository.repositoryUrl);
    url.searchParams.set('cmisselector', 'typeDefinition');
    url.searchParams.set('typeId', typeId);
    const response = await call(url, `reading type ${typeId}`, {}, [404]);
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    return json(TypeDefinition, response, `reading type ${typeId}`);
  }

  /** Repository info at the service URL (§ 2.2.2.1 getRepositories; browser binding "Service URL"), types probed. */
  async function connect(): Promise<Session> {
    if (session) return session;
    const response = await call(settings.serviceUrl, 'reading the repositories');
    const repositories = await json(v.record(v.string(), RepositoryInfo), response, 'reading the repositories');
    const repository = settings.repositoryId ? repositories[settings.repositoryId] : Object.values(repositories)[0];
    if (!repository) {
      throw new ConnectorError(
        settings.repositoryId
          ? `The service has no repository ${settings.repositoryId}; it has ${Object.keys(repositories).join(', ') || 'none'}.`
          : 'The service lists no repository.',
        'permanent',
      );
    }
    const documentTypeId = mapping().documentType;
    const docType = await typeDefinition(repository, documentTypeId);
    if (docType?.baseId !== 'cmis:document') {
      throw new ConnectorError(`The repository has no document type ${documentTypeId}.`, 'permanent');
    }
    let secondary: Session['secondary'];
    for (const id of settings.secondaryTypes ?? ['P:rk:identity', 'rk:identity']) {
      const type = await typeDefinition(repository, id);
      if (type?.baseId !== 'cmis:secondary') continue;
      const recordIdDef = type.propertyDefinitions?.['rk:recordId'];
      if (!recordIdDef) continue;
      const queryable = type.queryable !== false && (repository.capabilities?.capabilityQuery ?? 'none') !== 'none';
      secondary = queryable
        ? { id: type.id, queryName: type.queryName ?? type.id, recordId: recordIdDef.queryName ?? 'rk:recordId' }
        : { id: type.id, queryName: '', recordId: '' };
      break;
    }
    session = { repository, documentType: { id: docType.id, versionable: docType.versionable === true }, secondary };
    return session;
  }

  function objectUrl(s: Session, params: Record<string, string>): URL {
    const url = new URL(s.repository.rootFolderUrl);
    for (const [k, val] of Object.entries(params)) url.searchParams.set(k, val);
    return url;
  }

  /**
   * One object in succinct form (getObject, § 2.2.4.7; by path, getObjectByPath § 2.2.4.9: the path below the root
   * folder URL), with the user's allowable actions when asked (§ 2.2.1.2.6); undefined when it does not exist.
   */
  async function fetchObject(
    url: URL,
    doing: string,
    withActions = false,
  ): Promise<{ properties: CmisObject; actions?: Record<string, boolean> | undefined } | undefined> {
    url.searchParams.set('cmisselector', 'object');
    url.searchParams.set('succinct', 'true');
    if (withActions) url.searchParams.set('includeAllowableActions', 'true');
    const response = await call(url, doing, {}, [404]);
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    const answer = await json(ObjectAnswer, response, doing);
    return { properties: answer.succinctProperties, actions: answer.allowableActions };
  }

  async function getObject(s: Session, objectId: string, doing: string): Promise<CmisObject | undefined> {
    return (await fetchObject(objectUrl(s, { objectId }), doing))?.properties;
  }

  function pathUrl(s: Session, path: string): URL {
    return new URL(
      `${s.repository.rootFolderUrl.replace(/\/$/, '')}${path.split('/').map(encodeURIComponent).join('/')}`,
    );
  }

  async function objectByPath(s: Session, path: string, doing: string): Promise<CmisObject | undefined> {
    return (await fetchObject(pathUrl(s, path), doing))?.properties;
  }

  /** The folder a mapping entry names, checked: it exists, is a folder, and the user may create documents in it. */
  async function resolveFolder(s: Session, ref: CmisFolderRef, label: string): Promise<Target> {
    const key = 'folderId' in ref ? `id:${ref.folderId}` : `path:${ref.path}`;
    const cached = folders.get(key);
    if (cached) return cached;
    const doing = `reading the folder for ${label}`;
    const found = await fetchObject(
      'folderId' in ref ? objectUrl(s, { objectId: ref.folderId }) : pathUrl(s, ref.path),
      doing,
      true,
    );
    const where = 'folderId' in ref ? `object ${ref.folderId}` : ref.path;
    if (!found)
      throw new ConnectorError(
        `The folder mapped to ${label} (${where}) does not exist in the repository.`,
        'permanent',
      );
    const folder = found.properties;
    if (folder['cmis:baseTypeId'] !== 'cmis:folder') {
      throw new ConnectorError(`What is mapped to ${label} (${where}) is not a folder.`, 'permanent');
    }
    const path = typeof folder['cmis:path'] === 'string' ? folder['cmis:path'] : undefined;
    if (found.actions?.canCreateDocument === false) {
      throw new ConnectorError(
        `The repository user ${settings.username} may not create documents in ${path ?? where} (mapped to ${label}): give it write permission on that folder.`,
        'permanent',
        { status: 403 },
      );
    }
    const target: Target = { folderId: String(folder['cmis:objectId']), path, label: `${label} → ${path ?? where}` };
    folders.set(key, target);
    return target;
  }

  /** The documents of a record already in the repository, by part index. */
  async function lookup(s: Session, record: DeclaredRecord, target: Target): Promise<Map<number, CmisObject>> {
    const found = new Map<number, CmisObject>();
    if (s.secondary?.queryName) {
      if (!/^[0-9a-f-]{36}$/.test(record.id)) throw new ConnectorError('The record id is not a UUID.', 'permanent');
      const form = new URLSearchParams({
        cmisaction: 'query',
        statement: `SELECT cmis:objectId, rk:partIndex FROM ${s.secondary.queryName} WHERE ${s.secondary.recordId} = '${record.id}'`,
        searchAllVersions: 'false',
        succinct: 'true',
      });
      const response = await call(s.repository.repositoryUrl, 'looking for the record', { method: 'POST', body: form });
      const results = await json(QueryResults, response, 'looking for the record');
      for (const row of results.results) {
        const index = Number(row.succinctProperties['rk:partIndex']);
        const id = row.succinctProperties['cmis:objectId'];
        if (!Number.isInteger(index) || typeof id !== 'string' || found.has(index)) continue;
        const object = await getObject(s, id, 'reading a found part');
        if (object) found.set(index, object);
      }
    }
    // The path finds what the query cannot: documents of a repository without our type, or not yet indexed.
    const folderPath = target.path;
    for (const [index, entry] of record.content.entries()) {
      if (found.has(index) || !folderPath) continue;
      const object = await objectByPath(s, `${folderPath}/${documentName(entry, record.id)}`, 'looking for the record');
      if (object) found.set(index, object);
    }
    return found;
  }

  function propertyControls(form: MultipartEntry[], properties: Record<string, string | string[]>) {
    // Properties as the browser binding's form controls propertyId[n] / propertyValue[n], multi-valued ones as
    // propertyValue[n][m]; arrays start at 0 and have no gaps (browser binding, "Structured and Array Parameters").
    let n = 0;
    for (const [id, value] of Object.entries(properties)) {
      form.push({ name: `propertyId[${n}]`, value: id });
      if (Array.isArray(value)) {
        for (const [m, item] of value.entries()) form.push({ name: `propertyValue[${n}][${m}]`, value: item });
      } else form.push({ name: `propertyValue[${n}]`, value });
      n += 1;
    }
  }

  /** Bytes [from, to) of a part: a view of the chunk when they lie in one chunk in memory, else a Blob of slices. */
  async function readRange(part: PartSource, from: number, to: number): Promise<Uint8Array<ArrayBuffer> | Blob> {
    return sliceBody(await rangeSlices(part, from, to));
  }

  function lengthOf(object: CmisObject): number {
    const length = Number(object['cmis:contentStreamLength'] ?? 0);
    return Number.isFinite(length) ? length : 0;
  }

  /** Reads a part back and hashes it as it streams. */
  async function digestOf(s: Session, objectId: string): Promise<{ sha256: string; size: number }> {
    const response = await call(objectUrl(s, { objectId, cmisselector: 'content' }), 'reading a document back');
    return digestOfBody(response.body);
  }

  function refOf(object: CmisObject, fallbackName: string): Ref {
    return {
      objectId: String(object['cmis:objectId']),
      name: typeof object['cmis:name'] === 'string' ? object['cmis:name'] : fallbackName,
      size: lengthOf(object),
      created:
        typeof object['cmis:creationDate'] === 'number'
          ? new Date(object['cmis:creationDate']).toISOString()
          : new Date(deps.now()).toISOString(),
    };
  }

  const lookups = new Map<string, Map<number, CmisObject>>();

  return {
    id: CMIS_CONNECTOR_ID,

    describe: () => ({
      maxSinglePartBytes: chunkBytes,
      resumableParts: true,
      digest: 'none',
      existing: 'property-query',
      declaration: 'on-create',
      findsBySource: false,
      servesPresets: false,
    }),

    async probe(): Promise<ProbeResult> {
      if (!settings.serviceUrl || !settings.username) {
        return {
          ok: false,
          kind: 'not-configured',
          detail: 'Enter the browser binding service URL and the user name.',
        };
      }
      if (!(await deps.credentials.get(CMIS_PASSWORD))) {
        return { ok: false, kind: 'not-configured', detail: 'Enter the password of the repository user.' };
      }
      session = undefined;
      folders.clear();
      let s: Session;
      try {
        s = await connect();
      } catch (error) {
        return probeFailure(error, 'connect', settings.username);
      }
      try {
        const map = mapping();
        for (const [categoryId, ref] of Object.entries(map.categories))
          await resolveFolder(s, ref, `category ${categoryId}`);
        if (map.unmapped) await resolveFolder(s, map.unmapped, 'unmapped categories');
      } catch (error) {
        return probeFailure(error, 'folders', settings.username);
      }
      const notes = [
        `${s.repository.productName ?? 'Repository'} ${s.repository.repositoryId}, CMIS ${s.repository.cmisVersionSupported ?? '?'}.`,
      ];
      if (!s.secondary) {
        notes.push(
          'The secondary type rk:identity is not installed: documents are found again by their path only, and carry no Recordkeeper properties (see the admin guide).',
        );
      } else if (!s.secondary.queryName) {
        notes.push('The repository cannot query rk:identity: documents are found again by their path.');
      }
      if (s.repository.capabilities?.capabilityContentStreamUpdatability === 'none') {
        notes.push(`The repository cannot append content: parts over ${chunkBytes} bytes will be refused.`);
      }
      return { ok: true, user: settings.username, detail: notes.join(' ') };
    },

    async resolveTarget(record) {
      const s = await connect();
      const placement = cmisPlacement(record, mapping());
      if ('refused' in placement) throw new ConnectorError(placement.refused, 'permanent');
      return (await resolveFolder(s, placement.ref, placement.label)) as unknown as Json;
    },

    async findExisting(record, targetJson) {
      const s = await connect();
      const target = v.parse(TargetSchema, targetJson);
      const found = await lookup(s, record, target);
      lookups.set(record.id, found);
      if (lookups.size > 64) lookups.clear();
      const parts: Ref[] = [];
      for (const [index, entry] of record.content.entries()) {
        const object = found.get(index);
        // A document still being appended to, or still checked out, is not finished: sendPart carries on with it.
        if (!object || lengthOf(object) !== entry.size || object['cmis:isPrivateWorkingCopy'] === true)
          return undefined;
        parts.push(refOf(object, entry.name));
      }
      return { parts } as unknown as Json;
    },

    async sendPart({ record, target: targetJson, entry, part, checkpoint, save }) {
      const s = await connect();
      const target = v.parse(TargetSchema, targetJson);
      const name = documentName(entry, record.id);
      const versionable = s.documentType.versionable;
      let objectId: string;
      let pwc: boolean;
      let length: number;
      const saved = v.safeParse(CheckpointSchema, checkpoint);
      const known = saved.success
        ? undefined
        : (lookups.get(record.id) ?? (await lookup(s, record, target))).get(part.index);
      if (saved.success || known) {
        // Resuming: re-read what the repository holds, since an append whose answer was lost may have landed.
        objectId = saved.success ? saved.output.objectId : String(known!['cmis:objectId']);
        const object = await getObject(s, objectId, `reading part ${part.index + 1} again`);
        if (!object) {
          throw new ConnectorError(
            `Part ${part.index + 1} (${name}) vanished from the repository while it was being sent.`,
            'conflict',
          );
        }
        pwc = object['cmis:isPrivateWorkingCopy'] === true;
        length = lengthOf(object);
        if (!pwc && length === entry.size) return refOf(object, name) as unknown as Json;
      } else {
        // createDocument with the first piece (or all of a small part) as its content (§ 2.2.4.1).
        const first = Math.min(entry.size, chunkBytes);
        const large = entry.size > chunkBytes;
        const form: MultipartEntry[] = [
          { name: 'cmisaction', value: 'createDocument' },
          { name: 'succinct', value: 'true' },
          // versioningState (§ 2.2.4.1.1): a versionable type is created as a major version, or checked out when
          // more pieces follow; "none" is the only state a non-versionable type accepts.
          { name: 'versioningState', value: versionable ? (large ? 'checkedout' : 'major') : 'none' },
        ];
        const properties: Record<string, string | string[]> = {
          'cmis:objectTypeId': s.documentType.id,
          'cmis:name': name,
          ...cmisProperties(record, mapping()),
        };
        if (s.secondary) {
          properties['cmis:secondaryObjectTypeIds'] = [s.secondary.id];
          Object.assign(properties, identityProperties(record, entry, part.index));
        }
        propertyControls(form, properties);
        form.push({ name: 'content', filename: name, type: '', bytes: await readRange(part, 0, first) });
        const url = objectUrl(s, { objectId: target.folderId });
        let created: CmisObject;
        try {
          const response = await call(url, `filing part ${part.index + 1} of "${record.title}" in ${target.label}`, {
            method: 'POST',
            ...formBody(form),
          });
          created = (await json(Succinct, response, 'filing a part')).succinctProperties;
        } catch (error) {
          // The name, which holds the record id, is taken: a create whose answer was lost landed after the lookup
          // (Chromium resends a request whose reused connection closed before any answer, HttpNetworkTransaction's
          // ShouldResendRequest). Ours is found again by the query or the path and carried on with, never doubled.
          if (!(error instanceof ConnectorError) || error.kind !== 'exists') throw error;
          const again = await lookup(s, record, target);
          lookups.set(record.id, again);
          const mine = again.get(part.index);
          if (!mine) throw error;
          created = mine;
        }
        objectId = String(created['cmis:objectId']);
        pwc = created['cmis:isPrivateWorkingCopy'] === true;
        length = lengthOf(created);
        if (!large) {
          if (length !== entry.size) {
            throw new ConnectorError(
              `The repository stored part ${part.index + 1} as ${length} bytes, not ${entry.size}.`,
              'conflict',
            );
          }
          return refOf(created, name) as unknown as Json;
        }
        await save({ objectId, pwc });
      }
      // appendContentStream, piece by piece (§ 2.2.4.19; browser binding action appendContent with isLastChunk).
      if (length > entry.size) {
        throw new ConnectorError(
          `The repository holds ${length} bytes of part ${part.index + 1}, more than its ${entry.size}.`,
          'conflict',
        );
      }
      while (length < entry.size) {
        const end = Math.min(entry.size, length + chunkBytes);
        const form: MultipartEntry[] = [
          { name: 'cmisaction', value: 'appendContent' },
          { name: 'succinct', value: 'true' },
          { name: 'isLastChunk', value: end === entry.size ? 'true' : 'false' },
          { name: 'content', filename: name, type: '', bytes: await readRange(part, length, end) },
        ];
        const response = await call(objectUrl(s, { objectId }), `appending to part ${part.index + 1}`, {
          method: 'POST',
          ...formBody(form),
        });
        const object = (await json(Succinct, response, 'appending')).succinctProperties;
        const now = lengthOf(object);
        if (now !== end) {
          throw new ConnectorError(
            `After an append the repository holds ${now} bytes of part ${part.index + 1}, not ${end}.`,
            'retryable',
          );
        }
        length = now;
        await save({ objectId, pwc });
      }
      if (pwc) {
        // checkIn as a major version (§ 2.2.7.3); the checked-in version has an id of its own.
        const form: MultipartEntry[] = [
          { name: 'cmisaction', value: 'checkIn' },
          { name: 'succinct', value: 'true' },
          { name: 'major', value: 'true' },
          { name: 'checkinComment', value: `Recordkeeper ${record.id}` },
        ];
        const response = await call(objectUrl(s, { objectId }), `checking in part ${part.index + 1}`, {
          method: 'POST',
          ...formBody(form),
        });
        const object = (await json(Succinct, response, 'checking in')).succinctProperties;
        return refOf(object, name) as unknown as Json;
      }
      const object = await getObject(s, objectId, `reading part ${part.index + 1}`);
      if (!object) throw new ConnectorError(`Part ${part.index + 1} vanished from the repository.`, 'conflict');
      return refOf(object, name) as unknown as Json;
    },

    async commit({ record, refs }) {
      lookups.delete(record.id);
      return { parts: refs.map((ref) => v.parse(RefSchema, ref)) } as unknown as Json;
    },

    async finalize(record, _target, committedJson): Promise<Receipt> {
      const s = await connect();
      const committed = v.parse(CommittedSchema, committedJson);
      const content: Receipt['content'] = [];
      for (const [index, entry] of record.content.entries()) {
        const ref = committed.parts[index];
        if (!ref) throw new ConnectorError(`The outbox lost part ${index + 1} of the filing.`, 'permanent');
        const read = settings.deepVerification ? await digestOf(s, ref.objectId) : undefined;
        content.push({ name: ref.name, size: read?.size ?? ref.size, sha256: read?.sha256 ?? entry.sha256 });
      }
      const primary =
        committed.parts[
          Math.max(
            0,
            record.content.findIndex((e) => e.role === 'primary'),
          )
        ]!;
      return {
        id: record.id,
        url: objectUrl(s, { objectId: primary.objectId, cmisselector: 'object' }).href,
        receivedAt: primary.created,
        content,
      };
    },

    verify: async (record, receipt) => readBackMismatch(record, receipt, 'the repository'),
  };
}

/** A failure of the connection test as the step an administrator must take. */
function probeFailure(error: unknown, step: 'connect' | 'folders', username: string): ProbeResult {
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof ConnectorError)) return { ok: false, kind: 'server-error', detail: message };
  if (error.kind === 'auth') {
    return {
      ok: false,
      kind: 'auth',
      detail: `The repository refused the user name or password of ${username}: enter them again and Save. (${message})`,
    };
  }
  if (error.status === undefined && error.kind === 'retryable')
    return { ok: false, kind: 'unreachable', detail: message };
  if (error.status !== undefined && error.status >= 500) return { ok: false, kind: 'server-error', detail: message };
  if (
    step === 'connect' &&
    error.status !== undefined &&
    (error.kind === 'retryable' || error.status === 404 || error.status === 405)
  ) {
    return {
      ok: false,
      kind: 'wrong-service',
      detail: `This address does not answer as a CMIS 1.1 browser binding (${message}). Check the service URL: Alfresco's ends in /alfresco/api/-default-/public/cmis/versions/1.1/browser, Nuxeo's in /nuxeo/json/cmis.`,
    };
  }
  if (error.status === 403) return { ok: false, kind: 'forbidden', detail: message };
  return { ok: false, kind: 'setup', detail: message };
}
