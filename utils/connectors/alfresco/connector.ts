import * as v from 'valibot';
import type { ContentEntry, DeclaredRecord, Receipt } from '../../records/record';
import {
  type Connector,
  type ConnectorDeps,
  ConnectorError,
  type Json,
  type PriorRecord,
  type ProbeResult,
} from '../connector';
import { type MultipartEntry, partBytes } from '../multipart';
import { digestOfBody, readBackMismatch } from '../read-back';
import { ALFRESCO_PASSWORD, AlfrescoClient, type AlfrescoSettings, API } from './client';
import {
  ALFRESCO_CONNECTOR_ID,
  type AlfrescoMapping,
  type FolderRef,
  identityProperties,
  metadataProperties,
  parseAlfrescoMapping,
  placementOf,
  validMapping,
} from './mapping';

/**
 * The Alfresco Governance Services connector (docs/connectors/alfresco.md). Each part of a record becomes one
 * electronic record, created with its content and metadata in one request in the record folder its category is
 * mapped to (gs-core-api.yaml, POST /record-folders/{id}/records, multipart with `filedata`) or in the unfiled
 * records container; attachments and renditions point to the primary part; then every part is completed.
 *
 * Alfresco renames records (it appends the record identifier to the name), so a name proves nothing. Every part
 * carries the `rk:identity` aspect with our record id, and the parts of a record are looked up by exact match on
 * it before anything is created: a create whose answer was lost is found, not repeated.
 */

export { ALFRESCO_CONNECTOR_ID };

/** The aspect and its properties, as docs/connectors/recordkeeper-model.xml defines them. */
export const IDENTITY_ASPECT = 'rk:identity';
const DECLARED_ASPECT = 'rma:declaredRecord';
/** RecordServiceImpl checks this aspect's mandatory properties on completion even when the node lacks it. */
const CUSTOM_RECORD_ASPECT = 'rmc:rmarecordCustomProperties';

const NodeSchema = v.object({
  id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]{1,64}$/)),
  name: v.string(),
  nodeType: v.string(),
  createdAt: v.string(),
  parentId: v.optional(v.string()),
  isCompleted: v.optional(v.boolean()),
  isClosed: v.optional(v.boolean()),
  content: v.optional(v.object({ sizeInBytes: v.number() })),
  aspectNames: v.optional(v.array(v.string())),
  properties: v.optional(v.record(v.string(), v.unknown())),
  allowableOperations: v.optional(v.array(v.string())),
});
type AlfrescoNode = v.InferOutput<typeof NodeSchema>;
const NodeEntry = v.object({ entry: NodeSchema });
const NodePaging = v.object({
  list: v.object({
    pagination: v.object({ hasMoreItems: v.boolean() }),
    entries: v.array(NodeEntry),
  }),
});
const AspectEntry = v.object({
  entry: v.object({
    id: v.string(),
    title: v.optional(v.string()),
    properties: v.optional(
      v.array(v.object({ id: v.string(), title: v.optional(v.string()), isMandatory: v.optional(v.boolean()) })),
    ),
  }),
});

/** Where a record's parts are created, as saved in the outbox. */
const TargetSchema = v.object({
  container: v.picklist(['folder', 'unfiled']),
  id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]{1,64}$/)),
  label: v.string(),
});
type Target = v.InferOutput<typeof TargetSchema>;

/** One created part, as saved in the outbox. */
const PartRefSchema = v.object({
  node: v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]{1,64}$/)),
  name: v.string(),
  index: v.number(),
  createdAt: v.string(),
  size: v.optional(v.number()),
  linked: v.optional(v.boolean()),
  completed: v.optional(v.boolean()),
});
type PartRef = v.InferOutput<typeof PartRefSchema>;
const CommittedSchema = v.object({ primary: v.string(), parts: v.array(PartRefSchema) });
type Committed = v.InferOutput<typeof CommittedSchema>;

function parseSaved<T>(schema: v.GenericSchema<unknown, T>, value: unknown, what: string): T {
  const parsed = v.safeParse(schema, value);
  if (!parsed.success) throw new ConnectorError(`The outbox holds an unreadable ${what} for Alfresco.`, 'permanent');
  return parsed.output;
}

/** A name Alfresco accepts (gs-core-api.yaml, `name.pattern`: none of * " < > \ / ? : | and no trailing dot or space). */
export function nodeName(name: string): string {
  const cleaned = name.replace(/[*"<>\\/?:|]/g, '_').replace(/[. ]+$/, '');
  return cleaned === '' ? 'content' : cleaned;
}

/** Alfresco writes offsets without a colon (+0000); the record schema wants ISO 8601 with one. */
export function isoInstant(value: string): string {
  const time = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(time))
    throw new ConnectorError(`Alfresco gave an unreadable date: ${value.slice(0, 40)}`, 'retryable');
  return new Date(time).toISOString();
}

/** A string literal in a CMIS query (CMIS 1.1 query language: a quote or a backslash in a literal is escaped by a backslash). */
export function cmisLiteral(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

function primaryIndex(record: DeclaredRecord): number {
  const index = record.content.findIndex((entry) => entry.role === 'primary');
  return index === -1 ? 0 : index;
}

/** What the connection test reads before anything is filed, and what the admin is told when it is missing (404). */
const PREREQUISITES = [
  {
    path: `${API.gs}/gs-sites/rm`,
    reading: 'reading the Records Management site',
    missing:
      'Alfresco answers, but Governance Services is not installed or its Records Management site does not exist: install the AGS modules and create the site (Share, or POST /gs-sites).',
  },
  {
    path: `${API.model}/aspects/${encodeURIComponent(IDENTITY_ASPECT)}`,
    reading: 'reading the rk:identity aspect',
    missing:
      'The Recordkeeper content model is not installed: deploy docs/connectors/recordkeeper-model.xml (aspect rk:identity) as the admin guide says. Without it a retried filing could be duplicated.',
  },
];

export function createAlfrescoConnector(settings: AlfrescoSettings, deps: ConnectorDeps): Connector {
  const client = new AlfrescoClient(settings, deps);
  const mappingResult = parseAlfrescoMapping(deps.mapping);
  /** Folder references resolved during this connector's life (a path costs one listing per level). */
  const folders = new Map<string, Target>();
  /** What the last lookup found for a record, so the parts created right after it need no second one. */
  const lookups = new Map<string, Map<number, AlfrescoNode>>();

  const mapping = (): AlfrescoMapping => validMapping(mappingResult, 'Alfresco');

  async function listAll(path: string, doing: string, query: Record<string, string> = {}): Promise<AlfrescoNode[]> {
    const nodes: AlfrescoNode[] = [];
    for (let skip = 0; ; ) {
      const page = await client.json(NodePaging, 'GET', path, doing, {
        query: { ...query, skipCount: String(skip), maxItems: '100' },
      });
      nodes.push(...page.list.entries.map((e) => e.entry));
      if (!page.list.pagination.hasMoreItems || page.list.entries.length === 0) return nodes;
      skip += page.list.entries.length;
    }
  }

  /** Walks a path from the file plan's root categories down to a record folder, one listing per level. */
  async function folderByPath(path: string): Promise<AlfrescoNode | string> {
    const names = path.split('/').map((name) => name.trim());
    let level = await listAll(`${API.gs}/file-plans/-filePlan-/categories`, 'listing the file plan');
    let node: AlfrescoNode | undefined;
    for (const [depth, name] of names.entries()) {
      node = level.find((child) => child.name === name);
      if (!node) return `there is no "${name}" in ${depth === 0 ? 'the file plan' : names.slice(0, depth).join('/')}`;
      if (depth < names.length - 1) {
        if (node.nodeType === 'rma:recordFolder') return `"${names.slice(0, depth + 1).join('/')}" is a record folder`;
        level = await listAll(`${API.gs}/record-categories/${node.id}/children`, `listing ${name}`, {
          include: 'isClosed,allowableOperations',
        });
      }
    }
    if (node?.nodeType !== 'rma:recordFolder') return `"${path}" is a record category, not a record folder`;
    return node;
  }

  /** The record folder a mapping entry names, checked: it exists, is open, and the user may file into it. */
  async function resolveFolder(ref: FolderRef, label: string): Promise<Target> {
    const key = 'folderId' in ref ? `id:${ref.folderId}` : `path:${ref.path}`;
    const cached = folders.get(key);
    if (cached) return cached;
    let node: AlfrescoNode;
    if ('folderId' in ref) {
      const response = await client.request('GET', `${API.gs}/record-folders/${ref.folderId}`, `reading ${label}`, {
        query: { include: 'isClosed,allowableOperations' },
        accept: [400, 404],
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new ConnectorError(
          `The record folder mapped to ${label} (node ${ref.folderId}) does not exist in Alfresco, or is not a record folder.`,
          'permanent',
          { status: response.status },
        );
      }
      const parsed = v.safeParse(NodeEntry, await response.json().catch(() => undefined));
      if (!parsed.success) throw new ConnectorError(`Alfresco's answer for ${label} is unreadable.`, 'retryable');
      node = parsed.output.entry;
    } else {
      const found = await folderByPath(ref.path);
      if (typeof found === 'string') {
        throw new ConnectorError(`The record folder mapped to ${label} was not found: ${found}.`, 'permanent');
      }
      node = found;
      // The listing gives isClosed and allowableOperations only when asked; the folder itself always can.
      node = await client
        .json(NodeEntry, 'GET', `${API.gs}/record-folders/${node.id}`, `reading ${label}`, {
          query: { include: 'isClosed,allowableOperations' },
        })
        .then((entry) => entry.entry);
    }
    if (node.isClosed) {
      throw new ConnectorError(`The record folder mapped to ${label} (${node.name}) is closed.`, 'permanent');
    }
    if (node.allowableOperations && !node.allowableOperations.includes('create')) {
      throw new ConnectorError(
        `The Alfresco user ${settings.username} may not file into ${node.name} (mapped to ${label}): give it filing permission on that folder.`,
        'permanent',
        { status: 403 },
      );
    }
    const target: Target = { container: 'folder', id: node.id, label: `${label} → ${node.name}` };
    folders.set(key, target);
    return target;
  }

  async function unfiledContainer(): Promise<Target> {
    const cached = folders.get('unfiled');
    if (cached) return cached;
    const response = await client.request(
      'GET',
      `${API.gs}/unfiled-containers/-unfiled-`,
      'reading the unfiled records container',
      {
        query: { include: 'allowableOperations' },
        accept: [404],
      },
    );
    if (response.status === 404) {
      await response.body?.cancel();
      throw new ConnectorError(
        'Alfresco has no unfiled records container: create the Records Management site, or map every category.',
        'permanent',
        { status: 404 },
      );
    }
    const parsed = v.safeParse(NodeEntry, await response.json().catch(() => undefined));
    if (!parsed.success)
      throw new ConnectorError("Alfresco's unfiled records container answer is unreadable.", 'retryable');
    const node = parsed.output.entry;
    if (node.allowableOperations && !node.allowableOperations.includes('create')) {
      throw new ConnectorError(
        `The Alfresco user ${settings.username} may not file into the unfiled records container.`,
        'permanent',
        { status: 403 },
      );
    }
    const target: Target = { container: 'unfiled', id: node.id, label: 'unfiled records' };
    folders.set('unfiled', target);
    return target;
  }

  async function resolveTarget(record: DeclaredRecord): Promise<Target> {
    const placement = placementOf(record, mapping());
    if (placement.kind === 'refused') throw new ConnectorError(placement.reason, 'permanent');
    if (placement.kind === 'unfiled') return unfiledContainer();
    return resolveFolder(placement.ref, `category ${placement.categoryId}`);
  }

  /** The earlier of two nodes: by creation time, then by record identifier (`<year>-<database id>`), then by id. */
  function earlier(a: AlfrescoNode, b: AlfrescoNode): boolean {
    const at = Date.parse(isoInstant(a.createdAt));
    const bt = Date.parse(isoInstant(b.createdAt));
    if (at !== bt) return at < bt;
    const ai = a.properties?.['rma:identifier'];
    const bi = b.properties?.['rma:identifier'];
    if (typeof ai === 'string' && typeof bi === 'string' && ai !== bi) return ai < bi;
    return a.id < b.id;
  }

  /**
   * Every node that carries this record id, by exact match on `rk:recordId` (alfresco-search.yaml, POST /search,
   * CMIS language). Alfresco runs such a query on the database, not the index (transactional metadata query,
   * Alfresco/docs-alfresco search-services/1.3/config/transactional.md), so a create that just committed is found.
   *
   * A part held by more than one node was filed twice: a browser resends a POST whose connection closed before
   * any answer came (Chromium does so on a reused keep-alive connection), and Alfresco, which renames records,
   * files the resent one too. The earliest node is the part; the others are deleted (gs-core-api.yaml,
   * DELETE /records/{recordId}). One that cannot be deleted stops the record for a person, naming it.
   */
  async function lookup(record: DeclaredRecord): Promise<Map<number, AlfrescoNode>> {
    const recordId = record.id;
    if (!/^[0-9a-f-]{36}$/.test(recordId)) throw new ConnectorError('The record id is not a UUID.', 'permanent');
    const result = await client.json(NodePaging, 'POST', `${API.search}/search`, 'looking for the record', {
      json: {
        query: {
          language: 'cmis',
          query: `SELECT * FROM ${IDENTITY_ASPECT} WHERE rk:recordId = ${cmisLiteral(recordId)}`,
        },
        include: ['properties', 'aspectNames'],
        paging: { maxItems: 1000, skipCount: 0 },
      },
    });
    const parts = new Map<number, AlfrescoNode>();
    const extras: { node: AlfrescoNode; index: number }[] = [];
    for (const { entry } of result.list.entries) {
      const props = entry.properties ?? {};
      // Proven ours: the id matches exactly (a query engine's notion of equality is not trusted further).
      if (props['rk:recordId'] !== recordId) continue;
      const index = Number(props['rk:partIndex']);
      if (!Number.isInteger(index) || index < 0) continue;
      const known = parts.get(index);
      if (!known) parts.set(index, entry);
      else if (earlier(entry, known)) {
        extras.push({ node: known, index });
        parts.set(index, entry);
      } else extras.push({ node: entry, index });
    }
    for (const extra of extras) await deleteExtra(record, extra.node, extra.index, parts.get(extra.index)!);
    // Kept for the parts created right after this lookup; a delivery that stopped halfway leaves its entry, so
    // the memo is bounded.
    if (lookups.size > 64) lookups.clear();
    lookups.set(recordId, parts);
    return parts;
  }

  /** Deletes a second copy of a part; gone already is as good. A completed record is a person's to delete. */
  async function deleteExtra(record: DeclaredRecord, extra: AlfrescoNode, index: number, kept: AlfrescoNode) {
    const twice = `Alfresco holds part ${index + 1} of "${record.title}" twice: ${extra.name} (node ${extra.id}) is a second copy of ${kept.name} (node ${kept.id}), filed when a lost answer was resent`;
    if ((extra.aspectNames ?? []).includes(DECLARED_ASPECT)) {
      throw new ConnectorError(
        `${twice}, and it is completed. Delete that record in Alfresco, then send again.`,
        'conflict',
      );
    }
    const response = await client.request(
      'DELETE',
      `${API.gs}/records/${extra.id}`,
      `deleting a second copy of part ${index + 1} of "${record.title}"`,
      { accept: [403, 404, 409] },
    );
    await response.body?.cancel();
    if (response.ok || response.status === 404) return;
    throw new ConnectorError(
      `${twice}, and Alfresco refused to delete it (${response.status === 409 ? 'it is locked' : `the user ${settings.username} may not delete records`}). Delete that record in Alfresco, then send again.`,
      'conflict',
      { status: response.status },
    );
  }

  function refOf(node: AlfrescoNode, index: number, primaryNode?: string): PartRef {
    return {
      node: node.id,
      name: node.name,
      index,
      createdAt: node.createdAt,
      size: node.content?.sizeInBytes,
      linked: primaryNode !== undefined && node.properties?.['rk:primaryRecord'] === primaryNode,
      completed: node.isCompleted === true || (node.aspectNames ?? []).includes(DECLARED_ASPECT),
    };
  }

  function checkSize(entry: ContentEntry, index: number, size: number | undefined, name: string) {
    if (size !== undefined && size !== entry.size) {
      throw new ConnectorError(
        `Alfresco holds part ${index + 1} (${entry.name}) as ${name} with ${size} bytes, not ${entry.size}: it was not stored whole. Delete that incomplete record in Alfresco, then send again.`,
        'conflict',
      );
    }
  }

  async function createPart(
    record: DeclaredRecord,
    target: Target,
    entry: ContentEntry,
    index: number,
    content: ArrayBuffer | Blob,
  ) {
    const { properties } = metadataProperties(record, mapping());
    if (entry.role !== 'primary') properties['cm:title'] = entry.name;
    const fields = { ...properties, ...identityProperties(record, entry, index) };
    const send = async (name: string) => {
      const form: MultipartEntry[] = [
        { name: 'name', value: name },
        { name: 'nodeType', value: 'cm:content' },
        ...Object.entries(fields).map(([key, value]) => ({ name: key, value })),
        { name: 'filedata', filename: name, type: '', bytes: content },
      ];
      const path =
        target.container === 'folder'
          ? `${API.gs}/record-folders/${target.id}/records`
          : `${API.gs}/unfiled-containers/${target.id}/children`;
      // In the unfiled container a clash of names is resolved by Alfresco itself (autoRename).
      const query: Record<string, string> =
        target.container === 'folder' ? { include: 'content' } : { autoRename: 'true' };
      return client.request('POST', path, `filing part ${index + 1} of "${record.title}" in ${target.label}`, {
        query,
        form,
        accept: [409],
      });
    };
    const name = nodeName(entry.name);
    let response = await send(name);
    if (response.status === 409) {
      // A record folder has no autoRename: a clash of names is resolved by a name no other record has.
      await response.body?.cancel();
      const dot = name.lastIndexOf('.');
      const stem = dot > 0 ? name.slice(0, dot) : name;
      response = await send(`${stem} (${record.id})${dot > 0 ? name.slice(dot) : ''}`);
      if (response.status === 409) {
        throw new ConnectorError(`Alfresco refused a second name for part ${index + 1} (409).`, 'conflict', {
          status: 409,
        });
      }
    }
    const parsed = v.safeParse(NodeEntry, await response.json().catch(() => undefined));
    if (!parsed.success) {
      // Created, but the answer is unreadable: the next attempt finds the record by its id.
      throw new ConnectorError('Alfresco filed the part but its answer is unreadable.', 'retryable');
    }
    return parsed.output.entry;
  }

  /** Names the mandatory properties a record lacks, from the model API's aspect definitions (alfresco-model.yaml). */
  async function missingMandatory(node: AlfrescoNode): Promise<string[]> {
    const have = node.properties ?? {};
    const aspects = new Set([...(node.aspectNames ?? []), CUSTOM_RECORD_ASPECT]);
    const missing: string[] = [];
    for (const aspect of aspects) {
      const response = await client.request(
        'GET',
        `${API.model}/aspects/${encodeURIComponent(aspect)}`,
        `reading aspect ${aspect}`,
        {
          accept: [404],
        },
      );
      if (response.status === 404) {
        await response.body?.cancel();
        continue;
      }
      const parsed = v.safeParse(AspectEntry, await response.json().catch(() => undefined));
      if (!parsed.success) continue;
      for (const property of parsed.output.entry.properties ?? []) {
        const value = have[property.id];
        if (property.isMandatory && (value === undefined || value === null || value === '')) {
          missing.push(property.title ? `${property.id} (${property.title})` : property.id);
        }
      }
    }
    return [...new Set(missing)];
  }

  /** Completes one part (gs-core-api.yaml, POST /records/{id}/complete); already completed counts as done. */
  async function complete(record: DeclaredRecord, ref: PartRef): Promise<AlfrescoNode> {
    const path = `${API.gs}/records/${ref.node}`;
    const doing = `completing part ${ref.index + 1} of "${record.title}"`;
    const response = await client.request('POST', `${path}/complete`, doing, {
      query: { include: 'content,isCompleted' },
      accept: [403, 422],
    });
    if (response.ok) {
      const parsed = v.safeParse(NodeEntry, await response.json().catch(() => undefined));
      if (parsed.success) return parsed.output.entry;
    } else {
      await response.body?.cancel();
    }
    if (response.status === 403) {
      throw new ConnectorError(
        `The Alfresco user ${settings.username} may file records but not complete them: give it a Records Management role with the "Declare Records" capability.`,
        'permanent',
        { status: 403 },
      );
    }
    // 422 is both "already completed" and "missing mandatory properties" (RecordsEntityResource.completeRecord):
    // the record itself says which.
    const node = (
      await client.json(NodeEntry, 'GET', path, `reading part ${ref.index + 1} of "${record.title}"`, {
        query: { include: 'content,isCompleted' },
      })
    ).entry;
    if (node.isCompleted) return node;
    const missing = await missingMandatory(node);
    const unfilled = metadataProperties(record, mapping()).unfilled;
    const hint = unfilled.length ? ` The record gave no value for ${unfilled.join(', ')}.` : '';
    throw new ConnectorError(
      missing.length
        ? `Alfresco will not complete "${record.title}": mandatory properties missing: ${missing.join(', ')}.${hint} Map them in the Alfresco section of the presets, or fill them in Alfresco, then send again.`
        : `Alfresco will not complete "${record.title}" (422).${hint}`,
      'permanent',
      { status: 422 },
    );
  }

  /** Reads a part back and hashes it as it streams (deep verification). */
  async function digestOf(ref: PartRef): Promise<{ sha256: string; size: number }> {
    const response = await client.request(
      'GET',
      `${API.gs}/records/${ref.node}/content`,
      `reading back part ${ref.index + 1}`,
    );
    return digestOfBody(response.body);
  }

  const connector: Connector = {
    id: ALFRESCO_CONNECTOR_ID,

    describe: () => ({
      // The GS API takes a record's content in one multipart request; nothing is resumable.
      maxSinglePartBytes: Number.MAX_SAFE_INTEGER,
      resumableParts: false,
      digest: 'none',
      existing: 'property-query',
      declaration: 'separate-call',
      findsBySource: true,
      servesPresets: false,
    }),

    async probe(): Promise<ProbeResult> {
      if (!settings.url || !settings.username) {
        return { ok: false, kind: 'not-configured', detail: 'Enter the Alfresco address and user name.' };
      }
      if (!(await deps.credentials.get(ALFRESCO_PASSWORD))) {
        return { ok: false, kind: 'not-configured', detail: 'Enter the password of the Alfresco user.' };
      }
      try {
        await client.login();
      } catch (error) {
        return probeFailure(error, 'sign-in');
      }
      try {
        for (const need of PREREQUISITES) {
          const answer = await client.request('GET', need.path, need.reading, { accept: [404] });
          await answer.body?.cancel();
          if (answer.status === 404) return { ok: false, kind: 'setup', detail: need.missing };
        }
        const map = mapping();
        for (const [categoryId, ref] of Object.entries(map.categories)) {
          folders.delete('folderId' in ref ? `id:${ref.folderId}` : `path:${ref.path}`);
          await resolveFolder(ref, `category ${categoryId}`);
        }
        if (map.unmapped === 'unfiled') {
          folders.delete('unfiled');
          await unfiledContainer();
        }
      } catch (error) {
        return probeFailure(error, 'setup');
      }
      return {
        ok: true,
        user: settings.username,
        detail:
          'Whether the user may complete records is known from the first record filed (the "Declare Records" capability).',
      };
    },

    async resolveTarget(record) {
      return (await resolveTarget(record)) as unknown as Json;
    },

    async findExisting(record, target) {
      parseSaved(TargetSchema, target, 'target');
      const parts = await lookup(record);
      if (parts.size < record.content.length) return undefined;
      const primary = primaryIndex(record);
      const primaryNode = parts.get(primary)!.id;
      const refs: PartRef[] = [];
      for (const [index, entry] of record.content.entries()) {
        const node = parts.get(index);
        if (!node) return undefined;
        checkSize(entry, index, node.content?.sizeInBytes, node.name);
        refs.push(refOf(node, index, index === primary ? undefined : primaryNode));
      }
      return { primary: primaryNode, parts: refs } satisfies Committed as unknown as Json;
    },

    async sendPart({ record, target, entry, part }) {
      const where = parseSaved(TargetSchema, target, 'target');
      const index = part.index;
      const known = lookups.get(record.id) ?? (await lookup(record));
      const existing = known.get(index);
      if (existing) {
        checkSize(entry, index, existing.content?.sizeInBytes, existing.name);
        return refOf(existing, index) as unknown as Json;
      }
      const created = await createPart(record, where, entry, index, await partBytes(part));
      // The answer heard may be that of a resent create (see lookup): the part is whichever node was filed first.
      const node = (await lookup(record)).get(index) ?? created;
      checkSize(entry, index, node.content?.sizeInBytes, node.name);
      return refOf(node, index) as unknown as Json;
    },

    async commit({ record, refs }) {
      const parts = refs.map((ref) => parseSaved(PartRefSchema, ref, 'part'));
      const primary = primaryIndex(record);
      const primaryNode = parts[primary]!.node;
      for (const part of parts) {
        if (part.index === primary || part.linked) continue;
        // Attachments and renditions point to their primary part (rk:primaryRecord, recordkeeper-model.xml).
        await client
          .request('PUT', `${API.gs}/records/${part.node}`, `linking part ${part.index + 1} to its primary`, {
            json: { properties: { 'rk:primaryRecord': primaryNode } },
          })
          .then((response) => response.body?.cancel());
        part.linked = true;
      }
      lookups.delete(record.id);
      return { primary: primaryNode, parts } satisfies Committed as unknown as Json;
    },

    async finalize(record, _target, committedJson): Promise<Receipt> {
      const committed = parseSaved(CommittedSchema, committedJson, 'filing');
      const content: Receipt['content'] = [];
      for (const [index, entry] of record.content.entries()) {
        const ref = committed.parts[index];
        if (!ref) throw new ConnectorError(`The outbox lost part ${index + 1} of the filing.`, 'permanent');
        // Deep verification reads the part back before it is completed, so a damaged copy is never frozen.
        const read = settings.deepVerification ? await digestOf(ref) : undefined;
        if (read && (read.sha256 !== entry.sha256 || read.size !== entry.size)) {
          throw new ConnectorError(
            `The repository's copy does not match: part ${index + 1} (${entry.name}) read back from Alfresco is ${read.size} bytes and hashes to ${read.sha256}, not ${entry.sha256}. It was left uncompleted; delete it in Alfresco, then send again.`,
            'permanent',
          );
        }
        const node = ref.completed && ref.size !== undefined && !read ? undefined : await complete(record, ref);
        const size = node?.content?.sizeInBytes ?? read?.size ?? ref.size;
        if (size === undefined) {
          throw new ConnectorError(`Alfresco did not say how large part ${index + 1} is.`, 'retryable');
        }
        content.push({ name: node?.name ?? ref.name, size, sha256: read?.sha256 ?? entry.sha256 });
      }
      const primary = committed.parts[primaryIndex(record)]!;
      return {
        id: record.id,
        url: `${client.origin}/share/page/site/rm/document-details?nodeRef=workspace://SpacesStore/${primary.node}`,
        receivedAt: isoInstant(primary.createdAt),
        content,
      };
    },

    verify: async (record, receipt) => readBackMismatch(record, receipt, 'Alfresco'),

    async findBySource(sourceId): Promise<PriorRecord[]> {
      // The database answers string matches up to 1024 characters (transactional.md); longer ids cannot be asked.
      if (sourceId.length > 1024) return [];
      const result = await client.json(NodePaging, 'POST', `${API.search}/search`, 'looking for earlier declarations', {
        json: {
          query: {
            language: 'cmis',
            query: `SELECT * FROM ${IDENTITY_ASPECT} WHERE rk:sourceId = ${cmisLiteral(sourceId)} AND rk:partRole = 'primary'`,
          },
          include: ['properties'],
          paging: { maxItems: 100, skipCount: 0 },
        },
      });
      return result.list.entries
        .filter(
          ({ entry }) =>
            entry.properties?.['rk:sourceId'] === sourceId && typeof entry.properties?.['rk:recordId'] === 'string',
        )
        .map(({ entry }) => ({
          id: entry.properties!['rk:recordId'] as string,
          url: `${client.origin}/share/page/site/rm/document-details?nodeRef=workspace://SpacesStore/${entry.id}`,
          receivedAt: isoInstant(entry.createdAt),
          title:
            typeof entry.properties?.['cm:title'] === 'string' ? (entry.properties['cm:title'] as string) : entry.name,
        }))
        .sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
    },
  };
  return connector;
}

function probeFailure(error: unknown, step: 'sign-in' | 'setup'): ProbeResult {
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof ConnectorError)) return { ok: false, kind: 'server-error', detail: message };
  if (error.kind === 'auth') {
    return {
      ok: false,
      kind: 'auth',
      detail:
        step === 'sign-in'
          ? `${message}. Check the user name and password, then Save.`
          : `Alfresco refused a fresh ticket: ${message}`,
    };
  }
  if (error.status === undefined && error.kind === 'retryable')
    return { ok: false, kind: 'unreachable', detail: message };
  if (error.status !== undefined && error.status >= 500) return { ok: false, kind: 'server-error', detail: message };
  if (step === 'sign-in') {
    return {
      ok: false,
      kind: error.status === 404 ? 'wrong-service' : 'server-error',
      detail: `This address does not answer as Alfresco 5.2 or later: ${message}`,
    };
  }
  if (error.status === 403) return { ok: false, kind: 'forbidden', detail: message };
  return { ok: false, kind: 'setup', detail: message };
}
