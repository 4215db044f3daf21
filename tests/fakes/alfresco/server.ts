/**
 * A fake Alfresco Governance Services server on loopback, for the connector's tests and bench. It encodes only
 * documented behaviour; each behaviour names its source (a file of Alfresco/alfresco-community-repo, one of the API
 * definitions pinned in ./api, or Alfresco's documentation). Every request it receives and every response it sends
 * is validated against those definitions (./spec.ts); what does not conform is kept in `violations`, which the
 * tests require to be empty.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';
import { answerCors } from './cors.ts';
import { ApiSpecs, type Match } from './spec.ts';

export const SPEC_NAMES = ['gs-core-api', 'alfresco-auth', 'alfresco-search', 'alfresco-model'];
const MODEL_XML = readFileSync(new URL('../../../docs/connectors/recordkeeper-model.xml', import.meta.url), 'utf8');

export interface FakeNode {
  id: string;
  dbid: number;
  name: string;
  nodeType: string;
  parentId: string;
  createdAt: string;
  modifiedAt: string;
  createdBy: string;
  aspects: Set<string>;
  properties: Record<string, unknown>;
  content?: { bytes: Buffer; mimeType: string } | undefined;
  isClosed?: boolean;
  /** The user may add children (the FillingPermissionOnly capability, FilePlanComponentsApiUtils). */
  canFile?: boolean;
}

export interface PropertyDefinition {
  id: string;
  title?: string;
  dataType?: string;
  isMandatory?: boolean;
}

/** A fault armed for the next request that matches. */
export type Fault =
  /** Answer with this status and an Alfresco error body, doing nothing. */
  | { status: number; retryAfter?: string }
  /** Do the work, then close the connection without answering (the answer is lost). */
  | { drop: 'after' }
  /** Close the connection before doing anything. */
  | { drop: 'before' }
  /**
   * Do the work, lose the answer, and receive the same request again, answering that one: what Chromium does when a
   * reused keep-alive connection closes before any answer (net/http/http_network_transaction.cc,
   * ShouldResendRequest, POST included). The e2e tests get the real resend from the browser with `drop: 'after'`.
   */
  | { resend: true };

interface ArmedFault {
  method: string;
  path: RegExp;
  fault: Fault;
  times: number;
}

export interface AlfrescoFakeOptions {
  users?: Record<string, string>;
  /** Idle time after which a ticket expires (repository.properties: AFTER_INACTIVITY, PT1H by default). */
  ticketIdleMs?: number;
  now?: () => number;
  /** Validate with the pinned definitions (on by default; the bench turns it off to time the connector only). */
  validate?: boolean;
  /** Answer cross-origin requests from this origin as Alfresco's documented CORS filter does (./cors.ts), for browser tests. */
  corsOrigin?: string;
}

/** ISO 8601 as Alfresco serialises it: milliseconds and an offset without a colon ("…T15:24:31.202+0000"). */
function alfrescoDate(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

const ROOT_USER = { id: 'System', displayName: 'System' };

export class AlfrescoFake {
  readonly nodes = new Map<string, FakeNode>();
  readonly violations: string[] = [];
  readonly log: { method: string; path: string; status: number; operation?: string | undefined }[] = [];
  readonly filePlanId = randomUUID();
  readonly unfiledId = randomUUID();
  /** Mandatory properties of the custom record aspect, as an RM admin defines them (Manage custom metadata). */
  customMandatory: PropertyDefinition[] = [];
  /** Whether docs/connectors/recordkeeper-model.xml is deployed. */
  modelInstalled = true;
  rmSite = true;
  /** The user holds the "Declare Records" capability (completion is refused with 403 otherwise). */
  canComplete = true;
  /**
   * The user may delete records it filed (the "Delete Records" capability, the DeleteRecords permission of
   * rm-capabilities-recordfolder-context.xml); DELETE /records/{id} answers 403 otherwise (gs-core-api.yaml).
   */
  canDelete = true;
  url = '';

  private server?: Server;
  private dbid = 1000;
  private readonly tickets = new Map<string, { user: string; lastUsed: number }>();
  private readonly faults: ArmedFault[] = [];
  private readonly users: Record<string, string>;
  private readonly ticketIdleMs: number;
  private readonly now: () => number;
  private readonly validate: boolean;
  private readonly corsOrigin: string | undefined;

  private constructor(
    private readonly specs: ApiSpecs,
    options: AlfrescoFakeOptions,
  ) {
    this.users = options.users ?? { recorder: 'secret' };
    this.ticketIdleMs = options.ticketIdleMs ?? 60 * 60_000;
    this.now = options.now ?? Date.now;
    this.validate = options.validate ?? true;
    this.corsOrigin = options.corsOrigin;
    this.addNode({ id: this.filePlanId, name: 'documentLibrary', nodeType: 'rma:filePlan', parentId: 'site' });
    this.addNode({
      id: this.unfiledId,
      name: 'Unfiled Records',
      nodeType: 'rma:unfiledRecordContainer',
      parentId: this.filePlanId,
    });
  }

  static async start(options: AlfrescoFakeOptions = {}): Promise<AlfrescoFake> {
    const fake = new AlfrescoFake(await ApiSpecs.load(SPEC_NAMES), options);
    fake.server = createServer((req, res) => {
      fake.handle(req, res).catch((error: unknown) => {
        fake.violations.push(`fake crashed on ${req.method} ${req.url}: ${String(error)}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => fake.server!.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  // ── setup ────────────────────────────────────────────────────────────────────────────────────────────

  private addNode(init: Partial<FakeNode> & Pick<FakeNode, 'name' | 'nodeType' | 'parentId'>): FakeNode {
    const at = alfrescoDate(this.now());
    const node: FakeNode = {
      id: init.id ?? randomUUID(),
      dbid: this.dbid++,
      createdAt: at,
      modifiedAt: at,
      createdBy: init.createdBy ?? 'admin',
      aspects: init.aspects ?? new Set(),
      properties: init.properties ?? {},
      canFile: true,
      ...init,
    } as FakeNode;
    this.nodes.set(node.id, node);
    return node;
  }

  addCategory(name: string, parentId?: string): string {
    return this.addNode({ name, nodeType: 'rma:recordCategory', parentId: parentId ?? this.filePlanId }).id;
  }

  addFolder(name: string, categoryId: string, options: { closed?: boolean; canFile?: boolean } = {}): string {
    return this.addNode({
      name,
      nodeType: 'rma:recordFolder',
      parentId: categoryId,
      isClosed: options.closed ?? false,
      canFile: options.canFile ?? true,
    }).id;
  }

  /** A plain document (not a record) in a container, to make names clash. */
  addDocument(name: string, parentId: string): string {
    return this.addNode({ name, nodeType: 'cm:content', parentId }).id;
  }

  /** The next `times` requests matching method and path get the fault. */
  failNext(method: string, path: RegExp, fault: Fault, times = 1): void {
    this.faults.push({ method, path, fault, times });
  }

  expireTickets(): void {
    this.tickets.clear();
  }

  /** Every electronic record filed, with its content. */
  records(): FakeNode[] {
    return [...this.nodes.values()].filter((n) => n.aspects.has('rma:record'));
  }

  childrenOf(id: string): FakeNode[] {
    return [...this.nodes.values()].filter((n) => n.parentId === id);
  }

  // ── plumbing ─────────────────────────────────────────────────────────────────────────────────────────

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.corsOrigin && answerCors(req, res, this.corsOrigin)) return;
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const match = this.specs.match(method, url.pathname);
    const fault = this.takeFault(method, url.pathname);
    if (fault && 'drop' in fault && fault.drop === 'before') {
      this.log.push({ method, path: url.pathname, status: 0, operation: match?.operation.id });
      req.socket.destroy();
      return;
    }
    const contentType = req.headers['content-type'] ?? '';
    const body = await readBody(req, contentType);
    if (!match) {
      this.violations.push(`${method} ${url.pathname} is not in Alfresco's API definitions`);
      return this.send(
        res,
        method,
        url.pathname,
        undefined,
        404,
        errorBody(404, 'framework.exception.NotFound', `Unable to locate resource resource for :${url.pathname}`),
      );
    }
    if (this.validate) {
      const problems = this.specs.checkRequest(match, {
        query: url.searchParams,
        headers: req.headers as Record<string, string | undefined>,
        contentType,
        json: body.json,
      });
      for (const p of problems) this.violations.push(`request ${match.operation.id}: ${p}`);
    }
    if (fault && 'status' in fault) {
      // An injected failure (a proxy's or the server's own), answered before any work is done.
      res.setHeader('Content-Type', 'application/json');
      if (fault.retryAfter) res.setHeader('Retry-After', fault.retryAfter);
      res
        .writeHead(fault.status)
        .end(JSON.stringify(errorBody(fault.status, 'framework.exception.ApiDefault', 'Injected failure')));
      this.log.push({ method, path: url.pathname, status: fault.status, operation: match.operation.id });
      return;
    }
    const user = match.operation.id === 'createTicket' ? undefined : this.authenticate(req);
    let answer: Answer;
    if (match.operation.id !== 'createTicket' && !user) {
      // Alfresco answers a missing or expired ticket with 401 (alfresco-auth.yaml: "Authentication failed").
      answer = {
        status: 401,
        json: errorBody(
          401,
          'framework.exception.ApiDefault',
          `Authentication failed for Web Script org/alfresco/api/ResourceWebScript.${method.toLowerCase()}`,
        ),
      };
    } else {
      if (fault && 'resend' in fault) {
        const lost = this.route(match, url.searchParams, body, user ?? '');
        this.log.push({ method, path: url.pathname, status: -lost.status, operation: match.operation.id });
      }
      answer = this.route(match, url.searchParams, body, user ?? '');
    }
    if (fault && 'drop' in fault && fault.drop === 'after') {
      // The work is done and committed; the answer never arrives.
      this.log.push({ method, path: url.pathname, status: -answer.status, operation: match.operation.id });
      req.socket.destroy();
      return;
    }
    this.send(res, method, url.pathname, match, answer.status, answer.json, answer.bytes);
  }

  private send(
    res: ServerResponse,
    method: string,
    path: string,
    match: Match | undefined,
    status: number,
    json?: unknown,
    bytes?: { data: Buffer; mimeType: string },
  ) {
    this.log.push({ method, path, status, operation: match?.operation.id });
    if (match && this.validate && !bytes) {
      for (const p of this.specs.checkResponse(match.operation, status, json)) {
        this.violations.push(`response ${match.operation.id}: ${p}`);
      }
    }
    if (bytes) {
      res.writeHead(status, { 'Content-Type': bytes.mimeType, 'Content-Length': bytes.data.byteLength });
      res.end(bytes.data);
    } else if (json === undefined) {
      res.writeHead(status).end();
    } else {
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(json));
    }
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const i = this.faults.findIndex((f) => f.method === method && f.path.test(path));
    if (i === -1) return undefined;
    const armed = this.faults[i]!;
    armed.times -= 1;
    if (armed.times <= 0) this.faults.splice(i, 1);
    return armed.fault;
  }

  /**
   * The ticket in `Authorization: Basic base64(ticket)`, as alfresco-auth.yaml tells clients to send it. Tickets
   * expire after a period of inactivity (repository.properties: authentication.ticket.expiryMode=AFTER_INACTIVITY,
   * validDuration=PT1H).
   */
  private authenticate(req: IncomingMessage): string | undefined {
    const header = req.headers.authorization ?? '';
    const m = /^Basic (.+)$/.exec(header);
    if (!m) return undefined;
    const ticket = Buffer.from(m[1]!, 'base64').toString();
    const known = this.tickets.get(ticket);
    if (!known) return undefined;
    if (this.now() - known.lastUsed > this.ticketIdleMs) {
      this.tickets.delete(ticket);
      return undefined;
    }
    known.lastUsed = this.now();
    return known.user;
  }

  // ── the API ──────────────────────────────────────────────────────────────────────────────────────────

  private route(match: Match, query: URLSearchParams, body: Body, user: string): Answer {
    const p = match.pathParams;
    switch (match.operation.id) {
      case 'createTicket':
        return this.createTicket(body);
      case 'getRMSite':
        return this.rmSite
          ? {
              status: 200,
              json: {
                entry: {
                  id: 'rm',
                  guid: randomUUID(),
                  title: 'Records Management',
                  visibility: 'PUBLIC',
                  compliance: 'STANDARD',
                  role: 'SiteManager',
                },
              },
            }
          : notFound('rm');
      case 'getFilePlanCategories':
        return this.list(
          this.resolveAlias(p.filePlanId!),
          query,
          (n) => n.nodeType === 'rma:recordCategory',
          (n) => this.view(n, query),
        );
      case 'listRecordCategoryChildren': {
        const category = this.nodes.get(p.recordCategoryId!);
        if (category?.nodeType !== 'rma:recordCategory') return notFound(p.recordCategoryId!);
        return this.list(
          category.id,
          query,
          () => true,
          (n) => ({
            ...this.view(n, query),
            isRecordCategory: n.nodeType === 'rma:recordCategory',
            isRecordFolder: n.nodeType === 'rma:recordFolder',
          }),
        );
      }
      case 'getRecordFolder': {
        const folder = this.nodes.get(p.recordFolderId!);
        if (!folder) return notFound(p.recordFolderId!);
        // lookupAndValidateNodeType refuses a node of another type with 400 (FilePlanComponentsApiUtils).
        if (folder.nodeType !== 'rma:recordFolder')
          return invalid(
            `The given id:'${folder.id}' (nodeType:${folder.nodeType}) is not valid for this endpoint. Expected nodeType is:rma:recordFolder`,
          );
        return { status: 200, json: { entry: this.view(folder, query) } };
      }
      case 'getUnfiledContainer': {
        const id = this.resolveAlias(p.unfiledContainerId!);
        const container = this.nodes.get(id);
        if (!container || !this.rmSite) return notFound(p.unfiledContainerId!);
        return { status: 200, json: { entry: this.view(container, query) } };
      }
      case 'createRecordFolderChild':
        return this.createRecord(p.recordFolderId!, 'rma:recordFolder', query, body, user);
      case 'createUnfiledContainerChildren':
        return this.createRecord(
          this.resolveAlias(p.unfiledContainerId!),
          'rma:unfiledRecordContainer',
          query,
          body,
          user,
        );
      case 'getRecord': {
        const record = this.recordNode(p.recordId!);
        return 'status' in record ? record : { status: 200, json: { entry: this.view(record, query) } };
      }
      case 'updateRecord':
        return this.updateRecord(p.recordId!, query, body);
      case 'deleteRecord':
        return this.deleteRecord(p.recordId!);
      case 'completeRecord':
        return this.completeRecord(p.recordId!, query, user);
      case 'getRecordContent': {
        const record = this.recordNode(p.recordId!);
        if ('status' in record) return record;
        return {
          status: 200,
          bytes: {
            data: record.content?.bytes ?? Buffer.alloc(0),
            mimeType: record.content?.mimeType ?? 'application/octet-stream',
          },
        };
      }
      case 'search':
        return this.search(body);
      case 'getAspect':
        return this.aspect(p.aspectId!);
      default:
        this.violations.push(`the fake does not implement ${match.operation.id}`);
        return {
          status: 501,
          json: errorBody(
            501,
            'framework.exception.ApiDefault',
            `${match.operation.id} is not implemented by the fake`,
          ),
        };
    }
  }

  /**
   * POST /tickets (alfresco-auth.yaml): 201 with `{entry: {id, userId}}`; 400 when userId or password is missing;
   * 403 "Login failed". Ticket ids look like "TICKET_" and 40 hex digits (Alfresco's own js-api test fixtures).
   */
  private createTicket(body: Body): Answer {
    const { userId, password } = (body.json ?? {}) as { userId?: unknown; password?: unknown };
    if (typeof userId !== 'string' || typeof password !== 'string')
      return { status: 400, json: errorBody(400, 'Invalid login details.', 'Invalid login details.') };
    if (this.users[userId] !== password) return { status: 403, json: errorBody(403, 'Login failed', 'Login failed') };
    const id = `TICKET_${randomBytes(20).toString('hex')}`;
    this.tickets.set(id, { user: userId, lastUsed: this.now() });
    return { status: 201, json: { entry: { id, userId } } };
  }

  /** The -filePlan- and -unfiled- aliases (gs-core-api.yaml, filePlanIdWithAliasParam, unfiledContainerIdParam). */
  private resolveAlias(id: string): string {
    if (id === '-filePlan-') return this.filePlanId;
    if (id === '-unfiled-') return this.unfiledId;
    return id;
  }

  /** Paged children (gs-core-api.yaml, Pagination: count, hasMoreItems, totalItems, skipCount, maxItems 100 by default). */
  private list(
    parentId: string,
    query: URLSearchParams,
    keep: (n: FakeNode) => boolean,
    view: (n: FakeNode) => unknown,
  ): Answer {
    if (!this.nodes.has(parentId)) return notFound(parentId);
    const all = this.childrenOf(parentId).filter(keep);
    const skipCount = Number(query.get('skipCount') ?? 0);
    const maxItems = Number(query.get('maxItems') ?? 100);
    const page = all.slice(skipCount, skipCount + maxItems);
    return {
      status: 200,
      json: {
        list: {
          pagination: {
            count: page.length,
            hasMoreItems: skipCount + page.length < all.length,
            totalItems: all.length,
            skipCount,
            maxItems,
          },
          entries: page.map((n) => ({ entry: view(n) })),
        },
      },
    };
  }

  /**
   * A node as the GS API shows it: mandatory fields, aspects and properties by default ("Mandatory fields and the
   * … aspects and properties are returned by default"), and the optional fields named in `include`.
   */
  private view(node: FakeNode, query: URLSearchParams): Record<string, unknown> {
    const include = new Set((query.get('include') ?? '').split(',').filter(Boolean));
    const user = { id: node.createdBy, displayName: node.createdBy };
    const out: Record<string, unknown> = {
      id: node.id,
      parentId: node.parentId,
      name: node.name,
      nodeType: node.nodeType,
      createdAt: node.createdAt,
      createdByUser: node.createdBy === 'System' ? ROOT_USER : user,
      modifiedAt: node.modifiedAt,
      modifiedByUser: user,
      aspectNames: [...node.aspects],
      properties: { ...node.properties },
    };
    if (include.has('isClosed') && node.nodeType === 'rma:recordFolder') out.isClosed = node.isClosed ?? false;
    if (include.has('isCompleted') && node.aspects.has('rma:record'))
      out.isCompleted = node.aspects.has('rma:declaredRecord');
    if (include.has('content') && node.content) out.content = contentInfo(node);
    if (include.has('allowableOperations')) {
      // getAllowableOperations (FilePlanComponentsApiUtils): "create" on containers the user may file into.
      out.allowableOperations = node.canFile === false ? ['update'] : ['create', 'update'];
    }
    return out;
  }

  private recordNode(id: string): FakeNode | Answer {
    const node = this.nodes.get(id);
    if (!node) return notFound(id);
    // validateRecord (FilePlanComponentsApiUtils) refuses a node that is not a record.
    if (!node.aspects.has('rma:record'))
      return invalid(`The given id:'${id}' is not valid for this endpoint. This endpoint only supports records.`);
    return node;
  }

  /**
   * POST /record-folders/{id}/records and /unfiled-containers/{id}/children, multipart (gs-core-api.yaml; the
   * request mapping is UploadInfo.java, the work FilePlanComponentsApiUtils.uploadRecord):
   * - fields `name`, `nodeType`, `relativePath`, `filedata` (the file), and every field whose name has a namespace
   *   prefix is a property; the name defaults to the file's name; a missing name or file is 400 "Required
   *   parameters are missing";
   * - the type must be cm:content or a subtype, else 400;
   * - a clash of names is 409, unless autoRename finds "name-1.ext", "name-2.ext"… (findUniqueName; the
   *   record-folder endpoint declares no autoRename);
   * - the content is written and the properties added in the same transaction, so a record never exists without
   *   them; properties of an aspect the node lacks add the aspect ("Any missing aspects are applied automatically");
   * - a record folder that is closed refuses new records (422, RM's integrity rule);
   * - the new node becomes a record: it gets rma:record and an identifier `<year>-<10-digit database id>`
   *   (BasicIdentifierGenerator), and its name gets the identifier appended, "name (id).ext"
   *   (RecordUtils.generateRecordIdentifier / appendIdentifierToName).
   */
  private createRecord(parentId: string, parentType: string, query: URLSearchParams, body: Body, user: string): Answer {
    const parent = this.nodes.get(parentId);
    if (!parent) return notFound(parentId);
    if (parent.nodeType !== parentType) return invalid(`The given id:'${parentId}' is not valid for this endpoint.`);
    if (parent.canFile === false)
      return { status: 403, json: errorBody(403, 'framework.exception.PermissionDenied', 'Permission was denied') };
    if (!body.form)
      return {
        status: 501,
        json: errorBody(501, 'framework.exception.ApiDefault', 'The fake files records by upload only'),
      };
    const fields = body.form.fields;
    let name = fields.name ?? body.form.file?.filename;
    const nodeType = fields.nodetype ?? 'cm:content';
    if (!name || !body.form.file) return invalid('Required parameters are missing');
    if (nodeType !== 'cm:content') return invalid(`Can only upload type of cm:content: ${nodeType}`);
    if (this.validate) {
      // The multipart fields are the JSON body's members (UploadInfo): they must satisfy RMNodeBodyCreate.
      const match = this.specs.match('POST', `/alfresco/api/-default-/public/gs/versions/1/record-folders/x/records`)!;
      const asBody = { name, nodeType, properties: body.form.properties };
      for (const problem of this.specs.check(match.operation, { $ref: '#/definitions/RMNodeBodyCreate' }, asBody)) {
        this.violations.push(`multipart fields as RMNodeBodyCreate: ${problem}`);
      }
    }
    if (parent.isClosed)
      return {
        status: 422,
        json: errorBody(
          422,
          'framework.exception.ConstraintViolated',
          `Cannot file into closed record folder ${parent.name}`,
        ),
      };
    if (this.childrenOf(parentId).some((c) => c.name === name)) {
      if (query.get('autoRename') === 'true' && parentType !== 'rma:recordFolder')
        name = this.uniqueName(parentId, name);
      else
        return {
          status: 409,
          json: errorBody(409, 'framework.exception.ConstraintViolated', `Duplicate child name not allowed: ${name}`),
        };
    }
    const properties: Record<string, unknown> = { ...body.form.properties };
    const aspects = new Set(['rma:record', 'rma:filePlanComponent', 'rma:recordComponentIdentifier', 'cm:titled']);
    for (const key of Object.keys(properties)) {
      const prefix = key.split(':')[0];
      if (prefix === 'rk') {
        if (!this.modelInstalled)
          return {
            status: 400,
            json: errorBody(
              400,
              'framework.exception.InvalidArgument',
              `Namespace prefix rk is not mapped to a namespace URI`,
            ),
          };
        aspects.add('rk:identity');
      }
      if (prefix === 'imap') aspects.add('imap:imapContent');
      if (prefix === 'cm' && key !== 'cm:title' && key !== 'cm:description') aspects.add(`cm:${key.slice(3)}`);
    }
    if (properties['rk:partIndex'] !== undefined) properties['rk:partIndex'] = Number(properties['rk:partIndex']);
    if (properties['rk:partCount'] !== undefined) properties['rk:partCount'] = Number(properties['rk:partCount']);
    const node = this.addNode({
      name,
      nodeType: 'cm:content',
      parentId,
      createdBy: user,
      aspects,
      properties,
      content: { bytes: body.form.file.data, mimeType: body.form.file.mimeType },
    });
    const identifier = `${new Date(this.now()).getUTCFullYear()}-${String(node.dbid).padStart(10, '0')}`;
    node.properties['rma:identifier'] = identifier;
    node.properties['rma:origionalName'] = name;
    const dot = name.lastIndexOf('.');
    node.name = dot > 0 ? `${name.slice(0, dot)} (${identifier})${name.slice(dot)}` : `${name} (${identifier})`;
    const view = this.view(node, query);
    return {
      status: 201,
      json: {
        entry:
          parentType === 'rma:unfiledRecordContainer'
            ? { ...view, isRecord: true, isUnfiledRecordFolder: false }
            : view,
      },
    };
  }

  private uniqueName(parentId: string, name: string): string {
    const dot = name.lastIndexOf('.');
    for (let counter = 1; ; counter++) {
      const candidate =
        dot === 0
          ? `${counter}${name}`
          : dot > 0
            ? `${name.slice(0, dot)}-${counter}${name.slice(dot)}`
            : `${name}-${counter}`;
      if (!this.childrenOf(parentId).some((c) => c.name === candidate)) return candidate;
    }
  }

  /**
   * PUT /records/{id} (gs-core-api.yaml, FilePlanComponentBodyUpdate; FilePlanComponentsApiUtils.updateNode adds the
   * properties). A completed record's metadata is frozen (RecordServiceImpl's editable-property check), 403.
   */
  private updateRecord(id: string, query: URLSearchParams, body: Body): Answer {
    const record = this.recordNode(id);
    if ('status' in record) return record;
    if (record.aspects.has('rma:declaredRecord'))
      return { status: 403, json: errorBody(403, 'framework.exception.PermissionDenied', 'Permission was denied') };
    const update = (body.json ?? {}) as { properties?: Record<string, unknown>; name?: string };
    for (const [key, value] of Object.entries(update.properties ?? {})) {
      if (key.startsWith('rk:') && !this.modelInstalled)
        return invalid('Namespace prefix rk is not mapped to a namespace URI');
      if (key.startsWith('rk:')) record.aspects.add('rk:identity');
      record.properties[key] = value;
    }
    record.modifiedAt = alfrescoDate(this.now());
    return { status: 200, json: { entry: this.view(record, query) } };
  }

  /**
   * DELETE /records/{id} (gs-core-api.yaml, deleteRecord): 204 and the record is gone for good; 403 when the user
   * may not delete it; 404 when it does not exist; 400 for a node that is not a record (validateRecord).
   */
  private deleteRecord(id: string): Answer {
    const record = this.recordNode(id);
    if ('status' in record) return record;
    if (!this.canDelete)
      return { status: 403, json: errorBody(403, 'framework.exception.PermissionDenied', 'Permission was denied') };
    this.nodes.delete(id);
    return { status: 204 };
  }

  /**
   * POST /records/{id}/complete (RecordsEntityResource.completeRecord, RecordServiceImpl.complete and
   * validateForCompletion): 422 "The record is already completed." when it is; 422 "The record has missing
   * mandatory properties." when a mandatory property of its type, of any of its aspects, or of the custom record
   * aspect rmc:rmarecordCustomProperties is unset (the answer does not say which); otherwise the record gets
   * rma:declaredRecord with rma:declaredAt and rma:declaredBy.
   */
  private completeRecord(id: string, query: URLSearchParams, user: string): Answer {
    const record = this.recordNode(id);
    if ('status' in record) return record;
    if (!this.canComplete)
      return { status: 403, json: errorBody(403, 'framework.exception.PermissionDenied', 'Permission was denied') };
    if (record.aspects.has('rma:declaredRecord'))
      return {
        status: 422,
        json: errorBody(422, 'framework.exception.ConstraintViolated', 'The record is already completed.'),
      };
    const missing = this.customMandatory.filter((p) => {
      const value = record.properties[p.id];
      return value === undefined || value === null;
    });
    if (missing.length)
      return {
        status: 422,
        json: errorBody(422, 'framework.exception.ConstraintViolated', 'The record has missing mandatory properties.'),
      };
    record.aspects.add('rma:declaredRecord');
    record.properties['rma:declaredAt'] = alfrescoDate(this.now());
    record.properties['rma:declaredBy'] = user;
    return { status: 200, json: { entry: this.view(record, query) } };
  }

  /**
   * POST /search with a CMIS query (alfresco-search.yaml). The subset the connector uses, run as Alfresco runs it on
   * the database (transactional metadata query, so a node is found as soon as its transaction committed):
   * `SELECT * FROM <aspect> WHERE <property> = '<literal>' [AND <property> = '<literal>']…`, string literals with
   * \' and \\ escapes (CMIS 1.1 query language, string literals). Other queries are refused loudly, so the fake never pretends.
   */
  private search(body: Body): Answer {
    const request = (body.json ?? {}) as {
      query?: { query?: string; language?: string };
      paging?: { maxItems?: number; skipCount?: number };
    };
    const statement = request.query?.query ?? '';
    if (request.query?.language !== 'cmis') return this.unsupportedQuery(statement);
    const m = /^SELECT \* FROM ([a-z]+:[A-Za-z]+) WHERE (.+)$/.exec(statement.trim());
    if (!m) return this.unsupportedQuery(statement);
    const conditions: [string, string][] = [];
    const clause = /^([a-z]+:[A-Za-z]+) = '((?:[^'\\]|\\.)*)'(?: AND (.*))?$/;
    let rest: string | undefined = m[2]!;
    while (rest) {
      const c = clause.exec(rest);
      if (!c) return this.unsupportedQuery(statement);
      conditions.push([c[1]!, c[2]!.replace(/\\(.)/g, '$1')]);
      rest = c[3];
    }
    const aspect = m[1]!;
    const hits = [...this.nodes.values()].filter(
      (n) => n.aspects.has(aspect) && conditions.every(([prop, value]) => String(n.properties[prop]) === value),
    );
    const skipCount = request.paging?.skipCount ?? 0;
    const maxItems = request.paging?.maxItems ?? 100;
    const page = hits.slice(skipCount, skipCount + maxItems);
    const include = new Set((request as { include?: string[] }).include ?? []);
    return {
      status: 200,
      json: {
        list: {
          pagination: { count: page.length, hasMoreItems: skipCount + page.length < hits.length, skipCount, maxItems },
          context: {},
          entries: page.map((n) => ({
            entry: {
              id: n.id,
              name: n.name,
              nodeType: n.nodeType,
              isFolder: false,
              isFile: true,
              createdAt: n.createdAt,
              createdByUser: { id: n.createdBy, displayName: n.createdBy },
              modifiedAt: n.modifiedAt,
              modifiedByUser: { id: n.createdBy, displayName: n.createdBy },
              parentId: n.parentId,
              content: contentInfo(n),
              ...(include.has('aspectNames') ? { aspectNames: [...n.aspects] } : {}),
              ...(include.has('properties') ? { properties: { ...n.properties } } : {}),
              search: { score: 1 },
            },
          })),
        },
      },
    };
  }

  private unsupportedQuery(statement: string): Answer {
    this.violations.push(`the fake does not run this query: ${statement}`);
    return { status: 400, json: errorBody(400, 'Search failed', 'search failed') };
  }

  /**
   * GET /aspects/{id} (alfresco-model.yaml; ACS 7.0+). rk:identity exists once the model is deployed; rma:record's
   * properties are those of recordsModel.xml (none mandatory); the custom record aspect carries the mandatory
   * properties an RM admin defined.
   */
  private aspect(id: string): Answer {
    const aspects: Record<string, PropertyDefinition[]> = {
      'rma:record': [
        { id: 'rma:dateFiled', title: 'Date Filed', dataType: 'd:date' },
        { id: 'rma:originator', dataType: 'd:text' },
        { id: 'rma:originatingOrganization', dataType: 'd:text' },
        { id: 'rma:publicationDate', dataType: 'd:date' },
      ],
      'cm:titled': [
        { id: 'cm:title', title: 'Title', dataType: 'd:mltext' },
        { id: 'cm:description', title: 'Description', dataType: 'd:mltext' },
      ],
      'rmc:rmarecordCustomProperties': this.customMandatory.map((p) => ({ ...p, isMandatory: true })),
    };
    if (this.modelInstalled) {
      // The aspect as the admin guide ships it.
      aspects['rk:identity'] = [...MODEL_XML.matchAll(/<property name="(rk:[A-Za-z]+)">/g)].map((m) => ({ id: m[1]! }));
    }
    const properties = aspects[id];
    if (!properties) return notFound(id);
    return {
      status: 200,
      json: {
        entry: {
          id,
          title: id,
          properties: properties.map((p) => ({
            isMandatory: false,
            isMultiValued: false,
            isProtected: false,
            isMandatoryEnforced: false,
            ...p,
          })),
        },
      },
    };
  }
}

interface Answer {
  status: number;
  json?: unknown;
  bytes?: { data: Buffer; mimeType: string };
}

interface Body {
  json?: unknown;
  form?: {
    fields: Record<string, string>;
    properties: Record<string, string>;
    file?: { filename: string; mimeType: string; data: Buffer };
  };
}

function contentInfo(node: FakeNode) {
  return {
    mimeType: node.content?.mimeType ?? 'application/octet-stream',
    mimeTypeName: node.content?.mimeType ?? 'Binary',
    sizeInBytes: node.content?.bytes.byteLength ?? 0,
    encoding: 'UTF-8',
  };
}

/**
 * Alfresco's error body (gs-core-api.yaml, definitions/Error): an 8-digit log number before the summary, and the
 * fixed stackTrace and descriptionURL texts its servers send (as Alfresco's own js-api test fixtures show).
 */
export function errorBody(statusCode: number, errorKey: string, message: string) {
  const log = String(Math.floor(Math.random() * 1e8)).padStart(8, '0');
  return {
    error: {
      errorKey,
      statusCode,
      briefSummary: `${log} ${message}`,
      stackTrace:
        'For security reasons the stack trace is no longer displayed, but the property is kept for previous versions',
      descriptionURL: 'https://api-explorer.alfresco.com',
    },
  };
}

function notFound(id: string): Answer {
  return {
    status: 404,
    json: errorBody(404, 'framework.exception.EntityNotFound', `The entity with id: ${id} was not found`),
  };
}

function invalid(message: string): Answer {
  return { status: 400, json: errorBody(400, 'framework.exception.InvalidArgument', message) };
}

async function readBody(req: IncomingMessage, contentType: string): Promise<Body> {
  if (contentType.startsWith('multipart/form-data')) {
    return new Promise((resolve, reject) => {
      const form: NonNullable<Body['form']> = { fields: {}, properties: {} };
      const parser = busboy({ headers: req.headers, limits: { fieldSize: 1024 * 1024 } });
      parser.on('field', (name, value) => {
        // UploadInfo: the known controls are matched case-insensitively; a name with a prefix is a property.
        const lower = name.toLowerCase();
        if (lower === 'name' || lower === 'nodetype' || lower === 'relativepath') form.fields[lower] = value;
        else if (name.includes(':')) form.properties[name] = value;
      });
      parser.on('file', (name, stream, info) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          if (name.toLowerCase() === 'filedata') {
            form.file = { filename: info.filename ?? '', mimeType: info.mimeType, data: Buffer.concat(chunks) };
          }
        });
      });
      parser.on('close', () => resolve({ form }));
      parser.on('error', reject);
      req.pipe(parser);
    });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return {};
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return { json: JSON.parse(text) };
  } catch {
    return { json: text };
  }
}
