/**
 * A fake CMIS 1.1 repository speaking the browser binding, on loopback, for the CMIS connector's tests and bench.
 * Each behaviour names the section of the OASIS standard (Content Management Interoperability Services Version 1.1,
 * 23 May 2013, "§") or the Apache Chemistry OpenCMIS source it encodes. There is no OpenAPI for CMIS: the fake
 * checks requests against the binding's rules itself (known actions and selectors, gapless property arrays,
 * multipart when content is attached) and keeps what breaks them in `violations`, which the tests require empty.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';
import { answerCors } from '../alfresco/cors.ts';

export interface CmisFakeObject {
  id: string;
  baseTypeId: 'cmis:folder' | 'cmis:document';
  typeId: string;
  name: string;
  parentId?: string | undefined;
  secondary: string[];
  properties: Record<string, unknown>;
  content?: Buffer;
  mimeType?: string;
  created: number;
  /** Versioning (§ 2.1.13): the series, the label, whether this is the private working copy. */
  versionSeriesId?: string;
  versionLabel?: string;
  isPwc?: boolean;
  isLatest?: boolean;
}

export type CmisFault = { status: number; exception: string } | { drop: 'after' } | { drop: 'before' };

export interface CmisFakeOptions {
  versionable?: boolean;
  /** Whether the secondary type P:rk:identity is defined (Alfresco shows the rk:identity aspect so). */
  secondaryType?: boolean;
  users?: Record<string, string>;
  /**
   * Answer cross-origin requests from this origin, as Alfresco's documented CORS filter does for its CMIS browser
   * binding too (mapped to /api/* and /cmisbrowser/*; tests/fakes/alfresco/cors.ts), for browser tests.
   */
  corsOrigin?: string;
}

/** The actions and selectors of the browser binding (OpenCMIS Constants.java, CMISACTION_* and SELECTOR_*). */
const ACTIONS = new Set([
  'createDocument',
  'appendContent',
  'checkIn',
  'query',
  'createFolder',
  'setContent',
  'update',
  'delete',
  'checkOut',
  'cancelCheckOut',
]);
const SELECTORS = new Set([
  'repositoryInfo',
  'typeDefinition',
  'object',
  'content',
  'children',
  'properties',
  'checkedout',
]);

export class CmisFake {
  readonly objects = new Map<string, CmisFakeObject>();
  readonly violations: string[] = [];
  readonly log: { method: string; action: string; status: number }[] = [];
  readonly repositoryId = 'A1';
  /** Folders the user may read but not file into (their ACL grants cmis:read only). */
  readonly readOnlyFolders = new Set<string>();
  readonly rootId = '100';
  url = '';
  private server?: Server;
  private next = 1000;
  private readonly faults: { action: string; fault: CmisFault; times: number }[] = [];
  private readonly versionable: boolean;
  private readonly secondaryType: boolean;
  private readonly users: Record<string, string>;
  private readonly corsOrigin: string | undefined;

  private constructor(options: CmisFakeOptions) {
    this.versionable = options.versionable ?? false;
    this.secondaryType = options.secondaryType ?? true;
    this.users = options.users ?? { recorder: 'secret' };
    this.corsOrigin = options.corsOrigin;
    this.objects.set(this.rootId, {
      id: this.rootId,
      baseTypeId: 'cmis:folder',
      typeId: 'cmis:folder',
      name: '',
      secondary: [],
      properties: {},
      created: Date.now(),
    });
  }

  static async start(options: CmisFakeOptions = {}): Promise<CmisFake> {
    const fake = new CmisFake(options);
    fake.server = createServer((req, res) => {
      fake.handle(req, res).catch((error: unknown) => {
        fake.violations.push(`fake crashed on ${req.method} ${req.url}: ${String(error)}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => fake.server!.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}/cmis/browser`;
    return fake;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  get serviceUrl(): string {
    return this.url;
  }

  addFolder(path: string): string {
    let parent = this.rootId;
    for (const name of path.split('/').filter(Boolean)) {
      const existing = this.childrenOf(parent).find((c) => c.name === name);
      if (existing) {
        parent = existing.id;
        continue;
      }
      const id = String(this.next++);
      this.objects.set(id, {
        id,
        baseTypeId: 'cmis:folder',
        typeId: 'cmis:folder',
        name,
        parentId: parent,
        secondary: [],
        properties: {},
        created: Date.now(),
      });
      parent = id;
    }
    return parent;
  }

  /** The user may see the folder at `path` but not create documents in it. */
  denyFiling(path: string): void {
    this.readOnlyFolders.add(this.addFolder(path));
  }

  /** Documents that are the current version (what a user sees in the folder). */
  documents(): CmisFakeObject[] {
    return [...this.objects.values()].filter((o) => o.baseTypeId === 'cmis:document' && o.isLatest !== false);
  }

  failNext(action: string, fault: CmisFault, times = 1): void {
    this.faults.push({ action, fault, times });
  }

  private childrenOf(id: string): CmisFakeObject[] {
    return [...this.objects.values()].filter((o) => o.parentId === id && o.isLatest !== false);
  }

  private pathOf(object: CmisFakeObject): string {
    const names: string[] = [];
    for (
      let o: CmisFakeObject | undefined = object;
      o && o.id !== this.rootId;
      o = o.parentId ? this.objects.get(o.parentId) : undefined
    ) {
      names.unshift(o.name);
    }
    return `/${names.join('/')}`;
  }

  // ── plumbing ─────────────────────────────────────────────────────────────────────────────────────────

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.corsOrigin && answerCors(req, res, this.corsOrigin)) return;
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const form = method === 'POST' ? await readForm(req) : undefined;
    const action = form?.fields.cmisaction ?? url.searchParams.get('cmisselector') ?? '(service)';
    const faultIndex = this.faults.findIndex((f) => f.action === action);
    const fault = faultIndex === -1 ? undefined : this.faults[faultIndex]!.fault;
    if (faultIndex !== -1 && --this.faults[faultIndex]!.times <= 0) this.faults.splice(faultIndex, 1);
    if (fault && 'drop' in fault && fault.drop === 'before') {
      this.log.push({ method, action, status: 0 });
      req.socket.destroy();
      return;
    }
    if (!this.authenticated(req)) {
      // HTTP authentication precedes CMIS: a missing or wrong password is a plain 401.
      return this.send(res, method, action, 401, { exception: 'permissionDenied', message: 'Unauthorized' });
    }
    if (fault && 'status' in fault)
      return this.send(res, method, action, fault.status, { exception: fault.exception, message: 'Injected failure' });
    let answer: Answer;
    try {
      answer = this.route(method, url, form);
    } catch (error) {
      if (error instanceof CmisException)
        answer = { status: error.status, json: { exception: error.exception, message: error.message } };
      else throw error;
    }
    if (fault && 'drop' in fault && fault.drop === 'after') {
      this.log.push({ method, action, status: -answer.status });
      req.socket.destroy();
      return;
    }
    if (answer.bytes) {
      this.log.push({ method, action, status: answer.status });
      res.writeHead(answer.status, { 'Content-Type': 'application/octet-stream' }).end(answer.bytes);
      return;
    }
    this.send(res, method, action, answer.status, answer.json);
  }

  private send(res: ServerResponse, method: string, action: string, status: number, json: unknown) {
    this.log.push({ method, action, status });
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(json));
  }

  private authenticated(req: IncomingMessage): boolean {
    const m = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (!m) return false;
    const [user, ...rest] = Buffer.from(m[1]!, 'base64').toString().split(':');
    return this.users[user!] === rest.join(':');
  }

  // ── the binding ──────────────────────────────────────────────────────────────────────────────────────

  private route(method: string, url: URL, form: Form | undefined): Answer {
    const base = '/cmis/browser';
    if (!url.pathname.startsWith(base)) throw new CmisException(404, 'objectNotFound', 'No such service');
    const rest = url.pathname.slice(base.length).split('/').filter(Boolean).map(decodeURIComponent);
    if (rest.length === 0) return { status: 200, json: { [this.repositoryId]: this.repositoryInfo() } };
    if (rest[0] !== this.repositoryId) throw new CmisException(404, 'objectNotFound', `Unknown repository ${rest[0]}`);
    const selector = url.searchParams.get('cmisselector');
    if (selector && !SELECTORS.has(selector)) this.violations.push(`unknown selector ${selector}`);
    if (method === 'POST') {
      const action = form!.fields.cmisaction;
      if (!action || !ACTIONS.has(action)) {
        this.violations.push(`POST without a known cmisaction (${action})`);
        throw new CmisException(400, 'invalidArgument', 'Unknown action');
      }
      this.checkPropertyControls(form!);
      if (rest.length === 1 && action === 'query') return this.query(form!);
      const target = this.objectAt(rest.slice(2), url.searchParams.get('objectId'));
      if (action === 'createDocument') return this.createDocument(target, form!);
      if (action === 'appendContent') return this.appendContent(target, form!);
      if (action === 'checkIn') return this.checkIn(target, form!);
      this.violations.push(`the fake does not implement ${action}`);
      throw new CmisException(405, 'notSupported', `${action} is not implemented by the fake`);
    }
    if (rest.length === 1) {
      if (selector === 'typeDefinition') return this.typeDefinition(url.searchParams.get('typeId') ?? '');
      return { status: 200, json: this.repositoryInfo() };
    }
    if (rest[1] !== 'root') throw new CmisException(404, 'objectNotFound', 'Not found');
    const object = this.objectAt(rest.slice(2), url.searchParams.get('objectId'));
    if (selector === 'content') {
      if (!object.content) throw new CmisException(409, 'constraint', 'The document has no content stream');
      return { status: 200, bytes: object.content };
    }
    const json = this.render(object);
    if (url.searchParams.get('includeAllowableActions') === 'true')
      return { status: 200, json: { ...json, allowableActions: this.allowableActions(object) } };
    return { status: 200, json };
  }

  /**
   * The actions the user may take on an object (§ 2.2.1.2.6, "Allowable Actions"; getObject's
   * includeAllowableActions), which the browser binding returns beside the properties as `allowableActions`
   * (OpenCMIS JSONConverter, JSON_OBJECT_ALLOWABLE_ACTIONS). Only those the connector reads are computed.
   */
  private allowableActions(object: CmisFakeObject): Record<string, boolean> {
    if (object.baseTypeId === 'cmis:folder') {
      const writable = !this.readOnlyFolders.has(object.id);
      return { canGetProperties: true, canGetChildren: true, canCreateDocument: writable, canCreateFolder: writable };
    }
    return {
      canGetProperties: true,
      canGetContentStream: true,
      canSetContentStream: object.isPwc === true || !this.versionable,
      canCheckIn: object.isPwc === true,
    };
  }

  /**
   * Repository info (§ 2.2.2.2; the JSON of the standard's example repositories-response): the URLs clients use
   * and the capabilities the connector reads.
   */
  private repositoryInfo() {
    return {
      repositoryId: this.repositoryId,
      repositoryName: 'Fake repository',
      repositoryDescription: 'Recordkeeper test repository',
      vendorName: 'Recordkeeper',
      productName: 'CMIS fake',
      productVersion: '1.0',
      rootFolderId: this.rootId,
      repositoryUrl: `${this.url}/${this.repositoryId}`,
      rootFolderUrl: `${this.url}/${this.repositoryId}/root`,
      cmisVersionSupported: '1.1',
      capabilities: {
        capabilityQuery: 'metadataonly',
        capabilityContentStreamUpdatability: this.versionable ? 'pwconly' : 'anytime',
        capabilityPWCSearchable: true,
        capabilityPWCUpdatable: true,
        capabilityJoin: 'none',
      },
      principalIdAnonymous: 'anonymous',
      principalIdAnyone: 'anyone',
    };
  }

  /** Type definitions: the document type, versionable or not, and our secondary type (§ 2.1.9). */
  private typeDefinition(typeId: string): Answer {
    if (typeId === 'cmis:document') {
      return {
        status: 200,
        json: {
          id: 'cmis:document',
          baseId: 'cmis:document',
          queryName: 'cmis:document',
          queryable: true,
          versionable: this.versionable,
          contentStreamAllowed: 'allowed',
          propertyDefinitions: {},
        },
      };
    }
    if (typeId === 'P:rk:identity' && this.secondaryType) {
      const props = [
        'rk:recordId',
        'rk:partIndex',
        'rk:partRole',
        'rk:partCount',
        'rk:sha256',
        'rk:sourceId',
        'rk:sourceUrl',
      ];
      return {
        status: 200,
        json: {
          id: 'P:rk:identity',
          baseId: 'cmis:secondary',
          queryName: 'rk:identity',
          queryable: true,
          propertyDefinitions: Object.fromEntries(props.map((id) => [id, { id, queryName: id }])),
        },
      };
    }
    throw new CmisException(404, 'objectNotFound', `Type ${typeId} does not exist`);
  }

  /** An object by id (`?objectId=`) or by path below the root folder URL (browser binding object URLs). */
  private objectAt(path: string[], objectId: string | null): CmisFakeObject {
    if (objectId) {
      const object = this.objects.get(objectId);
      if (!object) throw new CmisException(404, 'objectNotFound', `Object ${objectId} does not exist`);
      return object;
    }
    let current = this.objects.get(this.rootId)!;
    for (const name of path) {
      const next = this.childrenOf(current.id).find((c) => c.name === name);
      if (!next) throw new CmisException(404, 'objectNotFound', `Path /${path.join('/')} does not exist`);
      current = next;
    }
    return current;
  }

  /** An object in succinct form (§ 5.2.11: only `succinctProperties`), dates as milliseconds since 1970 (the binding's default date format). */
  private render(object: CmisFakeObject) {
    const props: Record<string, unknown> = {
      'cmis:objectId': object.id,
      'cmis:baseTypeId': object.baseTypeId,
      'cmis:objectTypeId': object.typeId,
      'cmis:name': object.name,
      'cmis:creationDate': object.created,
      'cmis:secondaryObjectTypeIds': object.secondary,
      ...object.properties,
    };
    if (object.baseTypeId === 'cmis:folder') props['cmis:path'] = this.pathOf(object);
    else {
      props['cmis:contentStreamLength'] = object.content?.byteLength ?? 0;
      props['cmis:contentStreamMimeType'] = object.mimeType ?? null;
      props['cmis:isPrivateWorkingCopy'] = object.isPwc === true;
      props['cmis:isLatestVersion'] = object.isLatest !== false && !object.isPwc;
      props['cmis:versionLabel'] = object.versionLabel ?? null;
      props['cmis:versionSeriesId'] = object.versionSeriesId ?? object.id;
    }
    return { succinctProperties: props };
  }

  /** Property controls must start at index 0 and have no gaps ("Structured and Array Parameters"). */
  private checkPropertyControls(form: Form) {
    const ids = Object.keys(form.fields)
      .filter((k) => /^propertyId\[\d+\]$/.test(k))
      .map((k) => Number(/\d+/.exec(k)![0]))
      .sort((a, b) => a - b);
    ids.forEach((n, i) => {
      if (n !== i) this.violations.push(`property controls are not gapless from 0: ${ids.join(',')}`);
    });
  }

  private properties(form: Form): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let n = 0; form.fields[`propertyId[${n}]`] !== undefined; n++) {
      const id = form.fields[`propertyId[${n}]`]!;
      if (form.fields[`propertyValue[${n}]`] !== undefined) out[id] = form.fields[`propertyValue[${n}]`];
      else {
        const values: string[] = [];
        for (let m = 0; form.fields[`propertyValue[${n}][${m}]`] !== undefined; m++)
          values.push(form.fields[`propertyValue[${n}][${m}]`]!);
        out[id] = values;
      }
    }
    return out;
  }

  /**
   * createDocument (§ 2.2.4.1): in the folder the URL names; cmis:name is required and must be unique in the folder
   * (nameConstraintViolation, § 2.2.1.4.2, this repository choosing not to rename); secondary type properties only
   * when the type is in cmis:secondaryObjectTypeIds (§ 2.1.9, else constraint); versioningState: "none" for a
   * non-versionable type and not "none" for a versionable one (constraint, createDocument's exceptions); "checkedout"
   * makes a private working copy (§ 2.1.13, versioning).
   */
  private createDocument(folder: CmisFakeObject, form: Form): Answer {
    if (folder.baseTypeId !== 'cmis:folder') throw new CmisException(400, 'invalidArgument', 'Not a folder');
    // permissionDenied (§ 2.2.1.4.1), which the browser binding answers with 403 (§ 5.2.10; OpenCMIS
    // AbstractBrowserServiceCall.getErrorCode).
    if (this.readOnlyFolders.has(folder.id))
      throw new CmisException(403, 'permissionDenied', `Access denied: no write permission on ${folder.name}`);
    const properties = this.properties(form);
    const name = properties['cmis:name'];
    const typeId = properties['cmis:objectTypeId'];
    if (typeof name !== 'string' || !name) throw new CmisException(400, 'invalidArgument', 'cmis:name is required');
    if (typeId !== 'cmis:document')
      throw new CmisException(400, 'constraint', `Type ${String(typeId)} cannot be created here`);
    const secondary = (properties['cmis:secondaryObjectTypeIds'] as string[] | undefined) ?? [];
    for (const key of Object.keys(properties)) {
      if (key.startsWith('rk:') && !secondary.includes('P:rk:identity'))
        throw new CmisException(409, 'constraint', `Property ${key} is not defined for this object`);
    }
    if (secondary.includes('P:rk:identity') && !this.secondaryType)
      throw new CmisException(400, 'invalidArgument', 'Unknown secondary type P:rk:identity');
    const state = form.fields.versioningState ?? (this.versionable ? 'major' : 'none');
    if (!this.versionable && state !== 'none')
      throw new CmisException(409, 'constraint', 'The type is not versionable');
    if (this.versionable && state === 'none') throw new CmisException(409, 'constraint', 'The type is versionable');
    if (this.childrenOf(folder.id).some((c) => c.name === name))
      throw new CmisException(409, 'nameConstraintViolation', `An object named ${name} exists`);
    const id = String(this.next++);
    const ownProps = Object.fromEntries(
      Object.entries(properties).filter(([k]) => !k.startsWith('cmis:') || k === 'cmis:description'),
    );
    if (ownProps['rk:partIndex'] !== undefined) ownProps['rk:partIndex'] = Number(ownProps['rk:partIndex']);
    const object: CmisFakeObject = {
      id,
      baseTypeId: 'cmis:document',
      typeId: 'cmis:document',
      name,
      parentId: folder.id,
      secondary,
      properties: ownProps,
      content: form.file?.data ?? Buffer.alloc(0),
      mimeType: form.file?.mimeType,
      created: Date.now(),
      versionSeriesId: `vs-${id}`,
      versionLabel: state === 'major' ? '1.0' : state === 'minor' ? '0.1' : undefined,
      isPwc: state === 'checkedout',
    };
    this.objects.set(id, object);
    return { status: 201, json: this.render(object) };
  }

  /**
   * appendContentStream (§ 2.2.4.19; OpenCMIS action appendContent with control isLastChunk): appends the bytes to
   * the document's stream. Not idempotent: a repeated request appends again. With capabilityContentStreamUpdatability
   * "pwconly" only a private working copy accepts it (repository capability; the versioning exception otherwise).
   */
  private appendContent(object: CmisFakeObject, form: Form): Answer {
    if (object.baseTypeId !== 'cmis:document') throw new CmisException(409, 'constraint', 'Not a document');
    if (this.versionable && !object.isPwc)
      throw new CmisException(409, 'versioning', 'Content can only be changed on a private working copy');
    if (!form.file) throw new CmisException(400, 'invalidArgument', 'No content stream');
    object.content = Buffer.concat([object.content ?? Buffer.alloc(0), form.file.data]);
    return { status: 201, json: this.render(object) };
  }

  /** checkIn (§ 2.2.7.3): the private working copy becomes the latest version, with a new object id. */
  private checkIn(object: CmisFakeObject, form: Form): Answer {
    if (!object.isPwc) throw new CmisException(409, 'versioning', 'The object is not a private working copy');
    const major = form.fields.major !== 'false';
    this.objects.delete(object.id);
    const id = String(this.next++);
    const version: CmisFakeObject = { ...object, id, isPwc: false, versionLabel: major ? '1.0' : '0.1' };
    this.objects.set(id, version);
    return { status: 201, json: this.render(version) };
  }

  /**
   * query (§ 2.2.6.1; browser binding action query): the subset the connector sends,
   * `SELECT <props> FROM <secondary query name> WHERE <property> = '<literal>'`, matched exactly over the current
   * versions and the private working copies (capabilityPWCSearchable true). Results in succinct form.
   */
  private query(form: Form): Answer {
    const statement = form.fields.statement ?? '';
    const m = /^SELECT ([\w:, ]+) FROM ([\w:]+) WHERE ([\w:]+) = '((?:[^'\\]|\\.)*)'$/.exec(statement);
    if (m?.[2] !== 'rk:identity') {
      this.violations.push(`the fake does not run this query: ${statement}`);
      throw new CmisException(400, 'invalidArgument', 'Unsupported query');
    }
    const columns = m[1]!.split(',').map((c) => c.trim());
    const value = m[4]!.replace(/\\(.)/g, '$1');
    const rows = this.documents().filter(
      (o) => o.secondary.includes('P:rk:identity') && String(o.properties[m[3]!]) === value,
    );
    return {
      status: 200,
      json: {
        results: rows.map((o) => {
          const all = this.render(o).succinctProperties;
          return { succinctProperties: Object.fromEntries(columns.map((c) => [c, all[c] ?? null])) };
        }),
        hasMoreItems: false,
        numItems: rows.length,
      },
    };
  }
}

class CmisException extends Error {
  constructor(
    readonly status: number,
    readonly exception: string,
    message: string,
  ) {
    super(message);
  }
}

interface Answer {
  status: number;
  json?: unknown;
  bytes?: Buffer;
}

interface Form {
  fields: Record<string, string>;
  file?: { data: Buffer; mimeType: string; filename: string };
}

async function readForm(req: IncomingMessage): Promise<Form> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return { fields: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString())) };
  }
  return new Promise((resolve, reject) => {
    const form: Form = { fields: {} };
    const parser = busboy({ headers: req.headers, limits: { fieldSize: 1024 * 1024 } });
    parser.on('field', (name, value) => {
      form.fields[name] = value;
    });
    parser.on('file', (_name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        form.file = { data: Buffer.concat(chunks), mimeType: info.mimeType, filename: info.filename ?? '' };
      });
    });
    parser.on('close', () => resolve(form));
    parser.on('error', reject);
    req.pipe(parser);
  });
}
