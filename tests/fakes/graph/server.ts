import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QuickXorHash } from '../../../utils/connectors/microsoft-365/quickxorhash';

/**
 * A loopback Microsoft Graph for tests and benchmarks: the SharePoint and Outlook calls the Microsoft 365 connector
 * makes, and nothing else. Every behaviour encodes a Microsoft document, cited beside it; where a document leaves
 * something open (which status an unknown column gets, say), the choice is marked "not documented" so it is never
 * mistaken for Graph's. Documents, by short name:
 *
 * - [upload-session]  microsoft-graph-docs-contrib api-reference/v1.0/api/driveitem-createuploadsession.md
 * - [put-content]     microsoft-graph-docs-contrib api-reference/v1.0/api/driveitem-put-content.md, and its
 *                     OneDrive twin OneDrive/onedrive-api-docs docs/rest-api/api/driveitem_put_content.md
 *                     (§ Conflict Resolution Behavior)
 * - [post-children]   api-reference/v1.0/api/driveitem-post-children.md
 * - [driveitem-get]   api-reference/v1.0/api/driveitem-get.md; resources/driveitem.md (sharepointIds on $select)
 * - [site-by-path]    api-reference/v1.0/api/site-getbypath.md;  [drive-list] api-reference/v1.0/api/drive-list.md
 * - [listitem-update] api-reference/v1.0/api/listitem-update.md
 * - [set-label]       api-reference/v1.0/api/driveitem-setretentionlabel.md;  [get-label]
 *                     api-reference/v1.0/api/driveitem-getretentionlabel.md;  [label-settings]
 *                     resources/retentionlabelsettings.md
 * - [hashes]          api-reference/v1.0/resources/hashes.md
 * - [message-get]     api-reference/v1.0/api/message-get.md;  [translate] api-reference/v1.0/api/user-translateexchangeids.md
 * - [get-content]     api-reference/v1.0/api/driveitem-get-content.md (`@microsoft.graph.downloadUrl`, pre-authenticated,
 *                     "only valid for a short period of time (a few minutes)");  [shares] api-reference/v1.0/api/shares-get.md
 * - [throttling]      concepts/throttling.md (sample response, Retry-After);  [errors] concepts/errors.md
 *                     (error body, status and code tables)
 */

const FRAGMENT_UNIT = 320 * 1024;
const MAX_FRAGMENT = 60 * 1024 * 1024;
/** [put-content]: "This method only supports files up to 4MB in size" (the v1.0 page and the OneDrive page). */
const MAX_SIMPLE_UPLOAD = 4 * 1024 * 1024;
const SESSION_LIFETIME_MS = 15 * 60 * 1000;

export type LabelBehavior = 'retain' | 'retainAsRecord' | 'retainAsRegulatoryRecord';

export interface GraphFakeOptions {
  /**
   * Verifies a bearer token; answers its subject and granted scopes, or throws. Tests pass the OpenID provider's
   * verifier (tests/fakes/graph/openid-provider.ts); without one, only `testTokens` are accepted.
   */
  verifyToken?: (token: string) => Promise<{ sub: string; scopes?: string[] | undefined }>;
  testTokens?: string[];
  /** Keep uploaded bytes (default true); benchmarks keep only sizes and hashes. */
  keepContent?: boolean;
  now?: () => number;
  /**
   * The origin of upload and download URLs, which SharePoint serves from the site's own host rather than Graph's
   * (`https://contoso.sharepoint.com` when a browser's requests are routed here); this server's own by default.
   */
  filesOrigin?: string | undefined;
}

export interface FakeItem {
  id: string;
  driveId: string;
  parentId: string | null;
  name: string;
  folder: boolean;
  size: number;
  content: Buffer[] | undefined;
  quickXorHash: string;
  createdDateTime: string;
  listItemId: string;
  /** The list item's unique id, which Graph also takes as a driveItem id [driveitem-get]. */
  uniqueId: string;
  fields: Record<string, unknown>;
  label?: { name: string; behavior: LabelBehavior; appliedAt: string } | undefined;
}

interface FakeDrive {
  id: string;
  name: string;
  siteId: string;
  listId: string;
  rootId: string;
  columns: Set<string>;
  webUrl: string;
}

interface FakeSite {
  id: string;
  host: string;
  path: string;
  webUrl: string;
  drives: FakeDrive[];
}

interface UploadSession {
  id: string;
  driveId: string;
  parentId: string;
  name: string;
  conflictBehavior: string;
  expiresAt: number;
  total: number | undefined;
  next: number;
  hash: QuickXorHash;
  content: Buffer[];
}

interface Rule {
  count: number;
  match: (method: string, path: string) => boolean;
}

export interface LoggedRequest {
  method: string;
  path: string;
  authorization: boolean;
  status: number;
}

/** Scopes each group of routes needs (the permission tables of the pages cited), when tokens carry scopes. */
const NEEDS = {
  files: ['Sites.ReadWrite.All', 'Files.ReadWrite.All'],
  /** Reading sites, items and content (driveitem-get.md, driveitem-get-content.md, shares-get.md). */
  read: ['Sites.ReadWrite.All', 'Files.ReadWrite.All', 'Sites.Read.All', 'Files.Read.All', 'Files.Read'],
  mail: ['Mail.Read', 'Mail.ReadWrite'],
  user: ['User.Read', 'User.ReadBasic.All', 'User.ReadWrite'],
};

const encodeSegments = (path: string) => path.split('/').map(encodeURIComponent).join('/');

export async function startGraphFake(options: GraphFakeOptions = {}) {
  const now = options.now ?? Date.now;
  const keepContent = options.keepContent ?? true;
  const testTokens = new Set(options.testTokens ?? []);
  const sites: FakeSite[] = [];
  const items = new Map<string, FakeItem>();
  const sessions = new Map<string, UploadSession>();
  const labels = new Map<
    string,
    { behavior: LabelBehavior; refuse?: { status: number; code: string; message: string } }
  >();
  const messages = new Map<string, Buffer>();
  const ewsToRest = new Map<string, string>();
  const throttles: (Rule & { retryAfter: string; status: number })[] = [];
  const drops: Rule[] = [];
  const revoked = new Set<string>();
  let throttledUntil = 0;
  let counter = 0;
  const requests: LoggedRequest[] = [];
  const seenTokens = new Set<string>();

  const nextId = (prefix: string) => `${prefix}${(++counter).toString(36).toUpperCase().padStart(8, '0')}`;
  const iso = () => new Date(now()).toISOString();

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, errorBody('generalException', String(error)));
    });
  });
  // Idle connections stay open for the whole test: a client reusing one the server just closed would see a
  // spurious network failure.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const base = `${origin}/v1.0`;
  const filesOrigin = (options.filesOrigin ?? origin).replace(/\/+$/, '');
  /** Pre-authenticated download URLs handed out [get-content]: token → item and expiry. */
  const downloads = new Map<string, { itemId: string; expiresAt: number }>();

  // [errors]: "The error response is a single JSON object that contains a single property named error".
  function errorBody(code: string, message: string) {
    return { error: { code, message, innerError: { 'request-id': randomUUID(), date: iso() } } };
  }

  function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
    const payload =
      body === undefined ? '' : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    res.writeHead(status, {
      ...(body !== undefined && !headers['content-type'] ? { 'content-type': 'application/json' } : {}),
      ...headers,
    });
    res.end(payload);
  }

  async function readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
    const body = await readBody(req);
    try {
      const value = JSON.parse(body.toString('utf8')) as unknown;
      return value && typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }

  function driveOf(id: string) {
    for (const site of sites) for (const drive of site.drives) if (drive.id === id) return { site, drive };
    return undefined;
  }

  function childNamed(driveId: string, parentId: string, name: string): FakeItem | undefined {
    // SharePoint names are case-insensitive within a folder.
    const lower = name.toLowerCase();
    for (const item of items.values()) {
      if (item.driveId === driveId && item.parentId === parentId && item.name.toLowerCase() === lower) return item;
    }
    return undefined;
  }

  function pathOf(item: FakeItem): string {
    const names: string[] = [];
    for (let at: FakeItem | undefined = item; at && at.parentId !== null; at = items.get(at.parentId)) {
      names.unshift(at.name);
    }
    return names.join('/');
  }

  function resolvePath(driveId: string, fromId: string, path: string): FakeItem | undefined {
    let at = items.get(fromId);
    for (const segment of path.split('/').filter(Boolean)) {
      if (!at) return undefined;
      at = childNamed(driveId, at.id, segment);
    }
    return at;
  }

  function driveItemJson(item: FakeItem, select: string | null) {
    const found = driveOf(item.driveId)!;
    const parent = item.parentId ? items.get(item.parentId) : undefined;
    const body: Record<string, unknown> = {
      id: item.id,
      name: item.name,
      size: item.size,
      createdDateTime: item.createdDateTime,
      lastModifiedDateTime: item.createdDateTime,
      eTag: `"{${item.id}},1"`,
      webUrl: webUrlOf(item),
      parentReference: parent
        ? { driveId: item.driveId, id: parent.id, path: `/drives/${item.driveId}/root:/${pathOf(parent)}` }
        : { driveId: item.driveId },
      // [hashes]: SharePoint and OneDrive for Business report quickXorHash only (no sha1/sha256/crc32).
      ...(item.folder
        ? { folder: { childCount: [...items.values()].filter((i) => i.parentId === item.id).length } }
        : { file: { hashes: { quickXorHash: item.quickXorHash } } }),
      ...(item.parentId === null ? { root: {} } : {}),
    };
    // [get-content]: select @microsoft.graph.downloadUrl for a URL that needs no Authorization header.
    if (!item.folder && select?.split(',').includes('@microsoft.graph.downloadUrl')) {
      const token = randomUUID();
      downloads.set(token, { itemId: item.id, expiresAt: now() + 5 * 60 * 1000 });
      body['@microsoft.graph.downloadUrl'] = `${filesOrigin}/download/${token}`;
    }
    // resources/driveitem.md: sharepointIds is "Returned only on $select".
    if (select?.split(',').includes('sharepointIds')) {
      body.sharepointIds = {
        listId: found.drive.listId,
        listItemId: item.listItemId,
        listItemUniqueId: item.uniqueId,
        siteId: found.site.id,
        siteUrl: found.site.webUrl,
      };
    }
    return body;
  }

  function webUrlOf(item: FakeItem): string {
    return `${driveOf(item.driveId)!.drive.webUrl}/${encodeSegments(pathOf(item))}`;
  }

  /** [get-content]: the bytes of a pre-authenticated download URL, while it lasts; no token needed or looked at. */
  async function download(req: IncomingMessage, res: ServerResponse, method: string, url: URL) {
    await readBody(req);
    const grant = downloads.get(url.pathname.slice('/download/'.length));
    const item = grant && grant.expiresAt > now() ? items.get(grant.itemId) : undefined;
    if (method !== 'GET' || !item?.content) {
      return send(res, 404, errorBody('itemNotFound', 'The download link has expired or does not exist.'));
    }
    return send(res, 200, Buffer.concat(item.content), { 'content-type': 'application/octet-stream' });
  }

  function createItem(
    driveId: string,
    parentId: string,
    name: string,
    content: Buffer[] | undefined,
    size: number,
    hash: string,
    folder: boolean,
  ): FakeItem {
    const item: FakeItem = {
      id: nextId('01'),
      driveId,
      parentId,
      name,
      folder,
      size,
      content,
      quickXorHash: hash,
      createdDateTime: iso(),
      listItemId: String(++counter),
      uniqueId: randomUUID(),
      fields: { Title: folder ? name : '', FileLeafRef: name },
    };
    items.set(item.id, item);
    return item;
  }

  const locked = (item: FakeItem) => item.label !== undefined && item.label.behavior !== 'retain';

  function scopeCheck(res: ServerResponse, granted: string[] | undefined, needed: string[]): boolean {
    if (!granted) return true;
    const have = new Set(granted.map((s) => s.toLowerCase()));
    if (needed.some((s) => have.has(s.toLowerCase()))) return true;
    // [errors]: 403 "The user might not have enough permission"; code accessDenied.
    send(
      res,
      403,
      errorBody('accessDenied', `Either scp or roles claim need to be present with one of: ${needed.join(', ')}.`),
    );
    return false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', origin);
    const method = req.method ?? 'GET';
    const entry: LoggedRequest = {
      method,
      path: url.pathname + url.search,
      authorization: Boolean(req.headers.authorization),
      status: 0,
    };
    requests.push(entry);
    res.on('finish', () => {
      if (entry.status === 0) entry.status = res.statusCode;
    });

    const drop = drops.find((rule) => rule.count > 0 && rule.match(method, url.pathname));
    if (drop) {
      // The request is carried out, but its answer is lost: the connection is cut instead.
      drop.count--;
      entry.status = -1;
      res.writeHead = (() => res) as typeof res.writeHead;
      res.end = (() => {
        req.socket.destroy();
        return res;
      }) as typeof res.end;
    }

    // [throttling]: 429 with Retry-After; a request made before the delay has passed is throttled again
    // ("If the request fails again with a 429 error code, you are still being throttled").
    const rule = throttles.find((t) => t.count > 0 && t.match(method, url.pathname));
    if (rule || now() < throttledUntil) {
      let retryAfter = rule?.retryAfter ?? String(Math.max(1, Math.ceil((throttledUntil - now()) / 1000)));
      let status = rule?.status ?? 429;
      if (rule) {
        rule.count--;
        throttledUntil = now() + Number(rule.retryAfter) * 1000;
      } else {
        status = 429;
        retryAfter = String(Math.max(1, Math.ceil((throttledUntil - now()) / 1000)));
      }
      await readBody(req);
      const code = status === 503 ? 'serviceNotAvailable' : 'TooManyRequests';
      return send(res, status, errorBody(code, 'Please retry again later.'), { 'retry-after': retryAfter });
    }

    if (url.pathname.startsWith('/upload/')) return uploadUrl(req, res, method, url);
    if (url.pathname.startsWith('/download/')) return download(req, res, method, url);
    if (!url.pathname.startsWith('/v1.0/')) return send(res, 404, errorBody('itemNotFound', 'Not a Graph path.'));

    // [errors]: 401 "Required authentication information is either missing or not valid for the resource".
    const auth = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    let granted: string[] | undefined;
    try {
      if (!auth) throw new Error('No access token was sent.');
      if (revoked.has(auth)) throw new Error('The access token has expired.');
      seenTokens.add(auth);
      if (testTokens.has(auth)) granted = undefined;
      else if (options.verifyToken) granted = (await options.verifyToken(auth)).scopes;
      else throw new Error('The access token was not issued for this resource.');
    } catch (error) {
      await readBody(req);
      return send(res, 401, errorBody('unauthenticated', error instanceof Error ? error.message : String(error)), {
        'www-authenticate': 'Bearer error="invalid_token"',
      });
    }
    return api(req, res, method, url, decodeURIComponent(url.pathname.slice('/v1.0'.length)), granted);
  }

  async function api(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    url: URL,
    path: string,
    granted: string[] | undefined,
  ) {
    const select = url.searchParams.get('$select');
    const route = (verb: string | undefined, pattern: RegExp) => (!verb || method === verb ? pattern.exec(path) : null);

    if (method === 'GET' && path === '/me') {
      if (!scopeCheck(res, granted, NEEDS.user)) return;
      return send(res, 200, {
        id: 'f00dcafe-0000-4000-8000-000000000001',
        displayName: 'Alice Example',
        userPrincipalName: 'alice@contoso.example',
        mail: 'alice@contoso.example',
      });
    }

    // [translate]: POST /me/translateExchangeIds → a convertIdResult collection.
    if (method === 'POST' && path === '/me/translateExchangeIds') {
      if (!scopeCheck(res, granted, NEEDS.user)) return;
      const body = await readJson(req);
      const ids = body?.inputIds;
      if (
        !Array.isArray(ids) ||
        ids.length > 1000 ||
        body?.sourceIdType !== 'ewsId' ||
        body?.targetIdType !== 'restId'
      ) {
        return send(
          res,
          400,
          errorBody('invalidRequest', 'inputIds (at most 1000), sourceIdType and targetIdType are required.'),
        );
      }
      return send(res, 200, {
        value: ids.map((id) => {
          const target = ewsToRest.get(String(id));
          return target
            ? { sourceId: id, targetId: target }
            : { sourceId: id, errorDetails: { code: 'ErrorInvalidIdMalformed', message: 'Id is malformed.' } };
        }),
      });
    }

    // [message-get]: GET /me/messages/{id}/$value answers the MIME content, "Content-type: text/plain".
    const message = route('GET', /^\/me\/messages\/([^/]+)\/\$value$/);
    if (message) {
      if (!scopeCheck(res, granted, NEEDS.mail)) return;
      const mime = messages.get(message[1]!);
      if (!mime) return send(res, 404, errorBody('itemNotFound', 'The specified object was not found in the store.'));
      return send(res, 200, mime, { 'content-type': 'text/plain' });
    }

    if (!scopeCheck(res, granted, method === 'GET' ? NEEDS.read : NEEDS.files)) return;

    // [site-by-path]: GET /sites/{hostname}:/{relative-path}.
    const byPath = route('GET', /^\/sites\/([^/:]+):(\/[^:]+?):?$/);
    if (byPath) {
      const site = sites.find(
        (s) => s.host === byPath[1]!.toLowerCase() && s.path.toLowerCase() === byPath[2]!.toLowerCase(),
      );
      if (!site) return send(res, 404, errorBody('itemNotFound', 'Requested site could not be found'));
      return send(res, 200, {
        id: site.id,
        webUrl: site.webUrl,
        name: site.path.split('/').pop(),
        displayName: site.path.split('/').pop(),
      });
    }
    const byId = route('GET', /^\/sites\/([^/:]+)$/);
    if (byId) {
      const site = sites.find((s) => s.id === byId[1]);
      if (!site) return send(res, 404, errorBody('itemNotFound', 'Requested site could not be found'));
      return send(res, 200, { id: site.id, webUrl: site.webUrl, name: site.path.split('/').pop() });
    }
    // [drive-list]: GET /sites/{siteId}/drives.
    const siteDrives = route('GET', /^\/sites\/([^/]+)\/drives$/);
    if (siteDrives) {
      const site = sites.find((s) => s.id === siteDrives[1]);
      if (!site) return send(res, 404, errorBody('itemNotFound', 'Requested site could not be found'));
      return send(res, 200, {
        value: site.drives.map((d) => ({ id: d.id, name: d.name, driveType: 'documentLibrary', webUrl: d.webUrl })),
      });
    }

    // [driveitem-get]: GET /sites/{site-id}/lists/{list-id}/items/{item-id}/driveItem, and a library's drive by its
    // list, where "item-id … may also be the unique ID of a SharePoint list item".
    const listItem = route(
      'GET',
      /^\/sites\/([^/]+)\/lists\/([^/]+)\/(?:items\/([^/]+)\/driveItem|drive\/items\/([^/]+))$/,
    );
    if (listItem) {
      const site = sites.find((s) => s.id.toLowerCase() === listItem[1]!.toLowerCase());
      const drive = site?.drives.find((d) => d.listId.toLowerCase() === listItem[2]!.toLowerCase());
      const wanted = (listItem[3] ?? listItem[4])!.toLowerCase();
      const item = drive
        ? [...items.values()].find(
            (i) =>
              i.driveId === drive.id &&
              (listItem[3] ? i.listItemId === wanted : i.id.toLowerCase() === wanted || i.uniqueId === wanted),
          )
        : undefined;
      if (!item) return send(res, 404, errorBody('itemNotFound', 'The resource could not be found.'));
      return send(res, 200, driveItemJson(item, select));
    }
    // [shares]: GET /shares/{shareIdOrEncodedSharingUrl}/driveItem, the URL as "u!" + unpadded base64url.
    const share = route('GET', /^\/shares\/u!([A-Za-z0-9_-]+)\/driveItem$/);
    if (share) {
      let shared: string;
      try {
        shared = new URL(Buffer.from(share[1]!, 'base64url').toString('utf8')).href;
      } catch {
        return send(res, 400, errorBody('invalidRequest', 'The sharing URL is not encoded as the page says.'));
      }
      const item = [...items.values()].find((i) => i.parentId !== null && new URL(webUrlOf(i)).href === shared);
      if (!item) return send(res, 404, errorBody('itemNotFound', 'The sharing link could not be found.'));
      return send(res, 200, driveItemJson(item, select));
    }

    // [listitem-update]: PATCH /sites/{site-id}/lists/{list-id}/items/{item-id}/fields; GET the same for reading.
    const fields = route(undefined, /^\/sites\/([^/]+)\/lists\/([^/]+)\/items\/([^/]+)\/fields$/);
    if (fields) {
      const m = fields;
      const item = [...items.values()].find(
        (i) => i.listItemId === m![3] && driveOf(i.driveId)?.drive.listId === m![2],
      );
      if (!item || driveOf(item.driveId)?.site.id !== m[1])
        return send(res, 404, errorBody('itemNotFound', 'Item not found'));
      if (method === 'GET') return send(res, 200, item.fields);
      if (method !== 'PATCH') return send(res, 405, errorBody('invalidRequest', 'Method not allowed.'));
      const body = await readJson(req);
      if (!body) return send(res, 400, errorBody('invalidRequest', 'The request body must be a fieldValueSet.'));
      // [label-settings]: a record label makes isMetadataUpdateAllowed false; [errors]: 423 Locked.
      if (locked(item))
        return send(
          res,
          423,
          errorBody('notAllowed', `The item is a record (${item.label!.name}): its metadata cannot be changed.`),
        );
      const drive = driveOf(item.driveId)!.drive;
      // Not documented: which status an unknown column gets. The fake answers 400 invalidRequest.
      const unknown = Object.keys(body).filter((column) => !drive.columns.has(column));
      if (unknown.length)
        return send(res, 400, errorBody('invalidRequest', `Field '${unknown[0]}' is not recognized.`));
      Object.assign(item.fields, body);
      return send(res, 200, item.fields);
    }

    // Drive items: by id, by path from the root, by path from an item.
    const m =
      /^\/drives\/([^/]+)\/(root|items\/([^/:]+))(?::\/(.*?):?)?(\/children|\/content|\/createUploadSession|\/retentionLabel)?$/.exec(
        path,
      );
    if (!m) return send(res, 400, errorBody('invalidRequest', `The fake does not serve ${method} ${path}.`));
    const found = driveOf(m[1]!);
    if (!found) return send(res, 404, errorBody('itemNotFound', 'The drive could not be found.'));
    const { drive } = found;
    const fromId = m[2] === 'root' ? drive.rootId : m[3]!;
    const subPath = m[4];
    const action = m[5];

    if (action === '/content' && method === 'PUT') {
      // [put-content]: PUT /drives/{id}/items/{parent-id}:/{filename}:/content creates a file of at most 4 MB.
      const parent = items.get(fromId);
      if (!parent?.folder || !subPath)
        return send(res, 404, errorBody('itemNotFound', 'The parent folder does not exist.'));
      const body = await readBody(req);
      if (body.length > MAX_SIMPLE_UPLOAD)
        return send(res, 413, errorBody('maxFileSizeExceeded', 'Use an upload session for files over 4 MB.'));
      const hash = new QuickXorHash().update(body).digest();
      const existing = childNamed(drive.id, parent.id, subPath);
      // OneDrive put_content § Conflict Resolution Behavior: replace by default; fail and rename on request.
      const behavior = url.searchParams.get('@microsoft.graph.conflictBehavior') ?? 'replace';
      if (existing) {
        if (behavior === 'fail')
          return send(res, 409, errorBody('nameAlreadyExists', 'The specified item name already exists.'));
        if (behavior === 'replace') {
          if (locked(existing))
            return send(res, 423, errorBody('notAllowed', 'The item is a record: its content cannot be changed.'));
          existing.content = keepContent ? [body] : undefined;
          existing.size = body.length;
          existing.quickXorHash = hash;
          return send(res, 200, driveItemJson(existing, select));
        }
      }
      const name = existing ? freeName(drive.id, parent.id, subPath) : subPath;
      const item = createItem(drive.id, parent.id, name, keepContent ? [body] : undefined, body.length, hash, false);
      return send(res, 201, driveItemJson(item, select));
    }

    if (action === '/createUploadSession' && method === 'POST') {
      const parent = items.get(fromId);
      if (!parent?.folder || !subPath)
        return send(res, 404, errorBody('itemNotFound', 'The parent folder does not exist.'));
      const body = (await readJson(req)) ?? {};
      const item = (body.item ?? {}) as Record<string, unknown>;
      // [upload-session]: "The {item-path} must contain the name of the item that's specified in the request body."
      if (item.name !== undefined && item.name !== subPath)
        return send(res, 400, errorBody('invalidRequest', 'The item name in the body differs from the path.'));
      const session: UploadSession = {
        id: randomUUID(),
        driveId: drive.id,
        parentId: parent.id,
        name: subPath,
        // [upload-session]: "@microsoft.graph.conflictBehavior": "fail (default) | replace | rename".
        conflictBehavior: String(item['@microsoft.graph.conflictBehavior'] ?? 'fail'),
        expiresAt: now() + SESSION_LIFETIME_MS,
        total: typeof item.fileSize === 'number' ? item.fileSize : undefined,
        next: 0,
        hash: new QuickXorHash(),
        content: [],
      };
      sessions.set(session.id, session);
      return send(res, 200, {
        uploadUrl: `${filesOrigin}/upload/${session.id}`,
        expirationDateTime: new Date(session.expiresAt).toISOString(),
      });
    }

    if (action === '/retentionLabel') {
      const item = items.get(fromId);
      if (!item || subPath) return send(res, 404, errorBody('itemNotFound', 'Item not found'));
      if (method === 'GET') {
        // [get-label]: the itemRetentionLabel; an item without one has no label name.
        return item.label
          ? send(res, 200, labelJson(item))
          : send(res, 404, errorBody('itemNotFound', 'The item has no retention label.'));
      }
      if (method !== 'PATCH') return send(res, 405, errorBody('invalidRequest', 'Method not allowed.'));
      const body = await readJson(req);
      const name = typeof body?.name === 'string' ? body.name : undefined;
      const label = name ? labels.get(name) : undefined;
      // Not documented: the status of an unknown label. The fake answers 400 invalidRequest.
      if (!name || !label)
        return send(
          res,
          400,
          errorBody('invalidRequest', `The retention label '${name}' does not exist or is not published to this site.`),
        );
      if (label.refuse) return send(res, label.refuse.status, errorBody(label.refuse.code, label.refuse.message));
      if (item.label?.name === name) return send(res, 200, labelJson(item)); // [set-label]: later updates answer 200.
      // [label-settings]: isLabelUpdateAllowed is false on a record; not documented: the status (423, as a lock).
      if (item.label && locked(item))
        return send(res, 423, errorBody('notAllowed', 'The item is a record: its label cannot be changed.'));
      const first = item.label === undefined;
      item.label = { name, behavior: label.behavior, appliedAt: iso() };
      // [set-label]: "201 Created" the first time, "200 OK" for subsequent updates.
      return send(res, first ? 201 : 200, labelJson(item));
    }

    if (action === '/children' && method === 'POST') {
      const parent = subPath ? resolvePath(drive.id, fromId, subPath) : items.get(fromId);
      if (!parent?.folder) return send(res, 404, errorBody('itemNotFound', 'The parent folder does not exist.'));
      const body = await readJson(req);
      const name = typeof body?.name === 'string' ? body.name : '';
      if (!name || !body?.folder)
        return send(res, 400, errorBody('invalidRequest', 'A folder needs a name and a folder facet.'));
      const existing = childNamed(drive.id, parent.id, name);
      // [post-children] with the body's @microsoft.graph.conflictBehavior; fail when not given, as for upload sessions.
      const behavior = String(body['@microsoft.graph.conflictBehavior'] ?? 'fail');
      if (existing && behavior === 'fail')
        return send(res, 409, errorBody('nameAlreadyExists', 'The specified item name already exists.'));
      if (existing && behavior === 'replace') return send(res, 200, driveItemJson(existing, select));
      const item = createItem(
        drive.id,
        parent.id,
        existing ? freeName(drive.id, parent.id, name) : name,
        undefined,
        0,
        '',
        true,
      );
      return send(res, 201, driveItemJson(item, select));
    }

    if (!action && method === 'GET') {
      // [driveitem-get]: by id, or by path (root:/{item-path} or items/{id}:/{path}).
      const item = subPath !== undefined ? resolvePath(drive.id, fromId, subPath) : items.get(fromId);
      if (!item || item.driveId !== drive.id)
        return send(res, 404, errorBody('itemNotFound', 'The resource could not be found.'));
      return send(res, 200, driveItemJson(item, select));
    }

    if (!action && method === 'DELETE') {
      const item = subPath !== undefined ? resolvePath(drive.id, fromId, subPath) : items.get(fromId);
      if (!item) return send(res, 404, errorBody('itemNotFound', 'The resource could not be found.'));
      // [label-settings]: isDeleteAllowed is false on a record.
      if (locked(item)) return send(res, 423, errorBody('notAllowed', 'The item is a record: it cannot be deleted.'));
      items.delete(item.id);
      return send(res, 204);
    }

    return send(res, 400, errorBody('invalidRequest', `The fake does not serve ${method} ${path}.`));
  }

  function labelJson(item: FakeItem) {
    const record = item.label!.behavior !== 'retain';
    return {
      name: item.label!.name,
      // [label-settings]: what a label allows; a record label blocks content and metadata updates and deletion.
      retentionSettings: {
        behaviorDuringRetentionPeriod: item.label!.behavior,
        isDeleteAllowed: !record,
        isRecordLocked: record,
        isMetadataUpdateAllowed: !record,
        isContentUpdateAllowed: !record,
        isLabelUpdateAllowed: !record,
      },
      isLabelAppliedExplicitly: true,
      labelAppliedDateTime: item.label!.appliedAt,
      labelAppliedBy: { user: { id: 'f00dcafe-0000-4000-8000-000000000001', displayName: 'Alice Example' } },
    };
  }

  function freeName(driveId: string, parentId: string, name: string): string {
    const dot = name.lastIndexOf('.');
    for (let n = 1; ; n++) {
      const candidate = dot > 0 ? `${name.slice(0, dot)} ${n}${name.slice(dot)}` : `${name} ${n}`;
      if (!childNamed(driveId, parentId, candidate)) return candidate;
    }
  }

  async function uploadUrl(req: IncomingMessage, res: ServerResponse, method: string, url: URL) {
    const session = sessions.get(url.pathname.slice('/upload/'.length));
    // [upload-session] Remarks: "If you include the Authorization header when issuing the PUT call, it may result
    // in an HTTP 401 Unauthorized response." The fake always answers 401 to a token sent there.
    if (req.headers.authorization) {
      await readBody(req);
      return send(res, 401, errorBody('unauthenticated', 'Do not send an Authorization header to the upload URL.'));
    }
    // [upload-session] Best practices: a 404 means the session no longer exists (expired, completed or cancelled).
    if (!session || session.expiresAt <= now()) {
      await readBody(req);
      if (session) sessions.delete(session.id);
      return send(res, 404, errorBody('itemNotFound', 'The upload session was not found.'));
    }
    const status = () => ({
      expirationDateTime: new Date(session.expiresAt).toISOString(),
      // "On successful fragment writes, it will return the next range to start from (for example "523-")."
      nextExpectedRanges: [`${session.next}-`],
    });
    // [upload-session] § Resuming: GET the upload URL for the missing ranges.
    if (method === 'GET') return send(res, 200, status());
    // [upload-session] § Cancel: DELETE cleans the session up, 204.
    if (method === 'DELETE') {
      sessions.delete(session.id);
      return send(res, 204);
    }
    if (method !== 'PUT') return send(res, 405, errorBody('invalidRequest', 'Method not allowed.'));

    const body = await readBody(req);
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(req.headers['content-range'] ?? '');
    if (!range)
      return send(res, 400, errorBody('invalidRequest', 'A Content-Range of bytes start-end/total is required.'));
    const [start, end, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
    const length = end - start + 1;
    if (length !== body.length || end < start)
      return send(res, 400, errorBody('invalidRequest', 'The body length differs from the Content-Range.'));
    // [upload-session]: "the maximum bytes in any given request is less than 60 MiB".
    if (length >= MAX_FRAGMENT)
      return send(res, 413, errorBody('maxFragmentLengthExceeded', 'A fragment must be under 60 MiB.'));
    // [upload-session] note: the total size "is the same for all requests"; [errors] fragmentLengthMismatch.
    if (session.total !== undefined && total !== session.total)
      return send(
        res,
        400,
        errorBody('invalidRequest', 'fragmentLengthMismatch: the declared total differs from the session.'),
      );
    session.total = total;
    // [upload-session] Remarks: a fragment the server already received gets 416; [errors] fragmentOverlap.
    if (start < session.next)
      return send(res, 416, errorBody('invalidRange', 'fragmentOverlap: the fragment overlaps data already received.'));
    // [upload-session]: "Uploading fragments out of order results in an error" (status not documented: 416 here).
    if (start > session.next)
      return send(res, 416, errorBody('invalidRange', 'fragmentOutOfOrder: the fragment is out of order.'));
    // [upload-session]: "the size of each byte range MUST be a multiple of 320 KiB". Graph fails at commit; the
    // fake refuses the fragment itself (stricter), except the last one, which ends the file.
    if (end + 1 < total && length % FRAGMENT_UNIT !== 0)
      return send(
        res,
        400,
        errorBody('invalidRequest', 'A fragment other than the last must be a multiple of 320 KiB.'),
      );
    if (end >= total) return send(res, 400, errorBody('invalidRange', 'The range ends past the declared total.'));

    session.hash.update(body);
    if (keepContent) session.content.push(body);
    session.next = end + 1;
    if (session.next < total) return send(res, 202, status());

    // [upload-session] § Completing a file: the last range creates the file, 201 with the driveItem;
    // § Handling upload conflicts: a name taken meanwhile answers 409 nameAlreadyExists.
    const existing = childNamed(session.driveId, session.parentId, session.name);
    if (existing && session.conflictBehavior === 'fail') {
      return send(
        res,
        409,
        errorBody('nameAlreadyExists', 'Another file exists with the same name as the uploaded session.'),
      );
    }
    sessions.delete(session.id);
    if (existing && session.conflictBehavior === 'replace' && !locked(existing)) {
      existing.content = keepContent ? session.content : undefined;
      existing.size = total;
      existing.quickXorHash = session.hash.digest();
      return send(res, 200, driveItemJson(existing, null));
    }
    const name = existing ? freeName(session.driveId, session.parentId, session.name) : session.name;
    const item = createItem(
      session.driveId,
      session.parentId,
      name,
      keepContent ? session.content : undefined,
      total,
      session.hash.digest(),
      false,
    );
    return send(res, 201, driveItemJson(item, null));
  }

  return {
    /** The Graph base URL, `http://127.0.0.1:port/v1.0`. */
    url: base,
    origin,
    requests,
    /** Adds a site with document libraries; each library's columns are the ones `fields` may set. */
    addSite(
      host: string,
      path: string,
      libraries: { name: string; columns?: string[]; listId?: string }[],
      ids: { siteCollectionId?: string; webId?: string } = {},
    ) {
      // [site-by-path] / resources/site.md: a site's id is "{hostname},{site collection id},{web id}".
      const id = `${host},${ids.siteCollectionId ?? randomUUID()},${ids.webId ?? randomUUID()}`;
      const site: FakeSite = { id, host: host.toLowerCase(), path, webUrl: `https://${host}${path}`, drives: [] };
      for (const library of libraries) {
        const driveId = `b!${randomUUID().replaceAll('-', '')}`;
        const root: FakeItem = {
          id: nextId('01ROOT'),
          driveId,
          parentId: null,
          name: 'root',
          folder: true,
          size: 0,
          content: undefined,
          quickXorHash: '',
          createdDateTime: iso(),
          listItemId: '0',
          uniqueId: randomUUID(),
          fields: {},
        };
        items.set(root.id, root);
        site.drives.push({
          id: driveId,
          name: library.name,
          siteId: id,
          listId: library.listId ?? randomUUID(),
          rootId: root.id,
          columns: new Set(['Title', ...(library.columns ?? [])]),
          webUrl: `${site.webUrl}/${encodeURIComponent(library.name)}`,
        });
      }
      sites.push(site);
      return site;
    },
    /** A file already in a library (a document a user opens in SharePoint), at `path` below the library's root. */
    addFile(driveId: string, path: string, bytes: Buffer, ids: { uniqueId?: string; listItemId?: string } = {}) {
      const segments = path.split('/').filter(Boolean);
      const name = segments.pop()!;
      let parent = items.get(driveOf(driveId)!.drive.rootId)!;
      for (const segment of segments) {
        parent =
          childNamed(driveId, parent.id, segment) ?? createItem(driveId, parent.id, segment, undefined, 0, '', true);
      }
      const item = createItem(
        driveId,
        parent.id,
        name,
        [bytes],
        bytes.length,
        new QuickXorHash().update(bytes).digest(),
        false,
      );
      if (ids.uniqueId) item.uniqueId = ids.uniqueId.toLowerCase();
      if (ids.listItemId) item.listItemId = ids.listItemId;
      return { ...item, webUrl: webUrlOf(item) };
    },
    addLabel(name: string, behavior: LabelBehavior, refuse?: { status: number; code: string; message: string }) {
      labels.set(name, { behavior, ...(refuse ? { refuse } : {}) });
    },
    /** A message in the signed-in user's mailbox, under its REST id and, if given, its EWS id. */
    addMessage(restId: string, mime: Buffer | string, ewsId?: string) {
      messages.set(restId, Buffer.from(mime));
      if (ewsId) ewsToRest.set(ewsId, restId);
    },
    /** The next `count` matching requests are throttled with this Retry-After (seconds) and status. */
    throttle(count: number, retryAfter: string, match: Rule['match'] = () => true, status = 429) {
      throttles.push({ count, retryAfter, match, status });
    },
    /** The next `count` matching requests are carried out, but their answers are lost (the connection is cut). */
    loseAnswers(count: number, match: Rule['match']) {
      drops.push({ count, match });
    },
    /** Every token seen so far stops being accepted, as when access tokens expire. */
    expireTokens() {
      for (const token of seenTokens) revoked.add(token);
    },
    /** Accepts one more test token (a test's token source hands out a new one on refresh). */
    acceptToken(token: string) {
      testTokens.add(token);
    },
    /** Files and folders under a drive, with their paths. */
    files(driveId?: string) {
      return [...items.values()]
        .filter((item) => item.parentId !== null && (!driveId || item.driveId === driveId))
        .map((item) => ({
          ...item,
          path: pathOf(item),
          bytes: item.content ? Buffer.concat(item.content) : undefined,
        }));
    },
    item: (id: string) => items.get(id),
    sessions: () => [...sessions.values()],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type GraphFake = Awaited<ReturnType<typeof startGraphFake>>;
