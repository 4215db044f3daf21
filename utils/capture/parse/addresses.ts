import emailAddresses from 'email-addresses';
import { addressParser, decodeWords } from 'postal-mime';
import { formatMailbox } from './common';

/**
 * Address headers read as mail systems read them (RFC 5322 §3.4 with the obsolete syntax of §4.4): comments are not
 * part of an address (`pete(his account)@silly.test` is `pete@silly.test`), groups give their members (an empty
 * group, `Undisclosed recipients:;`, names no one), source routes and folding whitespace inside an address are
 * dropped. The grammar is `email-addresses`' (a full RFC 5322 parser, with the RFC 6532 UTF-8 extension); postal-mime
 * keeps comments in addresses and takes a trailing comment for a recipient, so its parser is only the fallback for a
 * header the grammar refuses outright. Display names are RFC 2047-decoded and cleaned of what could disguise them.
 */

/** One mailbox: the address, and the display name when there is one. */
export interface Mailbox {
  name?: string;
  address: string;
}

/** Controls, bidirectional overrides, zero-width characters and lone surrogates: never part of a name. */
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A display name as people should see it: decoded, normalised (NFC), without unsafe characters, one line. */
export function cleanName(name: string | null | undefined): string {
  if (!name) return '';
  return decodeWords(name).normalize('NFC').replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim().slice(0, 500);
}

function cleanAddress(address: string): string {
  return address.normalize('NFC').replace(UNSAFE, '').replace(/\s+/g, '').slice(0, 320);
}

/** A list split at its top-level commas (outside quotes, comments and angle brackets), empty elements dropped. */
function withoutEmptyElements(value: string): string {
  const elements: string[] = [];
  let depth = 0;
  let quoted = false;
  let angle = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\') i++;
    else if (quoted) quoted = c !== '"';
    else if (c === '"') quoted = true;
    else if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (depth === 0 && c === '<') angle = true;
    else if (depth === 0 && c === '>') angle = false;
    else if (depth === 0 && !angle && c === ',') {
      elements.push(value.slice(start, i));
      start = i + 1;
    }
  }
  elements.push(value.slice(start));
  // An element that is only whitespace and comments is an obsolete empty list element (RFC 5322 §4.4).
  return elements.filter((element) => element.replace(/\([^()]*\)/g, '').trim() !== '').join(',');
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The name in the old `address (Full Name)` form, which mail programs still show as the display name: one comment
 * right after a bare address in the header. Comments inside an address (`pete(his account)@silly.test`) are no name.
 */
function trailingComment(input: string, mailbox: { address: string; comments?: string }): string {
  const comment = /^\(([^()]{1,200})\)$/.exec(mailbox.comments ?? '')?.[1];
  if (!comment) return '';
  const form = new RegExp(`(?:^|[,:])\\s*${escapeRegExp(mailbox.address)}\\s*\\(${escapeRegExp(comment)}\\)`);
  return form.test(input) ? comment : '';
}

/** Every mailbox an address header names, groups flattened into their members. */
export function parseAddressHeader(value: string | undefined): Mailbox[] {
  if (!value) return [];
  const input = withoutEmptyElements(value.slice(0, 100_000));
  const parsed = emailAddresses.parseAddressList({
    input,
    rfc6532: true,
    atInDisplayName: true,
    commaInDisplayName: true,
  });
  if (parsed) {
    return parsed
      .flatMap((item) => (item.type === 'group' ? item.addresses : [item]))
      .map((mailbox) => ({
        name:
          cleanName(mailbox.name) ||
          cleanName(trailingComment(input, mailbox as { address: string; comments?: string })),
        address: cleanAddress(mailbox.address),
      }))
      .filter((mailbox) => mailbox.address.includes('@'))
      .map(({ name, address }) => (name ? { name, address } : { address }));
  }
  return addressParser(value)
    .flatMap((item) => ('group' in item && item.group ? item.group : [item]))
    .map((mailbox) => ({ name: cleanName(mailbox.name), address: cleanAddress(mailbox.address ?? '') }))
    .filter((mailbox) => /^[^@\s()]+@[^@\s()]+$/.test(mailbox.address))
    .map(({ name, address }) => (name ? { name, address } : { address }));
}

/** `Name <addr>` (the name quoted where RFC 5322 needs it) for each mailbox of the header. */
export function formatAddressHeader(value: string | undefined): string[] {
  return parseAddressHeader(value).flatMap((m) => formatMailbox(m.name, m.address) ?? []);
}
