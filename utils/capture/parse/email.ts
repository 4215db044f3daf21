import PostalMime, { type Address, type Attachment } from 'postal-mime';
import type { Metadata } from '../../records/record';
import { errorMessage, extensionFor, formatMailbox, isoZ, safeFileName } from './common';
import type { EmailAttachment, EmailFacts } from './types';

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
  if (head.includes('\0') || !HEADER_LINE.test(firstLine)) {
    throw new Error('Not an email message: it does not start with RFC 5322 header fields (expected e.g. "From: …")');
  }
}

function mailboxes(addresses: Address[] | Address | undefined): string[] {
  const list = Array.isArray(addresses) ? addresses : addresses ? [addresses] : [];
  // Groups (`Team: a@x, b@y;`) are flattened into their members; an empty group names no one.
  return list
    .flatMap((item) => (item.group ? item.group : [item]))
    .flatMap((m) => formatMailbox(m.name, m.address) ?? []);
}

function attachmentBytes(content: Attachment['content']): Uint8Array {
  if (typeof content === 'string') return new TextEncoder().encode(content);
  return content instanceof Uint8Array ? content : new Uint8Array(content);
}

function toAttachments(parts: Attachment[]): EmailAttachment[] {
  return parts.map((part, index) => {
    const bytes = attachmentBytes(part.content);
    const fallback = `attachment-${index + 1}.${extensionFor(part.mimeType)}`;
    let name = part.filename ? safeFileName(part.filename, fallback) : fallback;
    if (part.mimeType === 'message/rfc822' && !/\.eml$/i.test(name)) name = `${name}.eml`;
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
  });
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
      ? { attachments: facts.attachments.map(({ name, size, mimeType }) => ({ name, size, mimeType })) }
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
  const inReplyTo = messageIds(email.inReplyTo)[0] ?? (email.inReplyTo?.trim() || undefined);
  const facts: Omit<EmailFacts, 'metadata'> = {
    originator: mailboxes(email.from)[0],
    addressees: mailboxes(email.to),
    otherAddressees: [...mailboxes(email.cc), ...mailboxes(email.bcc)],
    references: messageIds(email.references),
    attachments: toAttachments(email.attachments),
    ...(sent ? { dateSent: sent } : {}),
    ...(email.messageId ? { messageId: email.messageId.trim() } : {}),
    ...(inReplyTo ? { inReplyTo } : {}),
    ...(email.subject?.trim() ? { subject: email.subject.trim() } : {}),
  };
  if (!facts.originator) delete facts.originator;
  return { ...facts, metadata: emailMetadata(facts) };
}
