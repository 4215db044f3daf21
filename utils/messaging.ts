import * as v from 'valibot';
import { browser } from 'wxt/browser';
import type { MicrosoftAccountView } from './connectors/microsoft-365/account';
import { MAX_EVENTS_PER_PAGE } from './detectors/health';
import { Detection } from './detectors/types';
import { HealthEventSchema, MAX_UPLOAD_SKELETON_BYTES } from './health/events';
import type { HealthView, SkeletonAnswer } from './health/view';
import type { OutboxPage, OutboxView } from './outbox/view';
import type { Presets, Site } from './presets/schema';
import type { CompactPlan, FormPresets, Suggested } from './presets/slices';
import {
  type CaptureNote,
  DeclareRequest,
  type DeclareResult,
  type FetchedContent,
  type FetchResult,
} from './records/declaration';
import type { PriorLookup } from './records/prior';
import { describeIssues } from './records/record';
import type { SettingsView } from './settings';
import type { PopupStart } from './ui/popup-start';
import type { PresetsOverview } from './ui/presets-overview';
import type { AuditLine, Choices, ConnectionTest, PresetsStatus } from './ui/views';

/**
 * The one protocol map for every message in the extension. Each message names who may send it, a schema for its
 * data (checked where it enters) and the type of its answer. Content scripts run inside pages we do not control,
 * so they may only send `content.*` messages; only extension pages may declare, read settings or the outbox.
 */

// Declaring's request and answers belong to the domain (utils/records/declaration.ts); the protocol carries them.
export { type CaptureNote, DeclareRequest, type DeclareResult, type FetchedContent, type FetchResult };

const TabId = v.pipe(v.number(), v.integer(), v.minValue(0));
const Text = (max: number) => v.pipe(v.string(), v.maxLength(max));

const FileName = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(255));
/** A dropped file's bytes; 32 MB of bytes is under 45 million base64 characters. */
const FileBytes = v.pipe(v.string(), v.maxLength(45_000_000), v.base64('must be base64'));

export const FileInspectRequest = v.object({ name: FileName, base64: FileBytes });

export const FileDeclareRequest = v.object({
  name: FileName,
  base64: FileBytes,
  title: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(1024)),
  profileId: v.optional(Text(128)),
  categoryId: v.optional(Text(256)),
  tags: v.pipe(v.array(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(128))), v.maxLength(100)),
  fields: v.optional(v.record(Text(128), Text(4096)), {}),
});
export type FileDeclareRequest = v.InferOutput<typeof FileDeclareRequest>;

/**
 * The connection form: the connector (the one in force when absent), its `url` option as `repositoryUrl`, its
 * other options, and secrets to set (an empty token or secret keeps the one already set).
 */
export const SettingsInput = v.object({
  connector: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9-]{1,40}$/, 'must be a connector id'))),
  repositoryUrl: v.union([v.literal(''), v.pipe(v.string(), v.url('must be a URL like https://records.example.org'))]),
  token: Text(512),
  options: v.optional(v.pipe(v.record(Text(64), v.union([Text(2048), v.number(), v.boolean()])), v.maxEntries(64)), {}),
  secrets: v.optional(v.pipe(v.record(Text(64), Text(8192)), v.maxEntries(16)), {}),
});
export type SettingsInput = v.InferOutput<typeof SettingsInput>;

export interface TabDetections {
  tabId: number;
  url?: string | undefined;
  detections: Detection[];
  /** Why nothing could be read from the tab, when that is the case. */
  error?: string | undefined;
}

type Sender = 'extension' | 'content';

interface Message<S extends v.GenericSchema, R> {
  from: Sender;
  data: S;
  /** Carries the answer's type only; never set at run time. */
  result: R;
}

/** `message<Answer>()(from, dataSchema)`: the answer type is given, the data type is inferred from the schema. */
function message<R>() {
  return <S extends v.GenericSchema>(from: Sender, data: S): Message<S, R> => ({ from, data, result: undefined as R });
}

const Empty = v.optional(v.object({}), {});

export const protocol = {
  // popup / options → background
  'tab.detections': message<TabDetections>()('extension', v.object({ tabId: v.optional(TabId) })),
  'record.declare': message<DeclareResult>()('extension', DeclareRequest),
  'record.get': message<OutboxView | null>()('extension', v.object({ id: Text(64) })),
  'file.inspect': message<Detection>()('extension', FileInspectRequest),
  'file.declare': message<DeclareResult>()('extension', FileDeclareRequest),
  'records.prior': message<Record<string, PriorLookup>>()(
    'extension',
    v.object({ sourceIds: v.pipe(v.array(Text(2048)), v.maxLength(100)) }),
  ),
  'outbox.list': message<OutboxView[]>()('extension', Empty),
  /** One page of the outbox, newest first, for the options page's lists (utils/outbox/pages.ts). */
  'outbox.page': message<OutboxPage>()(
    'extension',
    v.object({
      offset: v.pipe(v.number(), v.integer(), v.minValue(0)),
      limit: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(200)),
      pending: v.optional(v.boolean()),
      query: v.optional(Text(256)),
    }),
  ),
  /** The popup's first answer: detections, the presets slice the form needs, choices, suggestions. */
  'popup.start': message<PopupStart>()('extension', v.object({ tabId: v.optional(TabId) })),
  /** The form's whole slice of the presets, when `popup.start` carried only what the first paint shows. */
  'presets.form': message<FormPresets>()('extension', Empty),
  /** The file plan in compact form, for the category picker once the form shows. */
  'presets.plan': message<CompactPlan>()('extension', Empty),
  /** Suggestions for items found after the popup opened (dropped files). */
  'presets.suggest': message<Suggested>()(
    'extension',
    v.object({ detections: v.pipe(v.array(Detection), v.maxLength(100)) }),
  ),
  'outbox.drain': message<{ started: boolean }>()('extension', Empty),
  'presets.get': message<Presets>()('extension', Empty),
  'presets.status': message<PresetsStatus>()('extension', Empty),
  /** The options page's view of the presets: the status without the document itself (utils/ui/presets-overview.ts). */
  'presets.overview': message<PresetsOverview>()('extension', Empty),
  /** A presets file the user imported in options (JSON text); rejected with its problems when invalid. */
  'presets.import': message<PresetsStatus>()(
    'extension',
    v.object({ text: v.pipe(v.string(), v.maxLength(20_000_000)) }),
  ),
  'presets.clearImport': message<PresetsStatus>()('extension', Empty),
  'choices.get': message<Choices>()('extension', Empty),
  'connection.test': message<ConnectionTest>()('extension', Empty),
  'outbox.retry': message<OutboxView | null>()('extension', v.object({ id: Text(64) })),
  /** Discarding loses a declaration: the page must have asked the user, and says so. */
  'outbox.discard': message<{ discarded: boolean }>()(
    'extension',
    v.object({ id: Text(64), confirmed: v.literal(true) }),
  ),
  'audit.list': message<AuditLine[]>()('extension', Empty),
  'settings.get': message<SettingsView>()('extension', Empty),
  'settings.save': message<SettingsView>()('extension', SettingsInput),
  /** The connector's signed-in account (Microsoft 365); null for connectors that have none. */
  'account.get': message<MicrosoftAccountView | null>()('extension', Empty),
  /** The interactive sign-in; the page asks for the account's host permissions in the click first. */
  'account.signIn': message<MicrosoftAccountView>()('extension', Empty),
  'account.signOut': message<MicrosoftAccountView | null>()('extension', Empty),
  /** Detector health as counted in this browser, and whether and where the policy sends it. */
  'health.get': message<HealthView>()('extension', Empty),
  /** Starts counting again (under a new reporter id). */
  'health.clear': message<HealthView>()('extension', Empty),
  /** Sends the counts now, when the policy allows it. */
  'health.send': message<HealthView>()('extension', Empty),
  /** "Report a missed page": the privacy-safe skeleton of the tab, for download or to send. */
  'health.skeleton': message<SkeletonAnswer>()(
    'extension',
    v.object({ tabId: v.optional(TabId), reason: v.picklist(['nothing', 'wrong']), keepIds: v.optional(v.boolean()) }),
  ),
  /** Sends a skeleton the user chose to send (only when the policy allows skeletons). */
  'health.sendSkeleton': message<{ ok: true } | { ok: false; error: string }>()(
    'extension',
    v.object({
      html: v.pipe(v.string(), v.maxLength(MAX_UPLOAD_SKELETON_BYTES)),
      url: v.pipe(v.string(), v.maxLength(8192)),
      reason: v.picklist(['nothing', 'wrong']),
      takenAt: v.pipe(v.string(), v.isoTimestamp()),
    }),
  ),
  // content script → background
  /** Detector health events of this page view: ids and kinds only, never page content (utils/health/events.ts). */
  'content.health': message<void>()(
    'content',
    v.object({ events: v.pipe(v.array(HealthEventSchema), v.maxLength(MAX_EVENTS_PER_PAGE)) }),
  ),
  'content.detected': message<void>()('content', v.object({ count: v.pipe(v.number(), v.integer()) })),
  /** A site plugin's content script asks which plugins apply to its page. */
  'content.sites': message<Site[]>()('content', v.object({ url: v.pipe(v.string(), v.maxLength(8192)) })),
  // background → extension pages (options): the outbox changed, so the lists in view are read again.
  'outbox.changed': message<void>()('extension', Empty),
  // background → content script
  'page.detect': message<Detection[]>()('extension', Empty),
} as const;

export type Protocol = typeof protocol;
export type MessageType = keyof Protocol;
export type DataOf<T extends MessageType> = v.InferInput<Protocol[T]['data']>;
export type ResultOf<T extends MessageType> = Protocol[T]['result'];

/** What travels: one `type`, one `data` object. Answers are wrapped so errors cross as text. */
interface Envelope {
  type: MessageType;
  data: unknown;
}
type Answer<R> = { ok: true; value: R } | { ok: false; error: string };

async function unwrap<R>(answer: Answer<R> | undefined, type: string): Promise<R> {
  if (!answer) throw new Error(`No answer to ${type}: the receiving side is not running.`);
  if (!answer.ok) throw new Error(answer.error);
  return answer.value;
}

export async function sendToBackground<T extends MessageType>(type: T, data: DataOf<T>): Promise<ResultOf<T>> {
  const answer = (await browser.runtime.sendMessage({ type, data } satisfies Envelope)) as Answer<ResultOf<T>>;
  return unwrap(answer, type);
}

export async function sendToTab<T extends MessageType>(tabId: number, type: T, data: DataOf<T>): Promise<ResultOf<T>> {
  const answer = (await browser.tabs.sendMessage(tabId, { type, data } satisfies Envelope)) as Answer<ResultOf<T>>;
  return unwrap(answer, type);
}

/** What the background tells open extension pages, unasked (`notifyPages`); pages listen through utils/ui/api.ts. */
export type Notice = 'outbox.changed';

/**
 * Tells every open extension page (the options page) that `notice` happened. No page open is the common case and
 * not an error; anything else is thrown to the caller.
 */
export async function notifyPages(notice: Notice): Promise<void> {
  try {
    await browser.runtime.sendMessage({ type: notice, data: {} } satisfies Envelope);
  } catch (error) {
    // Chromium and Firefox: "Could not establish connection. Receiving end does not exist."; WXT's fake browser
    // (unit tests): "No listeners available".
    if (!/Receiving end does not exist|No listeners available/i.test(String(error))) throw error;
  }
}

export interface MessageContext {
  /** The tab of the content script that sent the message, if any. */
  tabId?: number | undefined;
  url?: string | undefined;
}

export type Handlers<T extends MessageType> = {
  [K in T]: (data: v.InferOutput<Protocol[K]['data']>, context: MessageContext) => Promise<ResultOf<K>> | ResultOf<K>;
};

interface SenderInfo {
  id?: string | undefined;
  url?: string | undefined;
  tab?: { id?: number | undefined; url?: string | undefined } | undefined;
}

interface Self {
  id: string;
  /** The extension's own base URL, `chrome-extension://<id>/`. */
  baseUrl: string;
}

/** Where a message came from, judged by the browser's own sender information, never by the message itself. */
function senderKind(sender: SenderInfo, self: Self): Sender | undefined {
  if (sender.id !== self.id) return undefined;
  if (sender.url?.startsWith(self.baseUrl) && !sender.tab) return 'extension';
  // An extension page open in a tab (options, or the popup opened as a page) is still ours.
  if (sender.url?.startsWith(self.baseUrl) && sender.tab?.url?.startsWith(self.baseUrl)) return 'extension';
  return sender.tab ? 'content' : undefined;
}

/**
 * Answers one message: checks the sender and the data before the handler runs and wraps the outcome as
 * `{ ok, value | error }`. Returns undefined for types `handlers` does not know, so other listeners can answer.
 */
export function routeMessage<T extends MessageType>(
  handlers: Handlers<T>,
  raw: unknown,
  sender: SenderInfo,
  self: Self,
): Promise<Answer<unknown>> | undefined {
  const envelope = raw as Partial<Envelope> | null;
  const type = envelope?.type;
  if (typeof type !== 'string' || !Object.hasOwn(handlers, type)) return undefined;
  const spec = protocol[type as T];
  return (async (): Promise<Answer<unknown>> => {
    const from = senderKind(sender, self);
    if (from !== spec.from) return { ok: false, error: `${type} is not accepted from ${from ?? 'an unknown sender'}.` };
    const parsed = v.safeParse(spec.data, envelope?.data);
    if (!parsed.success) return { ok: false, error: `Invalid ${type}: ${describeIssues(parsed.issues).join('; ')}` };
    try {
      const handler = handlers[type as T] as (data: unknown, context: MessageContext) => unknown;
      return { ok: true, value: await handler(parsed.output, { tabId: sender.tab?.id, url: sender.tab?.url }) };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  })();
}

/** Routes this context's incoming messages to `handlers` until the returned function is called. */
export function handleMessages<T extends MessageType>(handlers: Handlers<T>): () => void {
  const self = { id: browser.runtime.id, baseUrl: browser.runtime.getURL('/') };
  const listener = (raw: unknown, sender: SenderInfo) => routeMessage(handlers, raw, sender, self);
  browser.runtime.onMessage.addListener(listener as never);
  return () => browser.runtime.onMessage.removeListener(listener as never);
}
