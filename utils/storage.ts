import * as v from 'valibot';
import { browser } from 'wxt/browser';
import { storage } from 'wxt/utils/storage';
import { PresetsSchema } from './presets/schema';
import { describeIssues } from './records/record';
import { credentialsFor } from './secrets';

/**
 * Every item the extension keeps in `browser.storage`, defined once (WXT `storage.defineItem`: typed, with a
 * fallback, a version and migrations) and validated when read back: a value another version wrote, or that
 * anything else put there, is never trusted by a cast. Background only: pages and content scripts ask through
 * messages.
 *
 * One key convention: `<area>:<dotted.name>`, and an item kept per id appends `.<id>` (`session:prior.<sourceId>`).
 * No secret is kept in any storage area (content scripts can read `storage.local`): secrets live in the
 * extension's IndexedDB (utils/secrets.ts).
 */

/** A stored value that does not validate: said once, in the worker's log, and the fallback is used. */
function unreadable(key: string, issues: readonly v.BaseIssue<unknown>[]): void {
  console.warn(`Recordkeeper: the stored ${key} is unreadable and was ignored: ${describeIssues(issues).join('; ')}`);
}

export interface Item<T> {
  readonly key: string;
  /** The value, validated; the fallback when nothing (or nothing valid) is stored. */
  get(): Promise<T>;
  set(value: T): Promise<void>;
  remove(): Promise<void>;
}

type StorageKey = `local:${string}` | `session:${string}`;

/** An item of a fixed key. `migrations` turn what version N-1 wrote into version N (WXT runs them on start). */
function defineItem<S extends v.GenericSchema>(
  key: StorageKey,
  schema: S,
  fallback: v.InferOutput<S>,
  versioning?: { version: number; migrations: Record<number, (old: unknown) => unknown> },
): Item<v.InferOutput<S>> {
  const item = storage.defineItem<unknown>(key, versioning ?? {});
  return {
    key,
    async get() {
      const raw = await item.getValue();
      if (raw === null || raw === undefined) return fallback;
      const parsed = v.safeParse(schema, raw);
      if (parsed.success) return parsed.output;
      unreadable(key, parsed.issues);
      return fallback;
    },
    set: (value) => item.setValue(value),
    remove: () => item.removeValue(),
  };
}

/** Items kept per id under one prefix (`session:prior.<sourceId>`): same validation, one key per id. */
function defineKeyedItem<S extends v.GenericSchema>(prefix: StorageKey, schema: S) {
  const keyOf = (id: string) => `${prefix}.${id}` as StorageKey;
  return {
    keyOf,
    async get(id: string): Promise<v.InferOutput<S> | undefined> {
      const raw = await storage.getItem<unknown>(keyOf(id));
      if (raw === null || raw === undefined) return undefined;
      const parsed = v.safeParse(schema, raw);
      if (parsed.success) return parsed.output;
      unreadable(keyOf(id), parsed.issues);
      return undefined;
    },
    async getMany(ids: string[]): Promise<Record<string, v.InferOutput<S>>> {
      if (!ids.length) return {};
      const found = await storage.getItems(ids.map(keyOf));
      const out: Record<string, v.InferOutput<S>> = {};
      found.forEach(({ value }, i) => {
        if (value === null || value === undefined) return;
        const parsed = v.safeParse(schema, value);
        if (parsed.success) out[ids[i]!] = parsed.output;
        else unreadable(keyOf(ids[i]!), parsed.issues);
      });
      return out;
    },
    set: (id: string, value: v.InferOutput<S>) => storage.setItem(keyOf(id), value),
    remove: (id: string) => storage.removeItem(keyOf(id)),
  };
}

// ── Connection settings ────────────────────────────────────────────────────────────────────────────────────

export const ConnectorId = v.pipe(v.string(), v.regex(/^[a-z0-9-]{1,40}$/, 'must be a connector id'));
const OptionValue = v.union([v.pipe(v.string(), v.maxLength(8192)), v.number(), v.boolean()]);

/** Which connector files the records, and its options (never its secrets). Version 2. */
export const StoredConnection = v.object({
  connector: ConnectorId,
  options: v.pipe(v.record(v.pipe(v.string(), v.maxLength(64)), OptionValue), v.maxEntries(64)),
});
export type StoredConnection = v.InferOutput<typeof StoredConnection>;

/** Version 1, before connectors: the Records API's URL, and its token in the clear. */
export const LegacySettings = v.object({
  repositoryUrl: v.optional(v.string(), ''),
  token: v.optional(v.string()),
});

/** The connector version 1 settings always meant. */
const V1_CONNECTOR = 'records-api';

/**
 * Version 1 → 2: the URL becomes the Records API connector's `url` option and the token moves to the secrets
 * store, so that no content script can read it. Anything unreadable becomes "not configured".
 */
export async function settingsFromV1(old: unknown): Promise<StoredConnection> {
  const legacy = v.safeParse(LegacySettings, old);
  if (!legacy.success) return { connector: V1_CONNECTOR, options: {} };
  const { repositoryUrl, token } = legacy.output;
  const secrets = credentialsFor(V1_CONNECTOR);
  if (token) await secrets.set('token', token);
  else if (token === '') await secrets.delete('token');
  return { connector: V1_CONNECTOR, options: repositoryUrl ? { url: repositoryUrl } : {} };
}

const settingsItem = storage.defineItem<unknown>('local:settings', {
  version: 2,
  migrations: { 2: settingsFromV1 },
});

/** Whether a value read back is still in version 1's shape (written by an older tool after the migration ran). */
const isLegacy = (raw: unknown) =>
  raw !== null && typeof raw === 'object' && !('connector' in raw) && ('repositoryUrl' in raw || 'token' in raw);

/** Runs `work` alone among this extension's contexts (Web Locks), where the browser has them. */
async function exclusively<T>(name: string, work: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  return locks ? locks.request(name, () => work()) : work();
}

export const connectionSettings = {
  key: 'local:settings' as const,
  /**
   * The stored connection, or undefined when none was ever saved. A value still in version 1's shape (with a
   * token in the clear) is migrated on the spot, so a content-script-readable area never keeps a token.
   */
  async get(): Promise<StoredConnection | undefined> {
    let raw = await settingsItem.getValue();
    if (isLegacy(raw)) {
      raw = await exclusively('recordkeeper-settings', async () => {
        const current = await settingsItem.getValue();
        if (!isLegacy(current)) return current;
        const migrated = await settingsFromV1(current);
        await settingsItem.setValue(migrated);
        return migrated;
      });
    }
    if (raw === null || raw === undefined) return undefined;
    const parsed = v.safeParse(StoredConnection, raw);
    if (parsed.success) return parsed.output;
    unreadable('local:settings', parsed.issues);
    return undefined;
  },
  set: (value: StoredConnection) => settingsItem.setValue(v.parse(StoredConnection, value)),
  /** WXT's migration, for tests and for an update that must not wait for the next start. */
  migrate: () => settingsItem.migrate(),
};

// ── What the user chose before ─────────────────────────────────────────────────────────────────────────────

const Choice = v.object({ profileId: v.string(), categoryId: v.optional(v.string()) });

export const ChoicesSchema = v.object({
  bySite: v.record(v.string(), Choice),
  bySender: v.record(v.string(), Choice),
  retained: v.record(v.string(), v.record(v.string(), v.string())),
});

export const choices = defineItem('local:choices', ChoicesSchema, { bySite: {}, bySender: {}, retained: {} });

// ── Presets sources ────────────────────────────────────────────────────────────────────────────────────────

const Problem = v.object({ path: v.string(), message: v.string() });

/** A presets layer: the sections one source gave, each as the presets schema has it (never a cast). */
const PresetsLayerSchema = v.partial(PresetsSchema.pipe[0]);

/** One presets source with its last good copy (utils/presets-store/store.ts). */
export const PresetsSourceSchema = v.object({
  state: v.picklist(['ok', 'absent', 'invalid', 'unreachable']),
  lastGood: v.optional(PresetsLayerSchema),
  version: v.optional(v.number()),
  receivedAt: v.optional(v.number()),
  problems: v.optional(v.array(Problem)),
  error: v.optional(v.string()),
  /** Repository: the ETag of the last good document, for If-None-Match. */
  etag: v.optional(v.string()),
  /** Repository: which repository the copy came from; another repository's presets are not used. */
  from: v.optional(v.string()),
  /** Policy: the connection settings the organisation set beside the presets. */
  repositoryUrl: v.optional(v.string()),
  connector: v.optional(v.string()),
  connectorOptions: v.optional(v.record(v.string(), OptionValue)),
});
export type PresetsSourceRecord = v.InferOutput<typeof PresetsSourceSchema>;

const ABSENT: PresetsSourceRecord = { state: 'absent' };

export const presetsSources = {
  policy: defineItem('local:presets.source.policy', PresetsSourceSchema, ABSENT),
  repository: defineItem('local:presets.source.repository', PresetsSourceSchema, ABSENT),
  local: defineItem('local:presets.source.local', PresetsSourceSchema, ABSENT),
};

// ── Duplicate check and context menu ───────────────────────────────────────────────────────────────────────

const PriorRecordSchema = v.object({
  id: v.string(),
  url: v.optional(v.string()),
  receivedAt: v.string(),
  title: v.optional(v.string()),
  categoryId: v.optional(v.string()),
  declaredBy: v.optional(v.string()),
});

/** A duplicate-check answer, kept for the session (cleared on browser exit; content scripts cannot read it). */
export const priorAnswers = defineKeyedItem(
  'session:prior',
  v.object({
    at: v.number(),
    lookup: v.variant('ok', [
      v.object({ ok: v.literal(true), records: v.array(PriorRecordSchema) }),
      v.object({ ok: v.literal(false), error: v.string() }),
    ]),
  }),
);

/** The source id a record was filed under, for the id its app gave the item (a Gmail thread → its Message-ID). */
export const sourceAliases = defineKeyedItem('local:alias', v.string());

/** What a context-menu click asked to declare, for the popup that opens next (utils/context-menu.ts). */
export const pendingContexts = defineKeyedItem(
  'session:context',
  v.object({
    kind: v.picklist(['page', 'link', 'selection']),
    at: v.number(),
    pageUrl: v.optional(v.string()),
    pageTitle: v.optional(v.string()),
    linkUrl: v.optional(v.string()),
    linkText: v.optional(v.string()),
    selectionText: v.optional(v.string()),
  }),
);

// ── Layout ─────────────────────────────────────────────────────────────────────────────────────────────────

const layout = storage.defineItem<number>('local:storage.layout', { fallback: 1 });

/**
 * Keys of the first layout used three other conventions (`alias:…`, `prior:…`, `context:…`): they move to the one
 * convention above. Session keys are only dropped (they hold a cache and a click). Runs once; safe to repeat.
 */
export async function migrateStorageLayout(): Promise<void> {
  if ((await layout.getValue()) >= 2) return;
  const local = await browser.storage.local.get(null);
  const aliases = Object.entries(local).filter(([key, value]) => key.startsWith('alias:') && typeof value === 'string');
  if (aliases.length) {
    await browser.storage.local.set(
      Object.fromEntries(aliases.map(([key, value]) => [`alias.${key.slice('alias:'.length)}`, value])),
    );
    await browser.storage.local.remove(aliases.map(([key]) => key));
  }
  const session = await browser.storage.session.get(null).catch(() => ({}) as Record<string, unknown>);
  const stale = Object.keys(session).filter((key) => key.startsWith('prior:') || key.startsWith('context:'));
  if (stale.length) await browser.storage.session.remove(stale);
  await layout.setValue(2);
}
