import PostalMime, { type Attachment, decodeWords } from 'postal-mime';
import type { Metadata } from '../../records/record';
import { formatAddressHeader } from './addresses';
import { errorMessage, extensionFor, isoZ, safeFileName } from './common';
import type { EmailAttachment, EmailFacts, NestedAttachment } from './types';

/** A header field line as RFC 5322 §2.2 defines it (printable ASCII name, no colon), or an mbox `From ` line. */
const HEADER_LINE = /^(?:[!-9;-~]+[ \t]*:|From )/;

/**
 * Refuses what is not a message before postal-mime sees it: postal-mime accepts any bytes (a PDF "parses" as a
 * body without headers), so the checks here are what turns a wrong file into a clear error.
 */
function checkLooksLikeMessage(bytes: Uint8Array): void {
  if (bytes.length === 0) throw new Error('Not an email message: the file is empty');
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 4096));
  const firstLine = head.replace(/^(?:\r?\n)+/, '').split(/\r?\n/, 1)[0] ?? '';
  // A NUL in the first header line means binary data; one further down (broken mailers write them) is removed
  // from the values it lands in, since no repository could store it.
  if (firstLine.includes('\0') || (head.match(/\0/g)?.length ?? 0) > 64 || !HEADER_LINE.test(firstLine)) {
    throw new Error('Not an email message: it does not start with RFC 5322 header fields (expected e.g. "From: …")');
  }
}

type Parsed = Awaited<ReturnType<typeof PostalMime.parse>>;

/** Every value of a header, raw (as the message has it), in order; repeated headers are one list. */
function header(email: Parsed, key: string): string | undefined {
  const values = email.headers.filter((h) => h.key === key).map((h) => h.value);
  return values.length ? values.join(', ') : undefined;
}

const UNSTORABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text from a header, decoded and made storable: no control characters, no lone surrogates, one line. */
function headerText(value: string | undefined, max: number): string | undefined {
  const text = value?.replace(UNSTORABLE, ' ').replace(/\s+/g, ' ').trim().slice(0, max);
  return text || undefined;
}

/** How deep messages attached to messages are opened to list their own attachments. */
const MAX_NESTING = 4;

function attachmentBytes(content: Attachment['content']): Uint8Array {
  if (typeof content === 'string') return new TextEncoder().encode(content);
  return content instanceof Uint8Array ? content : new Uint8Array(content);
}

/**
 * The attachments of an attached message (`message/rfc822`), listed under it, and theirs under them: a forwarded
 * message's files stay with the message they came in. A nested message that cannot be read lists nothing.
 */
async function nestedAttachments(bytes: Uint8Array, depth: number): Promise<NestedAttachment[] | undefined> {
  if (depth >= MAX_NESTING) return undefined;
  let email: Parsed;
  try {
    email = await PostalMime.parse(bytes, { forceRfc822Attachments: true, attachmentEncoding: 'arraybuffer' });
  } catch {
    return undefined; // An unreadable attached message is still kept whole as its own .eml part.
  }
  const listed: NestedAttachment[] = [];
  for (const [index, part] of email.attachments.slice(0, 200).entries()) {
    const inner = attachmentBytes(part.content);
    const entry: NestedAttachment = {
      name: attachmentName(part, index),
      size: inner.byteLength,
      mimeType: part.mimeType,
    };
    if (part.mimeType === 'message/rfc822') {
      const below = await nestedAttachments(inner, depth + 1);
      if (below?.length) entry.attachments = below;
    }
    listed.push(entry);
  }
  return listed;
}

function attachmentName(part: Attachment, index: number): string {
  const fallback = `attachment-${index + 1}.${extensionFor(part.mimeType)}`;
  let name = part.filename ? safeFileName(decodeWords(part.filename), fallback) : fallback;
  if (part.mimeType === 'message/rfc822' && !/\.eml$/i.test(name)) name = `${name}.eml`;
  return name;
}

async function toAttachments(parts: Attachment[]): Promise<EmailAttachment[]> {
  const out: EmailAttachment[] = [];
  for (const [index, part] of parts.entries()) {
    const attachment = toAttachment(part, index);
    if (part.mimeType === 'message/rfc822') {
      const nested = await nestedAttachments(attachment.bytes, 1);
      if (nested?.length) attachment.attachments = nested;
    }
    out.push(attachment);
  }
  return out;
}

function toAttachment(part: Attachment, index: number): EmailAttachment {
  const bytes = attachmentBytes(part.content);
  const name = attachmentName(part, index);
  // An image the HTML shows by Content-ID is part of the body even when the sender marked it `attachment`.
  const disposition = part.related ? 'inline' : (part.disposition ?? (part.contentId ? 'inline' : 'attachment'));
  return {
    name,
    mimeType: part.mimeType,
    size: bytes.byteLength,
    bytes,
    disposition,
    ...(part.contentId ? { contentId: part.contentId } : {}),
  };
}

/** Message ids in a References / In-Reply-To value, angle brackets kept. */
export function messageIds(value: string | undefined): string[] {
  return value?.match(/<[^<>\s]+>/g) ?? [];
}

/** The record's metadata for a message's facts. */
export function emailMetadata(facts: Omit<EmailFacts, 'metadata'>): Metadata {
  const identifiers: Record<string, string> = {};
  if (facts.messageId) identifiers.messageId = facts.messageId;
  if (facts.inReplyTo) identifiers.inReplyTo = facts.inReplyTo;
  if (facts.references.length > 0) identifiers.references = facts.references.join(' ').slice(0, 2048);
  return {
    mimeType: 'message/rfc822',
    ...(facts.originator ? { originator: facts.originator } : {}),
    ...(facts.addressees.length ? { addressees: facts.addressees } : {}),
    ...(facts.otherAddressees.length ? { otherAddressees: facts.otherAddressees } : {}),
    ...(facts.dateSent ? { dateSent: facts.dateSent } : {}),
    ...(facts.attachments.length
      ? {
          attachments: facts.attachments.map(({ name, size, mimeType, attachments }) => ({
            name,
            size,
            mimeType,
            ...(attachments ? { attachments } : {}),
          })),
        }
      : {}),
    ...(Object.keys(identifiers).length ? { identifiers } : {}),
  };
}

/**
 * Reads an RFC 5322 message (.eml). Nested messages (message/rfc822 parts) come out as `.eml` attachments rather
 * than being merged into the body, so a record keeps them whole. Throws when the bytes are not a message.
 */
export async function parseEmail(bytes: Uint8Array): Promise<EmailFacts> {
  checkLooksLikeMessage(bytes);
  let email: Awaited<ReturnType<typeof PostalMime.parse>>;
  try {
    email = await PostalMime.parse(bytes, { forceRfc822Attachments: true, attachmentEncoding: 'arraybuffer' });
  } catch (error) {
    throw new Error(`Could not read the email message: ${errorMessage(error)}`);
  }
  if (email.headers.length === 0) throw new Error('Not an email message: no header fields found');
  const sent = email.date ? isoZ(new Date(email.date)) : undefined;
  const inReplyTo = messageIds(email.inReplyTo)[0] ?? headerText(email.inReplyTo, 998);
  const messageId = headerText(email.messageId, 998);
  const subject = headerText(email.subject, 2000);
  const facts: Omit<EmailFacts, 'metadata'> = {
    // The raw headers, read by an RFC 5322 grammar (addresses.ts); postal-mime's own reading keeps comments.
    originator: formatAddressHeader(header(email, 'from'))[0],
    addressees: formatAddressHeader(header(email, 'to')),
    otherAddressees: [...formatAddressHeader(header(email, 'cc')), ...formatAddressHeader(header(email, 'bcc'))],
    references: messageIds(email.references),
    attachments: await toAttachments(email.attachments),
    ...(sent ? { dateSent: sent } : {}),
    ...(messageId ? { messageId } : {}),
    ...(inReplyTo ? { inReplyTo } : {}),
    ...(subject ? { subject } : {}),
  };
  if (!facts.originator) delete facts.originator;
  return { ...facts, metadata: emailMetadata(facts) };
}
