import type { Metadata } from '../records/record';
import { attr, cleanText, textOf, toIso } from './text';
import type { Detection, Detector } from './types';

/**
 * Slack web client: messages, never whole channels. URL shapes and `data-qa` markers are those of
 * `shared/realdata/slack/patterns.json`.
 *
 * - A thread (`/client/<team>/<channel>/thread/<channel>-<ts>`): the parent and every reply shown in the thread
 *   pane (`[data-qa="threads_flexpane"]`), one detection each.
 * - A permalink (`https://<workspace>.slack.com/archives/<channel>/p<ts>`): the message with that ts.
 * - A channel with nothing linked (`/client/<team>/<channel>`) gives nothing: which message would be meant?
 *
 * A message's ts is its id within the channel: `data-msg-ts` on the container, else the list item's
 * `data-item-key`, else the timestamp link's `data-ts`. Slack leaves the sender off consecutive messages by the
 * same person, so such a message takes the sender of the message above it. A permalink page carries no team id;
 * there the workspace host stands in for it in the sourceId.
 */

const CLIENT_PATH =
  /^\/client\/([TE][A-Z0-9]{2,20})\/([CDG][A-Z0-9]{2,20})(?:\/thread\/([CDG][A-Z0-9]{2,20})-(\d{9,10}\.\d{6}))?\/?$/;
const ARCHIVES_PATH = /^\/archives\/([CDG][A-Z0-9]{2,20})\/p(\d{9,10})(\d{6})\/?$/;
const TS = /^\d{9,10}\.\d{6}$/;
const CHANNEL = /^[CDG][A-Z0-9]{2,20}$/;
const USER = /^[UW][A-Z0-9]{2,20}$/;
const MAX_MESSAGES = 100;

export interface SlackLocation {
  /** `T…`/`E…` team id, or the workspace host on permalink pages. */
  team: string;
  channel: string;
  /** The linked message (permalink) or the thread parent. */
  ts: string;
  /** The thread the message belongs to: the parent's ts (permalinks to a reply carry `?thread_ts=`). */
  threadTs?: string;
  /** Whether the URL opens a thread pane, whose messages are all offered. */
  thread: boolean;
}

function isSlack(url: URL): boolean {
  if (url.protocol !== 'https:' || !/^[a-z0-9][a-z0-9-]{0,62}(?:\.enterprise)?\.slack\.com$/.test(url.hostname)) {
    return false;
  }
  const path = url.pathname.slice(0, 512);
  return path.startsWith('/client/') || path.startsWith('/archives/');
}

/** Team, channel and ts from a thread or permalink URL; undefined for anything else. */
export function slackLocation(url: URL): SlackLocation | undefined {
  const path = url.pathname.slice(0, 512);
  const client = CLIENT_PATH.exec(path);
  if (client) {
    // `/thread/<channel>-<ts>` names its own channel, which is the one in the path.
    if (!client[4] || client[3] !== client[2]) return undefined;
    return { team: client[1]!, channel: client[2]!, ts: client[4], threadTs: client[4], thread: true };
  }
  const archives = ARCHIVES_PATH.exec(path);
  if (archives && url.hostname !== 'app.slack.com') {
    const threadTs = (url.searchParams.get('thread_ts') ?? '').slice(0, 32);
    return {
      team: url.hostname,
      channel: archives[1]!,
      ts: `${archives[2]}.${archives[3]}`,
      threadTs: TS.test(threadTs) ? threadTs : undefined,
      thread: false,
    };
  }
  return undefined;
}

/** `1700000000.123456` → `2023-11-14T22:13:20.123Z` (Slack ts are seconds and microseconds since the epoch). */
export function tsToIso(ts: string): string | undefined {
  if (!TS.test(ts)) return undefined;
  const [seconds, micros] = ts.split('.') as [string, string];
  return toIso(new Date(Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)));
}

/** The message's ts and the attribute it came from. */
function tsOf(message: Element): [string, string] | undefined {
  const candidates: [string, string][] = [
    [attr(message, 'data-msg-ts', 32), 'data-msg-ts'],
    [attr(message.closest('[role="listitem"][data-item-key]'), 'data-item-key', 32), 'data-item-key'],
    [attr(message.querySelector('[data-qa="timestamp_label"]')?.closest('[data-ts]'), 'data-ts', 32), 'data-ts'],
  ];
  return candidates.find(([ts]) => TS.test(ts));
}

interface Message {
  ts: string;
  via: string;
  channel: string;
  sender?: string;
  userId?: string;
  text: string;
}

/** The messages of a container in page order, senders carried down to the messages that omit them. */
function readMessages(root: ParentNode, channel: string): Message[] {
  const out: Message[] = [];
  let sender: string | undefined;
  let userId: string | undefined;
  for (const container of Array.from(root.querySelectorAll('[data-qa="message_container"]')).slice(0, 1000)) {
    const found = tsOf(container);
    const name = textOf(container.querySelector('[data-qa="message_sender_name"]'), 200);
    if (name) {
      sender = name;
      const id = attr(container.querySelector('[data-message-sender]'), 'data-message-sender', 32);
      userId = USER.test(id) ? id : undefined;
    }
    if (!found) continue;
    const [ts, via] = found;
    const ownChannel = attr(container, 'data-msg-channel-id', 32);
    out.push({
      ts,
      via,
      channel: CHANNEL.test(ownChannel) ? ownChannel : channel,
      sender,
      userId,
      text: textOf(container.querySelector('[data-qa="message-text"]'), 8192),
    });
  }
  return out;
}

function channelLabel(document: Document, channel: string): string {
  const name = textOf(document.querySelector('[data-qa="channel_name"]'), 200).replace(/^#\s*/, '');
  if (!name) return channel;
  return channel.startsWith('C') ? `#${name}` : name;
}

function detection(message: Message, where: SlackLocation, label: string, url: URL): Detection {
  const snippet = message.text.length > 100 ? `${message.text.slice(0, 99).trimEnd()}…` : message.text;
  const who = message.sender ?? 'Message';
  const title = cleanText(snippet ? `${who} in ${label}: ${snippet}` : `${who} in ${label}`, 1024);

  const identifiers: Record<string, string> = { team: where.team, channel: message.channel, ts: message.ts };
  if (where.threadTs) identifiers.threadTs = where.threadTs;
  if (message.userId) identifiers.userId = message.userId;
  const metadata: Metadata = { mimeType: 'text/html' };
  if (message.sender) metadata.originator = message.sender;
  const sent = tsToIso(message.ts);
  if (sent) metadata.dateSent = sent;
  if (message.text) metadata.description = message.text;
  metadata.identifiers = identifiers;

  return {
    source: {
      app: 'slack',
      kind: 'page',
      url: url.href,
      sourceId: `slack:${where.team}:${message.channel}:${message.ts}`,
    },
    title,
    metadata,
    capture: { parts: [{ source: 'snapshot', name: `slack-${message.ts}.html`, role: 'primary' }] },
    via: message.via,
  };
}

function detectMessages(document: Document, url: URL): Detection[] {
  if (!isSlack(url)) return [];
  const where = slackLocation(url);
  if (!where) return [];
  const label = channelLabel(document, where.channel);

  if (where.thread) {
    const pane = document.querySelector('[data-qa="threads_flexpane"]');
    if (!pane) return [];
    const messages = readMessages(pane, where.channel);
    // The pane must be showing this thread: its parent is the message with the URL's ts.
    if (!messages.some((m) => m.ts === where.ts)) return [];
    return messages.slice(0, MAX_MESSAGES).map((m) => detection(m, where, label, url));
  }

  const linked = readMessages(document, where.channel).find((m) => m.ts === where.ts);
  return linked ? [detection(linked, where, label, url)] : [];
}

export const slack: Detector = {
  id: 'slack',
  hosts: ['https://app.slack.com/*', 'https://*.slack.com/*'],
  matches: isSlack,
  detect: detectMessages,
  expectsItem: (url) => isSlack(url) && slackLocation(url) !== undefined,
};
