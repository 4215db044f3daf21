import type { Attachment, Metadata } from '../records/record';
import { decimalToHex, decodeGmailToken, hexToDecimal, timestampFromId } from './gmail-token';
import { headerKind, isSelfLabel } from './labels';
import { attr, cleanText, decodePart, mailbox, parseDisplayDate, parseSize, textOf } from './text';
import type { CapturePlan, Detection, Detector } from './types';

/**
 * Gmail: one detection per message shown in the open thread, or, in the thread list, one per selected row
 * (selectors and URL shapes from `shared/realdata/gmail/patterns.json`). A list with nothing selected, settings
 * and compose-only views give nothing.
 */

const GMAIL_PATH = /^\/mail(?:\/u\/(\d{1,3})|\/b\/([A-Za-z0-9._-]{1,64})\/u\/(\d{1,3}))?\//;
const URL_TOKEN = /^[BCDFGHJKLMNPQRSTVWXZbcdfghjklmnpqrstvwxz]{16,200}$/;
const LEGACY_HEX = /^[0-9a-f]{16}$/;
const MAX_MESSAGES = 100;
const MAX_ROWS_SCANNED = 1000;
const THREAD_PERM_ID = /^thread-f:\d{1,20}$|^thread-a:r-?\d{1,20}$/;
const MAX_ATTACHMENTS = 100;

interface Account {
  /** `/mail/u/0/` or `/mail/b/<id>/u/0/`: where the download URLs live. */
  base: string;
  slot: string;
}

interface ThreadIds {
  threadPermId?: string;
  legacyThreadId?: string;
  urlToken?: string;
  /** Which hash form the thread id came from, when the DOM has none. */
  fromUrl?: 'url-token' | 'url-legacy-id';
}

interface MessageIds {
  /** `msg-f:<decimal>` or `msg-a:r<signed>`. */
  messageId?: string;
  legacyMessageId?: string;
  via: string;
}

function account(url: URL): Account | null {
  const m = GMAIL_PATH.exec(url.pathname);
  if (!m) return null;
  const slot = m[1] ?? m[3] ?? '0';
  return { base: m[2] ? `/mail/b/${m[2]}/u/${slot}/` : `/mail/u/${slot}/`, slot };
}

/** The opaque id at the end of `#inbox/…`, `#label/X/…`, `#search/q/…` (new token or legacy hex), if any. */
function idFromHash(hash: string): ThreadIds {
  const path = hash.slice(1, 4096).split('?')[0] ?? '';
  const parts = path.split('/');
  if (parts.length < 2) return {};
  const last = parts[parts.length - 1] ?? '';
  if (URL_TOKEN.test(last)) {
    const decoded = decodeGmailToken(last);
    if (decoded?.threadId.startsWith('thread-f:')) {
      const legacy = decimalToHex(decoded.threadId.slice('thread-f:'.length)) ?? undefined;
      return { threadPermId: decoded.threadId, legacyThreadId: legacy, urlToken: last, fromUrl: 'url-token' };
    }
    if (decoded) return { threadPermId: decoded.threadId, urlToken: last, fromUrl: 'url-token' };
  }
  if (LEGACY_HEX.test(last)) {
    const decimal = hexToDecimal(last);
    return {
      threadPermId: decimal ? `thread-f:${decimal}` : undefined,
      legacyThreadId: last,
      fromUrl: 'url-legacy-id',
    };
  }
  return {};
}

/** Thread ids from the subject heading, filled in from the URL hash where the DOM has none. */
function threadIds(heading: Element | null, url: URL): ThreadIds {
  const fromUrl = idFromHash(url.hash);
  const perm = attr(heading, 'data-thread-perm-id', 64).replace(/^#/, '');
  const legacy = attr(heading, 'data-legacy-thread-id', 64).toLowerCase();
  const ids: ThreadIds = { ...fromUrl };
  if (THREAD_PERM_ID.test(perm)) {
    ids.threadPermId = perm;
    delete ids.fromUrl;
  }
  if (LEGACY_HEX.test(legacy)) {
    ids.legacyThreadId = legacy;
    ids.threadPermId ??= `thread-f:${hexToDecimal(legacy)}`;
    delete ids.fromUrl;
  }
  if (ids.threadPermId?.startsWith('thread-f:')) {
    ids.legacyThreadId ??= decimalToHex(ids.threadPermId.slice('thread-f:'.length)) ?? undefined;
  }
  return ids;
}

function messageIds(message: Element): MessageIds | null {
  const dataId = attr(message, 'data-message-id', 64).replace(/^#/, '');
  const legacy = attr(message, 'data-legacy-message-id', 64).toLowerCase();
  const legacyOk = /^[0-9a-f]{16}$/.test(legacy);
  if (/^msg-f:\d{1,20}$/.test(dataId)) {
    const hex = decimalToHex(dataId.slice('msg-f:'.length));
    if (!hex) return null;
    return { messageId: dataId, legacyMessageId: hex, via: 'data-message-id' };
  }
  // Just-sent messages carry a local msg-a id until Gmail syncs; the legacy id, when there, is still usable.
  if (/^msg-a:r-?\d{1,20}$/.test(dataId)) {
    return { messageId: dataId, legacyMessageId: legacyOk ? legacy : undefined, via: 'data-message-id' };
  }
  if (legacyOk) return { messageId: `msg-f:${hexToDecimal(legacy)}`, legacyMessageId: legacy, via: 'legacy-id' };
  return null;
}

/**
 * Attachment cards (`span.aZo`). A card is an attachment of the message when it has a `download_url`
 * ("mime:filename:url", Chrome only) or a size; Drive and YouTube link chips have neither and are skipped,
 * since they are not part of the message.
 */
function attachments(message: Element): Attachment[] {
  const out: Attachment[] = [];
  for (const card of Array.from(message.querySelectorAll('span.aZo')).slice(0, MAX_ATTACHMENTS)) {
    const download = attr(card, 'download_url', 8192);
    const [mime = '', encodedName = ''] = download.split(':', 2);
    const fileName = decodePart(encodedName);
    const name = textOf(card.querySelector('.aV3'), 1024) || cleanText(fileName, 1024);
    const size = parseSize(textOf(card.querySelector('.SaH2Ve'), 32));
    if (!name || (!download && size === undefined)) continue;
    const attachment: Attachment = { name };
    if (size !== undefined) attachment.size = size;
    if (/^[a-z]+\/[\w.+-]+$/i.test(mime)) attachment.mimeType = mime.toLowerCase();
    out.push(attachment);
  }
  return out;
}

/** Gmail names the signed-in user "me" (in the UI language): a label of the page, not the person's name, so dropped. */
function mailboxOf(span: Element | null): string | undefined {
  const name = attr(span, 'name', 1024);
  return mailbox(isSelfLabel(name) ? '' : name, attr(span, 'email', 1024));
}

function unique(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => !!v))];
}

/**
 * To and Cc/Bcc. The expanded details table (`table.ajC`, rows labelled "to:", "cc:", "bcc:" in the UI language)
 * separates them; nothing but the label tells the rows apart, so the labels of ten languages are carried
 * (labels.ts). Without the table Gmail shows one recipient line (`.hb span[email]`, or `span.g2[email]` in older
 * layouts) that does not say who was copied, so everyone there is an addressee; that line is also used when no row
 * is understood.
 */
function recipients(message: Element): Pick<Metadata, 'addressees' | 'otherAddressees'> {
  const to: (string | undefined)[] = [];
  const other: (string | undefined)[] = [];
  for (const row of Array.from(message.querySelectorAll('table.ajC tr')).slice(0, 20)) {
    const kind = headerKind(textOf(row.querySelector('td'), 40));
    const target = kind === 'to' ? to : kind === 'cc' || kind === 'bcc' ? other : null;
    if (!target) continue;
    for (const span of Array.from(row.querySelectorAll('span[email]')).slice(0, 500)) target.push(mailboxOf(span));
  }
  if (to.length === 0 && other.length === 0) {
    let spans = Array.from(message.querySelectorAll('.hb span[email]'));
    if (spans.length === 0) spans = Array.from(message.querySelectorAll('span.g2[email]'));
    for (const span of spans.slice(0, 500)) to.push(mailboxOf(span));
  }
  const result: Pick<Metadata, 'addressees' | 'otherAddressees'> = {};
  const addressees = unique(to);
  const otherAddressees = unique(other);
  if (addressees.length) result.addressees = addressees;
  if (otherAddressees.length) result.otherAddressees = otherAddressees;
  return result;
}

/**
 * The raw message, as Gmail's "Download message" gets it: by `permmsgid` for a `msg-f` id, or by the legacy hex
 * id (`th=`) when that is the form the page gave. Unsynced `msg-a` ids without a hex id cannot be fetched yet.
 */
function capturePlan(acct: Account, messageId: string, hex: string | undefined, preferHex: boolean): CapturePlan {
  const base = `https://mail.google.com${acct.base}?view=att&`;
  const query =
    hex && (preferHex || !messageId.startsWith('msg-f:'))
      ? `th=${hex}`
      : messageId.startsWith('msg-f:')
        ? `permmsgid=${messageId}`
        : '';
  if (!query) return { parts: [] };
  return {
    parts: [
      {
        source: 'fetch',
        url: `${base}${query}&attid=0&disp=comp&safe=1&zw`,
        name: 'message.eml',
        mimeType: 'message/rfc822',
        role: 'primary',
      },
    ],
  };
}

function detection(
  message: Element | undefined,
  ids: { messageId?: string; legacyMessageId?: string; via: string },
  thread: ThreadIds,
  title: string,
  url: URL,
  acct: Account,
): Detection | null {
  const messageId = ids.messageId ?? thread.threadPermId?.replace(/^thread-/, 'msg-');
  if (!messageId) return null;
  const identifiers: Record<string, string> = { account: acct.slot };
  if (thread.threadPermId) identifiers.threadPermId = thread.threadPermId;
  if (thread.legacyThreadId) identifiers.legacyThreadId = thread.legacyThreadId;
  if (ids.messageId) identifiers.messageId = ids.messageId;
  if (ids.legacyMessageId) identifiers.legacyMessageId = ids.legacyMessageId;
  if (thread.urlToken) identifiers.urlToken = thread.urlToken;

  const metadata: Metadata = { mimeType: 'message/rfc822' };
  if (message) {
    const originator = mailboxOf(message.querySelector('span.gD[email]') ?? message.querySelector('td.gF span[email]'));
    if (originator) metadata.originator = originator;
    Object.assign(metadata, recipients(message));
    const sent = parseDisplayDate(attr(message.querySelector('span.g3[title]'), 'title', 200));
    if (sent) metadata.dateSent = sent;
    const files = attachments(message);
    if (files.length) metadata.attachments = files;
  }
  if (!metadata.dateSent && messageId.startsWith('msg-f:')) {
    const fromId = timestampFromId(messageId.slice('msg-f:'.length));
    if (fromId) metadata.dateSent = fromId;
  }
  metadata.identifiers = identifiers;

  return {
    // The RFC 5322 Message-ID is not in the page; capture replaces this with it once the raw message is parsed.
    source: { app: 'gmail', kind: 'email', url: url.href, sourceId: `gmail:${messageId}` },
    title,
    metadata,
    // Without a message id the detection stands for the thread's first message, whose hex id is the thread's.
    capture: capturePlan(
      acct,
      messageId,
      ids.messageId ? ids.legacyMessageId : thread.legacyThreadId,
      ids.via.includes('legacy'),
    ),
    via: ids.via,
  };
}

/** Where a list row keeps its ids (gmail.js: the subject's `span[data-thread-id][data-legacy-…]`). */
const ROW_IDS = '[data-thread-id], [data-legacy-thread-id], [data-legacy-last-message-id]';

/**
 * The rows of one thread in the list. With the vertical preview pane a thread takes two or three `tr.zA.apv`
 * rows, and only the first has the checkbox (InboxSDK's 2014 rows).
 */
function threadRows(row: Element): Element[] {
  const rows = [row];
  if (!row.classList.contains('apv')) return rows;
  let next = row.nextElementSibling;
  while (next && rows.length < 3 && next.matches('tr.zA.apv') && !next.querySelector('[role="checkbox"]')) {
    rows.push(next);
    next = next.nextElementSibling;
  }
  return rows;
}

function firstIn(rows: Element[], selector: string): Element | null {
  for (const row of rows) {
    const found = row.querySelector(selector);
    if (found) return found;
  }
  return null;
}

function allIn(rows: Element[], selector: string): Element[] {
  return rows.flatMap((row) => Array.from(row.querySelectorAll(selector)).slice(0, 100));
}

/**
 * One selected thread row. With `data-legacy-last-message-id` it stands for the thread's latest message, the one
 * the row's date and last-listed sender describe, and capture fetches that message. With only a thread id it
 * stands for the first message, as in the thread view (the thread has that message's id). Rows without ids (older
 * Gmail) are described as shown, with nothing to fetch; their identity is what the row shows.
 */
function rowDetection(rows: Element[], url: URL, acct: Account): Detection | null {
  const idHolder = firstIn(rows, ROW_IDS);
  const perm = attr(idHolder, 'data-thread-id', 64).replace(/^#/, '');
  const legacyThread = attr(idHolder, 'data-legacy-thread-id', 64).toLowerCase();
  const lastHex = attr(idHolder, 'data-legacy-last-message-id', 64).toLowerCase();
  const thread: ThreadIds = {};
  if (THREAD_PERM_ID.test(perm)) thread.threadPermId = perm;
  if (LEGACY_HEX.test(legacyThread)) {
    thread.legacyThreadId = legacyThread;
    thread.threadPermId ??= `thread-f:${hexToDecimal(legacyThread)}`;
  }
  if (thread.threadPermId?.startsWith('thread-f:')) {
    thread.legacyThreadId ??= decimalToHex(thread.threadPermId.slice('thread-f:'.length)) ?? undefined;
  }

  const subject =
    textOf(firstIn(rows, '.y6 > span:first-child'), 1024) ||
    textOf(firstIn(rows, 'span.bog'), 1024) ||
    textOf(idHolder, 1024) ||
    '(no subject)';
  let senders = allIn(rows, '.yW span[email]');
  if (senders.length === 0) senders = allIn(rows, 'span[email]');
  const people = unique(senders.map(mailboxOf));
  const shown = parseDisplayDate(attr(firstIn(rows, 'td.xW span[title], .apm span[title]'), 'title', 200));

  if (LEGACY_HEX.test(lastHex)) {
    const ids = {
      messageId: `msg-f:${hexToDecimal(lastHex)}`,
      legacyMessageId: lastHex,
      via: 'row-legacy-last-message-id',
    };
    const found = detection(undefined, ids, thread, subject, url, acct);
    if (!found) return null;
    if (people.length) found.metadata.originator = people[people.length - 1];
    if (shown) found.metadata.dateSent = shown;
    return found;
  }
  if (thread.threadPermId) {
    const found = detection(undefined, { via: 'row-thread-id' }, thread, subject, url, acct);
    if (found && people.length) found.metadata.originator = people[0];
    return found;
  }
  const metadata: Metadata = { mimeType: 'message/rfc822' };
  if (people.length) metadata.originator = people[people.length - 1];
  if (shown) metadata.dateSent = shown;
  metadata.identifiers = { account: acct.slot };
  const sender = /<([^<>]+)>$/.exec(metadata.originator ?? '')?.[1] ?? metadata.originator ?? '';
  return {
    source: {
      app: 'gmail',
      kind: 'email',
      url: url.href,
      sourceId: `gmail:row:${sender}|${shown ?? ''}|${subject}`.slice(0, 2048),
    },
    title: subject,
    metadata,
    capture: { parts: [] },
    via: 'row-selection',
  };
}

/** The thread list: one detection per row whose checkbox is checked, in list order, at most 100. */
function detectSelectedRows(document: Document, url: URL, acct: Account): Detection[] {
  const out: Detection[] = [];
  for (const row of Array.from(document.querySelectorAll('tr.zA')).slice(0, MAX_ROWS_SCANNED)) {
    if (out.length >= MAX_MESSAGES) break;
    if (!row.querySelector('div[role="checkbox"][aria-checked="true"]')) continue;
    const found = rowDetection(threadRows(row), url, acct);
    if (found) out.push(found);
  }
  return out;
}

function isGmail(url: URL): boolean {
  return url.protocol === 'https:' && url.hostname === 'mail.google.com' && GMAIL_PATH.test(url.pathname);
}

function detectThread(document: Document, url: URL): Detection[] {
  const acct = isGmail(url) ? account(url) : null;
  if (!acct) return [];
  const heading = document.querySelector('h2.hP');
  const messages = Array.from(document.querySelectorAll('div.adn')).slice(0, MAX_MESSAGES);
  // No subject heading and no message: the list, settings or a thread still loading. An id in the hash means
  // a thread is being opened, so the list rows behind it are not what the user is looking at.
  if (!heading && messages.length === 0) {
    const fromUrl = idFromHash(url.hash);
    return fromUrl.threadPermId || fromUrl.legacyThreadId ? [] : detectSelectedRows(document, url, acct);
  }
  const title = textOf(heading, 1024) || '(no subject)';
  const thread = threadIds(heading, url);

  const out: Detection[] = [];
  for (const message of messages) {
    const ids = messageIds(message);
    const found = ids && detection(message, ids, thread, title, url, acct);
    if (found) out.push(found);
  }
  // Without message ids in the DOM, the thread id stands for the thread's first message: Gmail gives a thread
  // the id of the message that started it, so the capture URL fetches that message.
  if (out.length === 0 && thread.threadPermId) {
    const via = thread.fromUrl ?? 'thread-id';
    const found = detection(messages[0], { via }, thread, title, url, acct);
    if (found) out.push(found);
  }
  return out;
}

export const gmail: Detector = {
  id: 'gmail',
  hosts: ['https://mail.google.com/*'],
  matches: isGmail,
  detect: detectThread,
  expectsItem: (url) => {
    const ids = idFromHash(url.hash);
    return Boolean(ids.threadPermId || ids.legacyThreadId);
  },
};
