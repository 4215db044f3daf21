import * as v from 'valibot';
import type { DeclaredRecord, Receipt } from '../../records/record';
import {
  type CommitRequest,
  type Connector,
  type ConnectorCapabilities,
  type ConnectorDeps,
  ConnectorError,
  type Json,
  type ProbeResult,
  type SendPartRequest,
} from '../connector';
import { failure, GraphClient, graphPath, type TokenSource, tokenFailure } from './graph';
import { type ColumnMapping, columnValues, Microsoft365Mapping, type ResolvedTarget, targetFor } from './mapping';
import { partNames, recordFolderName } from './names';
import { type DriveItem, SIMPLE_UPLOAD_MAX, sendPart } from './upload';

/**
 * SharePoint Online and OneDrive for Business as the records repository, through Microsoft Graph
 * (docs/connectors/microsoft-365.md). A record becomes a folder named after its title and id in the library its
 * file-plan category maps to; each content part is a file in it; the primary part carries the record's metadata in
 * the library's columns; then the retention label is applied to every part, since a record label locks what it
 * labels (retentionlabelsettings.md: `isMetadataUpdateAllowed`). Fixity is SharePoint's QuickXorHash of each file,
 * computed here over the bytes sent and compared with what SharePoint reports; the receipt keeps it beside the
 * record's sha256.
 */

export const MICROSOFT_365_ID = 'microsoft-365';
export const GRAPH_BASE = 'https://graph.microsoft.com/v1.0';

export interface Microsoft365Deps extends ConnectorDeps {
  /** Access tokens for Graph, from the Microsoft sign-in (utils/auth). */
  token: TokenSource;
  /** Graph's base URL (national clouds, tests); `https://graph.microsoft.com/v1.0` by default. */
  graphBase?: string | undefined;
}

/** What resolveTarget saves: the mapping's target with Graph's ids for it. */
const SavedTarget = v.object({
  siteId: v.string(),
  driveId: v.string(),
  folderId: v.string(),
  label: v.optional(v.string()),
  columns: v.record(v.string(), v.string()),
  from: v.string(),
});
type SavedTarget = v.InferOutput<typeof SavedTarget>;

const SavedRef = v.object({
  id: v.string(),
  name: v.string(),
  size: v.number(),
  quickXorHash: v.string(),
  remoteQuickXorHash: v.nullable(v.string()),
  createdDateTime: v.nullable(v.string()),
  webUrl: v.nullable(v.string()),
});

const Committed = v.object({
  folderId: v.string(),
  folderUrl: v.nullable(v.string()),
  primary: v.number(),
  parts: v.array(SavedRef),
});
type Committed = v.InferOutput<typeof Committed>;

function parseSaved<T>(schema: v.GenericSchema<unknown, T>, value: Json | undefined, what: string): T {
  const parsed = v.safeParse(schema, value);
  if (!parsed.success)
    throw new ConnectorError(`The outbox holds an unreadable ${what} for Microsoft 365.`, 'permanent');
  return parsed.output;
}

const enc = encodeURIComponent;
/** An item's address; the library's root folder is `/drives/{id}/root` (driveitem-get.md, driveitem-post-children.md). */
const itemUrl = (drive: string, id: string) =>
  id === 'root' ? `/drives/${enc(drive)}/root` : `/drives/${enc(drive)}/items/${enc(id)}`;

export function createMicrosoft365Connector(deps: Microsoft365Deps): Connector {
  const graph = new GraphClient({
    base: deps.graphBase ?? GRAPH_BASE,
    fetch: deps.fetch,
    now: deps.now,
    token: deps.token,
  });
  const parsedMapping = deps.mapping === undefined ? undefined : v.safeParse(Microsoft365Mapping, deps.mapping);
  // Ids Graph gave for sites, libraries and folders, kept while this connector instance lives (one drain).
  const sites = new Map<string, Promise<string>>();
  const drives = new Map<string, Promise<string>>();
  const folders = new Map<string, Promise<{ id: string; webUrl: string | null }>>();

  function mapping(): Microsoft365Mapping {
    if (!parsedMapping) {
      throw new ConnectorError(
        'The presets map no file-plan category to Microsoft 365: ask your records administrator.',
        'permanent',
      );
    }
    if (!parsedMapping.success) {
      throw new ConnectorError(
        `The presets' Microsoft 365 mapping is not valid: ${parsedMapping.issues[0]?.message}`,
        'permanent',
      );
    }
    return parsedMapping.output;
  }

  const once = <T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> => {
    let value = cache.get(key);
    if (!value) {
      value = make();
      cache.set(key, value);
      value.catch(() => cache.delete(key));
    }
    return value;
  };

  /** site-getbypath.md (`host:/sites/name`) or a site id. */
  const siteId = (site: string) =>
    once(sites, site.toLowerCase(), async () => {
      const [host, path] = site.includes(':/') ? site.split(/:(?=\/)/, 2) : [site, undefined];
      const url = path === undefined ? `/sites/${enc(site)}` : `/sites/${enc(host!)}:/${graphPath(path)}`;
      const response = await graph.raw(url, { doing: `find the SharePoint site ${site}` });
      if (response.status === 404) {
        await response.body?.cancel();
        throw new ConnectorError(
          `The SharePoint site ${site} was not found (check the presets' mapping).`,
          'permanent',
          { status: 404 },
        );
      }
      if (response.status !== 200) throw await failure(response, `find the SharePoint site ${site}`, deps.now());
      const found = (await response.json()) as { id?: unknown };
      if (typeof found.id !== 'string')
        throw new ConnectorError(`Microsoft 365 answered a site without an id for ${site}.`, 'retryable');
      return found.id;
    });

  /** drive-list.md: the site's libraries, matched by name (case-insensitively) or drive id. */
  const driveId = (site: string, library: string) =>
    once(drives, `${site.toLowerCase()}|${library}`, async () => {
      const id = await siteId(site);
      const { value } = await graph.json<{ value?: { id?: unknown; name?: unknown }[] }>(`/sites/${enc(id)}/drives`, {
        doing: `list the libraries of ${site}`,
      });
      const libraries = (value ?? []).filter(
        (d): d is { id: string; name: string } => typeof d.id === 'string' && typeof d.name === 'string',
      );
      const match =
        libraries.find((d) => d.id === library) ??
        libraries.find((d) => d.name.toLowerCase() === library.toLowerCase());
      if (!match) {
        const names = libraries.map((d) => d.name).join(', ') || 'none';
        throw new ConnectorError(
          `The library "${library}" was not found in ${site} (its libraries: ${names}).`,
          'permanent',
          { status: 404 },
        );
      }
      return match.id;
    });

  /** A folder in a drive, created when missing (driveitem-post-children.md); a 409 means it is there already. */
  const folder = (drive: string, parentId: string, name: string) =>
    once(folders, `${drive}|${parentId}|${name.toLowerCase()}`, async () => {
      const doing = `create the folder ${name}`;
      const response = await graph.raw(`${itemUrl(drive, parentId)}/children`, {
        method: 'POST',
        json: { name, folder: {}, '@microsoft.graph.conflictBehavior': 'fail' },
        doing,
      });
      let item: DriveItem;
      if (response.status === 201) item = (await response.json()) as DriveItem;
      else if (response.status === 409) {
        await response.body?.cancel();
        item = await graph.json<DriveItem>(`${itemUrl(drive, parentId)}:/${graphPath(name)}:`, {
          doing: `open the folder ${name}`,
        });
        if (!item.folder)
          throw new ConnectorError(`"${name}" exists in SharePoint but is a file, not a folder.`, 'exists', {
            status: 409,
          });
      } else throw await failure(response, doing, deps.now());
      if (typeof item.id !== 'string')
        throw new ConnectorError(`Microsoft 365 answered a folder without an id (${name}).`, 'retryable');
      return { id: item.id, webUrl: typeof item.webUrl === 'string' ? item.webUrl : null };
    });

  async function folderPath(drive: string, path: string): Promise<string> {
    let parent = 'root';
    for (const segment of path.split('/').filter(Boolean)) parent = (await folder(drive, parent, segment)).id;
    return parent;
  }

  function resolved(record: DeclaredRecord): ResolvedTarget {
    const target = targetFor(mapping(), record);
    if ('error' in target) throw new ConnectorError(target.error, 'permanent');
    return target;
  }

  const capabilities: ConnectorCapabilities = {
    maxSinglePartBytes: SIMPLE_UPLOAD_MAX,
    // OneDrive and SharePoint limit a file to 250 GB.
    maxPartBytes: 250 * 1000 ** 3,
    resumableParts: true,
    digest: 'quickXorHash',
    existing: 'name',
    declaration: 'label',
    findsBySource: false,
    servesPresets: false,
  };

  return {
    id: MICROSOFT_365_ID,
    describe: () => capabilities,

    async probe(): Promise<ProbeResult> {
      let map: Microsoft365Mapping;
      try {
        map = mapping();
      } catch (error) {
        return { ok: false, kind: 'not-configured', detail: (error as Error).message };
      }
      try {
        await deps.token();
      } catch (error) {
        const failed = tokenFailure(error);
        return {
          ok: false,
          kind: failed.kind === 'retryable' ? 'unreachable' : failed.interactive ? 'sign-in' : 'auth',
          detail: failed.message,
        };
      }
      let user: string | undefined;
      try {
        const me = await graph.json<{ userPrincipalName?: unknown; displayName?: unknown }>(
          '/me?$select=displayName,userPrincipalName',
          {
            doing: 'read the signed-in user',
          },
        );
        user = typeof me.userPrincipalName === 'string' ? me.userPrincipalName : undefined;
      } catch (error) {
        return probeFailure(error, 'Microsoft Graph did not accept the sign-in');
      }
      const targets = [...Object.values(map.categories), ...(map.default ? [map.default] : [])];
      const libraries = new Map(targets.map((t) => [`${t.site.toLowerCase()}|${t.library}`, t]));
      if (libraries.size > 50) {
        return {
          ok: true,
          user,
          detail: `Signed in; ${libraries.size} libraries are mapped, too many to check here: each is checked when its first record is filed.`,
        };
      }
      for (const target of libraries.values()) {
        try {
          await driveId(target.site, target.library);
        } catch (error) {
          return probeFailure(error, `The library "${target.library}" in ${target.site} cannot be used`);
        }
      }
      const labels = [...new Set(targets.flatMap((t) => (t.retentionLabel ? [t.retentionLabel] : [])))];
      return {
        ok: true,
        user,
        detail:
          `Signed in; ${libraries.size} mapped ${libraries.size === 1 ? 'library is' : 'libraries are'} reachable.` +
          (labels.length
            ? ` Retention labels (${labels.join(', ')}) cannot be listed with the user's permissions: each is confirmed when the first record is labelled, and a label SharePoint refuses stops that record with SharePoint's answer.`
            : ''),
      };
    },

    async resolveTarget(record) {
      const target = resolved(record);
      const drive = await driveId(target.site, target.library);
      const saved: SavedTarget = {
        siteId: await siteId(target.site),
        driveId: drive,
        folderId: await folderPath(drive, target.folder),
        ...(target.retentionLabel ? { label: target.retentionLabel } : {}),
        columns: target.columns,
        from: target.from,
      };
      return saved;
    },

    // The proof that a part in SharePoint is ours needs the part's bytes (SharePoint reports only a QuickXorHash,
    // never a sha256), and this step has none: a lost create is found by `sendPart` instead, where a 409 on the
    // record's own file name is resolved by size and hash without sending the part again.
    findExisting: async () => undefined,

    async sendPart({ record, target, entry, part, checkpoint, save }: SendPartRequest) {
      const t = parseSaved(SavedTarget, target, 'target');
      const recordFolder = await folder(t.driveId, t.folderId, recordFolderName(record));
      const ref = await sendPart({
        graph,
        fetch: deps.fetch,
        driveId: t.driveId,
        folderId: recordFolder.id,
        name: partNames(record)[part.index]!,
        entry,
        part,
        checkpoint,
        save,
      });
      return ref;
    },

    async commit({ record, target, refs }: CommitRequest) {
      const t = parseSaved(SavedTarget, target, 'target');
      const parts = refs.map((ref) => parseSaved(SavedRef, ref, 'part reference'));
      const primary = Math.max(
        0,
        record.content.findIndex((entry) => entry.role === 'primary'),
      );
      const recordFolder = await folder(t.driveId, t.folderId, recordFolderName(record));
      const values = columnValues(record, t.columns as ColumnMapping);
      if (Object.keys(values).length > 0 && parts[primary]) await setColumns(t, parts[primary]!.id, values, record);
      const committed: Committed = { folderId: recordFolder.id, folderUrl: recordFolder.webUrl, primary, parts };
      return committed;
    },

    async finalize(record, target, committedJson): Promise<Receipt> {
      const t = parseSaved(SavedTarget, target, 'target');
      const committed = parseSaved(Committed, committedJson, 'delivery');
      if (t.label) {
        for (const part of committed.parts) await applyLabel(t, part.id, part.name, t.label);
      }
      const content = [];
      for (const [index, entry] of record.content.entries()) {
        const part = committed.parts[index];
        if (!part)
          throw new ConnectorError(`Part ${index + 1} of record ${record.id} has no file in SharePoint.`, 'permanent');
        const remote = part.remoteQuickXorHash ?? (await storedHash(t, part));
        if (part.size !== entry.size || remote !== part.quickXorHash) {
          throw new ConnectorError(
            `SharePoint holds ${part.name} as ${part.size} bytes with QuickXorHash ${remote}; the record's part is ${entry.size} bytes with ${part.quickXorHash}.`,
            'permanent',
          );
        }
        content.push({ name: entry.name, sha256: entry.sha256, size: part.size, quickXorHash: remote });
      }
      const primary = committed.parts[committed.primary];
      return {
        id: record.id,
        url: committed.folderUrl ?? primary?.webUrl ?? `${graph.base}/drives/${t.driveId}/items/${committed.folderId}`,
        receivedAt: toIso(primary?.createdDateTime) ?? new Date(deps.now()).toISOString(),
        content,
      };
    },

    // The receipt is checked against the record here; SharePoint's QuickXorHash was compared with the one computed
    // over the bytes sent in `finalize`, which alone has both.
    async verify(record, receipt) {
      if (receipt.id !== record.id) return `the receipt is for record ${receipt.id}, not ${record.id}`;
      if (receipt.content.length !== record.content.length) {
        return `SharePoint holds ${receipt.content.length} files for the record's ${record.content.length} parts`;
      }
      for (const [index, entry] of record.content.entries()) {
        const got = receipt.content[index]!;
        if (got.size !== entry.size || got.sha256 !== entry.sha256 || !got.quickXorHash) {
          return `part ${index + 1} (${entry.name}) is ${got.size} bytes in SharePoint, ${entry.size} in the record${got.quickXorHash ? '' : ', and has no QuickXorHash'}`;
        }
      }
      return undefined;
    },
  };

  /**
   * listitem-update.md: PATCH the primary file's list item. Its ids come from the driveItem's `sharepointIds`
   * (returned on $select only). When the item is already locked (a record label from an earlier attempt whose
   * progress was lost), the columns must already hold these values, or the record conflicts with what is filed.
   */
  async function setColumns(t: SavedTarget, itemId: string, values: Record<string, string>, record: DeclaredRecord) {
    const item = await graph.json<{ sharepointIds?: { listId?: unknown; listItemId?: unknown } }>(
      `/drives/${enc(t.driveId)}/items/${enc(itemId)}?$select=id,sharepointIds`,
      { doing: 'read the list item of the primary file' },
    );
    const listId = item.sharepointIds?.listId;
    const listItemId = item.sharepointIds?.listItemId;
    if (typeof listId !== 'string' || typeof listItemId !== 'string') {
      throw new ConnectorError(
        'Microsoft 365 gave no list item for the primary file: is the target a document library?',
        'permanent',
      );
    }
    const path = `/sites/${enc(t.siteId)}/lists/${enc(listId)}/items/${enc(listItemId)}/fields`;
    const doing = `set the columns of record ${record.id} (${Object.keys(values).join(', ')})`;
    const response = await graph.raw(path, { method: 'PATCH', json: values, doing });
    if (response.status === 200) {
      await response.body?.cancel();
      return;
    }
    if (response.status === 423) {
      await response.body?.cancel();
      const fields = await graph.json<Record<string, unknown>>(path, { doing: 'read the columns of a locked record' });
      const differing = Object.entries(values).filter(([column, value]) => String(fields[column] ?? '') !== value);
      if (differing.length === 0) return;
      throw new ConnectorError(
        `Record ${record.id} is already locked in SharePoint with other values in ${differing.map(([c]) => c).join(', ')}.`,
        'conflict',
        { status: 423 },
      );
    }
    throw await failure(response, doing, deps.now());
  }

  /** driveitem-setretentionlabel.md. A label SharePoint will not apply stops the record with SharePoint's answer. */
  async function applyLabel(t: SavedTarget, itemId: string, name: string, label: string) {
    const doing = `apply the retention label "${label}" to ${name}`;
    const response = await graph.raw(`/drives/${enc(t.driveId)}/items/${enc(itemId)}/retentionLabel`, {
      method: 'PATCH',
      json: { name: label },
      doing,
    });
    if (response.status === 200 || response.status === 201) {
      await response.body?.cancel();
      return;
    }
    const error = await failure(response, doing, deps.now());
    if (error.kind === 'throttled' || error.kind === 'retryable' || error.kind === 'auth') throw error;
    throw new ConnectorError(
      `${error.message} The files and columns are in SharePoint; the record is not declared until the label is applied.`,
      'permanent',
      {
        status: error.status,
      },
    );
  }

  /** hashes.md: a hash may be missing at first and appear later; a file without one is checked again later. */
  async function storedHash(t: SavedTarget, part: v.InferOutput<typeof SavedRef>): Promise<string> {
    const item = await graph.json<DriveItem>(`/drives/${enc(t.driveId)}/items/${enc(part.id)}`, {
      doing: `check ${part.name}`,
    });
    const hash = item.file?.hashes?.quickXorHash;
    if (typeof hash !== 'string') {
      throw new ConnectorError(`SharePoint has not reported the QuickXorHash of ${part.name} yet.`, 'retryable');
    }
    return hash;
  }
}

function toIso(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function probeFailure(error: unknown, doing: string): ProbeResult {
  const failed = error instanceof ConnectorError ? error : tokenFailure(error);
  const detail = `${doing}: ${failed.message}`;
  if (failed.kind === 'auth') return { ok: false, kind: failed.interactive ? 'sign-in' : 'auth', detail };
  if (failed.kind === 'retryable' && failed.status === undefined) return { ok: false, kind: 'unreachable', detail };
  if (failed.status === 403) return { ok: false, kind: 'permission', detail };
  if (failed.status === 404) return { ok: false, kind: 'setup', detail };
  if (failed.kind === 'throttled' || (failed.status ?? 0) >= 500) return { ok: false, kind: 'server-error', detail };
  return { ok: false, kind: 'setup', detail };
}
