import type { Attachment, Metadata } from '../records/record';
import { labelledHeader } from './labels';
import {
  attr,
  cleanText,
  decodePart,
  emailIn,
  mailbox,
  normaliseDate,
  parseDisplayDate,
  parseSize,
  queryPairs,
  queryParam,
  textOf,
  toIso,
} from './text';
import type { CapturePlan, Detection, Detector } from './types';

/**
 * Outlook on the web (outlook.office.com, outlook.office365.com, outlook.live.com) and Outlook Web App on
 * customer domains (`https://mail.contoso.com/owa/…`). URL grammars and selectors are those of
 * `utils/detectors/fixtures/patterns/outlook.json`: OWA's class names are hashed per build, so only URL ids, ARIA roles
 * and labels, ids and `data-*` attributes are read.
 *
 * One detection per expanded message in the reading pane or full view (`[aria-expanded=true]` around a message
 * body); collapsed messages of a conversation give nothing, and so does the message list on its own.
 *
 * Ids: the item id from the URL (`/mail/id/<ItemId>`, `/mail/<folder>/id/…`, `/mail/deeplink/read/…`, legacy
 * `?ItemID=`); an `AAQk…` id there is a conversation id. Without one, the conversation id of the selected list row
 * (`[role=option][aria-selected=true][data-convid]`) is used. sourceId is `outlook:<ItemId>` for a single message;
 * the page has no per-message ids, so the messages of a conversation are `outlook:<id>/<date sent>` (or their
 * position when no date is shown).
 *
 * Addresses: OWA shows display names and keeps addresses in attributes (`title`, `aria-label`, `mailto:` links,
 * `data-email`); a name without an address there is kept as the name alone, since the persona card that would
 * show it only opens on a click, which a detector never makes. The From/To/Cc/Bcc regions are found by their
 * `aria-label` ("From: …", "An: …", "宛先: …"), which OWA writes in the UI language and which is the only thing
 * that tells them apart: the labels of ten languages are carried (labels.ts), beside the legacy `_FROM` ids.
 *
 * Outlook Web App on premises (Exchange 2013 to Subscription Edition, `https://mail.example.org/owa/`) is known by
 * its own resources (`/owa/prem/<build>/…`, `/owa/auth/…`). Its older versions keep the route and the item id in
 * the URL fragment (`#path=/mail/inbox`, `#viewmodel=ReadMessageItem&ItemID=…`), and Exchange 2010 in `?id=`.
 *
 * Capture: a snapshot of the rendered message (primary). OWA's raw-message download
 * (`service.svc/s/DownloadMessage?id=…&token=…`, patterns.json) needs a token held by OWA's own scripts, is
 * marked unverified there, and has been seen served from another host (`attachment.outlook.live.net`); Graph's
 * `/messages/{id}/$value` is another origin too. So there is no same-origin URL that gives the MIME source.
 */

const KNOWN_HOSTS = new Set(['outlook.office.com', 'outlook.office365.com', 'outlook.live.com']);
const OWA_PATH = /^\/(?:owa|mail)(?:\/|$)/i;
/** How OWA shows itself on a customer domain (Briskine's host detection, patterns.json). */
const OWA_MARKERS =
  'head [href*="cdn.office.net"], meta[content*="owamail"], link[href*="/owamail/"], script[src*="/owamail/"], ' +
  '[src*="/owa/prem/"], [href*="/owa/prem/"], [src*="/owa/auth/"], [href*="/owa/auth/"]';
/** The build in OWA's resource paths: `/owa/prem/15.2.1544.4/…`, `/owa/15.1.2507.6/…`, `/owamail/20241104003.12/…`. */
const BUILD_IN_PATH = /\/(?:owa\/(?:prem\/)?(\d{1,3}\.\d{1,3}\.\d{1,5}\.\d{1,5})|owamail\/([\d.]{4,32}))\//;
const PANES = [
  '[data-app-section="ConversationContainer"]',
  '#ConversationReadingPaneContainer',
  '#ItemReadingPaneContainer',
  '[data-app-section="MailReadCompose"]',
  '#ReadingPaneContainerId',
  'main[aria-label="Reading Pane"]',
];
const BODY = '[id^="UniqueMessageBody"], div[role="document"], [aria-label="Message body"]';
const ID_IN_PATH = /\/(?:id|deeplink\/read)\/([^/?#]{8,2048})/;
const ID_CHARS = /^[A-Za-z0-9+/=_-]{8,1024}$/;
const CONVERSATION_ID = /^A[AQ]Qk/;
const MAX_MESSAGES = 100;
const MAX_PEOPLE = 500;

interface Ids {
  itemId?: string;
  conversationId?: string;
  folder?: string;
  via: string;
}

const decode = (value: string) => decodePart(value);

function classify(ids: Ids, raw: string): void {
  const id = decode(raw).trim();
  if (!ID_CHARS.test(id)) return;
  if (CONVERSATION_ID.test(id)) ids.conversationId ??= id;
  else ids.itemId ??= id;
}

/** `#path=/mail&ItemID=…` as pairs; the fragment is parsed by hand, since it is not a query of the URL. */
function fragmentPairs(url: URL): [string, string][] {
  return url.hash
    .slice(1, 4096)
    .split('&')
    .slice(0, 50)
    .map((pair): [string, string] => {
      const at = pair.indexOf('=');
      if (at < 0) return [decodePart(pair, true), ''];
      return [decodePart(pair.slice(0, at), true), decodePart(pair.slice(at + 1), true)];
    });
}

/** Item and conversation ids from the URL, then from the selected row of the message list. */
function idsOf(document: Document, url: URL): Ids {
  const ids: Ids = { via: 'url-id' };
  const path = url.pathname.slice(0, 4096);
  const m = ID_IN_PATH.exec(path);
  if (m) classify(ids, m[1]!);
  for (const [key, value] of queryPairs(url)) {
    if (key.toLowerCase() === 'itemid') classify(ids, value.slice(0, 2048));
  }
  // Exchange 2010: `/owa/?ae=Item&t=IPM.Note&id=RgAAAA…`.
  if (/^item$/i.test(queryParam(url, 'ae', 16))) classify(ids, queryParam(url, 'id', 2048));
  // Exchange 2013 and 2016 keep the route and the item in the fragment: `#path=/mail/inbox`, `#ItemID=…`.
  const fragment = fragmentPairs(url);
  for (const [key, value] of fragment) if (key.toLowerCase() === 'itemid') classify(ids, value.slice(0, 2048));
  const route = fragment.find(([key]) => key === 'path')?.[1] ?? '';
  const folder =
    /^\/mail\/(?:\d{1,3}\/)?([A-Za-z][\w-]{0,63})(?:\/|$)/.exec(path)?.[1] ??
    /^\/mail\/([A-Za-z][\w-]{0,63})(?:\/|$)/.exec(route)?.[1];
  if (folder && folder !== 'id' && folder !== 'deeplink') ids.folder = folder.toLowerCase();
  if (!ids.itemId && !ids.conversationId) {
    const list = document.querySelector('[role="listbox"][aria-activedescendant]');
    const activeId = attr(list, 'aria-activedescendant', 256);
    const active = activeId ? document.getElementById(activeId) : null;
    const row = active?.hasAttribute('data-convid')
      ? active
      : document.querySelector('[role="option"][aria-selected="true"][data-convid]');
    const convid = attr(row, 'data-convid', 2048);
    if (ID_CHARS.test(convid)) {
      ids.conversationId = convid;
      ids.via = 'data-convid';
    }
  }
  return ids;
}

/** Message bodies in `root`, counting a body nested in another (`UniqueMessageBody` > `role=document`) once. */
function bodiesIn(root: Element): Element[] {
  return Array.from(root.querySelectorAll(BODY))
    .slice(0, 500)
    .filter((body) => {
      const outer = body.parentElement?.closest(BODY);
      return !outer || !root.contains(outer);
    });
}

/** The expanded messages of the pane: the outermost `[aria-expanded=true]` elements holding exactly one body. */
function messagesOf(pane: Element): Element[] {
  const candidates = Array.from(pane.querySelectorAll('[aria-expanded="true"]'))
    .slice(0, 2000)
    .filter((element) => bodiesIn(element).length === 1);
  const outermost = candidates.filter(
    (element) => !candidates.some((other) => other !== element && other.contains(element)),
  );
  if (outermost.length > 0) return outermost.slice(0, MAX_MESSAGES);
  // A single message (full view, pop-out, legacy OWA) has no expander around it.
  const hasMessage =
    pane.querySelector(BODY) ||
    pane.querySelector('[data-testid="SentReceivedSavedTime"]') ||
    pane.querySelector('[id$="_FROM"]');
  if (!hasMessage) return [];
  // Several bodies and no expanders: the conversation's messages cannot be told apart, so none is offered.
  return bodiesIn(pane).length > 1 ? [] : [pane];
}

function subjectOf(pane: Element, document: Document): string {
  const heading =
    pane.querySelector('[data-app-section="SubjectLine"]') ??
    pane.querySelector('[id$="_SUBJECT"]') ??
    pane.querySelector('[role="heading"]') ??
    document.querySelector('[data-app-section="SubjectLine"]');
  const titled = heading?.hasAttribute('title') ? heading : heading?.querySelector('[title]');
  const subject = cleanText(attr(titled, 'title', 2048), 1024) || textOf(heading, 1024);
  // Bidi overrides could make a subject read as something else: removed outright (cleanText would leave a space).
  return subject.replace(/[\u202a-\u202e\u2066-\u2069]/g, '').trim();
}

/** `To: Ann` → `Ann`, in any of the carried languages. */
function withoutLabel(text: string): string {
  return labelledHeader(text.trim())?.rest ?? text;
}

/** A person from one element: the address from its attributes, the name from its text. */
function personOf(element: Element): { name: string; address?: string } {
  const mailto = attr(element, 'href', 2048);
  const candidates = [
    attr(element, 'data-email', 1024),
    /^mailto:/i.test(mailto) ? decode(mailto.slice(7).split('?')[0] ?? '') : '',
    attr(element, 'title', 1024),
    attr(element, 'aria-label', 1024),
  ];
  let address: string | undefined;
  for (const candidate of candidates) {
    const found = emailIn(candidate);
    if (found) {
      address = found;
      break;
    }
  }
  let name = textOf(element, 300);
  if (address) name = name.split(address).join(' ');
  name = cleanText(withoutLabel(name.replace(/[<>]/g, ' ')), 200);
  if (!name && address) {
    const label = attr(element, 'aria-label', 1024) || attr(element, 'title', 1024);
    name = cleanText(withoutLabel(label.split(address).join(' ').replace(/[<>]/g, ' ')), 200);
  }
  return { name, address };
}

const PERSONA = '[data-email], a[href^="mailto:" i], [title*="@"], [aria-label*="@"]';

/** Everyone named in one From/To/Cc/Bcc region, `Name <address>` where an address is in the markup. */
function peopleOf(region: Element): string[] {
  const out: string[] = [];
  const personas = Array.from(region.querySelectorAll(PERSONA)).slice(0, MAX_PEOPLE);
  // A persona nested in another (a span with a title inside a button with a label) is the same person.
  const outer = personas.filter((p) => !personas.some((other) => other !== p && other.contains(p)));
  for (const element of outer) {
    const { name, address } = personOf(element);
    const box = address ? mailbox(name, address) : undefined;
    if (box) out.push(box);
  }
  if (out.length === 0) {
    const own = personOf(region);
    const box = own.address ? mailbox(own.name, own.address) : undefined;
    if (box) out.push(box);
    else {
      // Names only: the region's own label ("To: Ann Lee; Bob") or its text, split at OWA's separators.
      const label = attr(region, 'aria-label', 4096) || textOf(region, 4096);
      for (const part of withoutLabel(label)
        .split(/[;；\n]/)
        .slice(0, MAX_PEOPLE)) {
        const name = cleanText(part, 200);
        if (name) out.push(name);
      }
    }
  }
  return [...new Set(out)];
}

/** From/To/Cc/Bcc regions of one message, by their `aria-label` prefix (or legacy `…_FROM` ids). */
function regionsOf(message: Element): Record<'from' | 'to' | 'cc' | 'bcc', Element[]> {
  const regions: Record<'from' | 'to' | 'cc' | 'bcc', Element[]> = { from: [], to: [], cc: [], bcc: [] };
  for (const element of Array.from(message.querySelectorAll('[aria-label], [id$="_FROM"]')).slice(0, 3000)) {
    if (element.matches(BODY) || element.closest('[id^="UniqueMessageBody"], div[role="document"]')) continue;
    const kind = labelledHeader(attr(element, 'aria-label', 64))?.kind;
    const key = kind ?? (/_FROM$/.test(element.id) ? 'from' : undefined);
    if (!key) continue;
    if (regions[key].some((region) => region.contains(element))) continue;
    regions[key].push(element);
  }
  return regions;
}

/**
 * OWA's sent time as displayed, read in the browser's zone (the one OWA renders in): `Thu 10/13/2016 11:39 AM`
 * (month first with AM/PM, as US English writes it), `13/10/2016 11:39` (day first when unambiguous),
 * `2016-10-13 11:39`, or month names in English. Ambiguous day/month orders give `undefined`.
 */
export function parseOwaDate(text: string): string | undefined {
  const value = cleanText(text, 100).replace(/[\u00a0\u202f]/g, ' ');
  const iso = /(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})/.exec(value);
  const slash = /(\d{1,2})[/.](\d{1,2})[/.](\d{4})\s+(\d{1,2}):(\d{2})(?::\d{2})?\s*([AP]\.?M\.?)?/i.exec(value);
  let parts: [number, number, number, number, number] | undefined;
  if (iso) parts = [+iso[1]!, +iso[2]!, +iso[3]!, +iso[4]!, +iso[5]!];
  else if (slash) {
    const [a, b, y] = [+slash[1]!, +slash[2]!, +slash[3]!];
    let hour = +slash[4]!;
    const meridiem = slash[6]?.[0]?.toLowerCase();
    if (meridiem) {
      if (hour < 1 || hour > 12) return undefined;
      hour = (hour % 12) + (meridiem === 'p' ? 12 : 0);
    }
    const monthFirst = meridiem ? true : a > 12 ? false : b > 12 ? true : undefined;
    if (monthFirst === undefined) return undefined;
    parts = monthFirst ? [y, a, b, hour, +slash[5]!] : [y, b, a, hour, +slash[5]!];
  }
  if (!parts) return parseDisplayDate(value);
  const [y, mo, d, h, mi] = parts;
  const date = new Date(y, mo - 1, d, h, mi);
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d || date.getHours() !== h) {
    return undefined;
  }
  return toIso(date);
}

function sentOf(message: Element): string | undefined {
  const time = message.querySelector('time[datetime]');
  const fromTime = normaliseDate(attr(time, 'datetime', 64));
  if (fromTime) return fromTime;
  const shown = message.querySelector('[data-testid="SentReceivedSavedTime"]');
  if (!shown) return undefined;
  return (
    normaliseDate(attr(shown, 'datetime', 64)) ??
    parseOwaDate(attr(shown, 'title', 100)) ??
    parseOwaDate(textOf(shown, 100))
  );
}

const FILE_NAME = /\.[a-z0-9]{1,8}$/i;
const SIZE_IN = /(\d[\d.,]*\s*(?:bytes?|[KMG]B))\b/i;

/** Attachment cards: `[role=option]` items of a listbox inside the message, named by their `title`. */
function attachmentsOf(message: Element): Attachment[] {
  const out: Attachment[] = [];
  for (const card of Array.from(message.querySelectorAll('[role="listbox"] [role="option"]')).slice(0, 100)) {
    const titled = card.hasAttribute('title') ? card : card.querySelector('[title]');
    const name = cleanText(attr(titled, 'title', 1024), 1024);
    if (!name || !FILE_NAME.test(name)) continue;
    const attachment: Attachment = { name };
    const size = SIZE_IN.exec(`${attr(card, 'aria-label', 512)} ${textOf(card, 300)}`)?.[1];
    const bytes = size ? parseSize(size) : undefined;
    if (bytes !== undefined) attachment.size = bytes;
    out.push(attachment);
  }
  return out;
}

function snapshot(): CapturePlan {
  return { parts: [{ source: 'snapshot', name: 'message.html', role: 'primary' }] };
}

function detectMessages(document: Document, url: URL): Detection[] {
  if (!isOutlook(url)) return [];
  const known = KNOWN_HOSTS.has(url.hostname) && url.protocol === 'https:';
  if (!known && !document.querySelector(OWA_MARKERS)) return [];
  let pane: Element | null = null;
  for (const selector of PANES) {
    pane = document.querySelector(selector);
    if (pane) break;
  }
  if (!pane) return [];
  const messages = messagesOf(pane);
  if (messages.length === 0) return [];
  const ids = idsOf(document, url);
  const base = ids.itemId ?? ids.conversationId;
  if (!base) return [];
  const title = subjectOf(pane, document) || '(no subject)';

  const out: Detection[] = [];
  const seen = new Set<string>();
  for (const [index, message] of messages.entries()) {
    const metadata: Metadata = { mimeType: 'message/rfc822' };
    const regions = regionsOf(message);
    const from = regions.from.flatMap(peopleOf)[0];
    if (from) metadata.originator = from;
    const to = [...new Set(regions.to.flatMap(peopleOf))];
    const other = [...new Set([...regions.cc, ...regions.bcc].flatMap(peopleOf))];
    if (to.length) metadata.addressees = to;
    if (other.length) metadata.otherAddressees = other;
    const sent = sentOf(message);
    if (sent) metadata.dateSent = sent;
    const files = attachmentsOf(message);
    if (files.length) metadata.attachments = files;
    const identifiers: Record<string, string> = {};
    if (ids.itemId) identifiers.itemId = ids.itemId;
    if (ids.conversationId) identifiers.conversationId = ids.conversationId;
    if (ids.folder) identifiers.folder = ids.folder;
    metadata.identifiers = identifiers;

    let sourceId = `outlook:${base}`;
    if (messages.length > 1) sourceId += `/${sent ?? index + 1}`;
    if (seen.has(sourceId)) sourceId = `outlook:${base}/${index + 1}`;
    seen.add(sourceId);
    out.push({
      // The Message-ID is not in the page; capture replaces this id with it where it gets the raw message.
      source: { app: 'outlook', kind: 'email', url: url.href, sourceId },
      title,
      metadata,
      capture: snapshot(),
      via: ids.via,
    });
  }
  return out;
}

function isOutlook(url: URL): boolean {
  // Microsoft's own hosts are https only; an on-premises server may still be reached over http.
  if (url.protocol !== 'https:' && (url.protocol !== 'http:' || KNOWN_HOSTS.has(url.hostname))) return false;
  return OWA_PATH.test(url.pathname);
}

/** Whether the URL alone names a message: an item id in the path, the query or the fragment. */
function namesItem(url: URL): boolean {
  if (ID_IN_PATH.test(url.pathname) || queryParam(url, 'itemid') !== '') return true;
  if (/^item$/i.test(queryParam(url, 'ae', 16)) && queryParam(url, 'id') !== '') return true;
  return fragmentPairs(url).some(([key, value]) => key.toLowerCase() === 'itemid' && value !== '');
}

export const outlook: Detector = {
  id: 'outlook',
  hosts: ['https://outlook.office.com/*', 'https://outlook.office365.com/*', 'https://outlook.live.com/*'],
  matches: isOutlook,
  detect: detectMessages,
  expectsItem: (url) => isOutlook(url) && namesItem(url),
  build: (document) => {
    for (const element of Array.from(document.querySelectorAll('script[src], link[href]')).slice(0, 100)) {
      const m = BUILD_IN_PATH.exec(attr(element, 'src', 1024) || attr(element, 'href', 1024));
      if (m) return m[1] ?? m[2];
    }
    return undefined;
  },
};
