import type { FieldsData } from '@kenjiuno/msgreader';
import { errorMessage, formatMailbox, isoZ, safeFileName } from './common';
import { emailMetadata, messageIds } from './email';
import type { EmailAttachment, EmailFacts } from './types';

/** Compound File Binary signature: every .msg starts with it (so do old .doc/.xls/.ppt files). */
export const CFB_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

type MsgReaderClass = typeof import('@kenjiuno/msgreader').default;

/**
 * msgreader is CommonJS with an `exports.default`: bundlers unwrap it, Node's ESM loader does not. Loaded on
 * demand so only .msg parsing pays for it.
 */
async function loadMsgReader(): Promise<MsgReaderClass> {
  const mod = (await import('@kenjiuno/msgreader')) as unknown as {
    default: MsgReaderClass | { default: MsgReaderClass };
  };
  const candidate = mod.default;
  return typeof candidate === 'function' ? candidate : candidate.default;
}

/** One field of the transport headers Outlook kept (PR_TRANSPORT_MESSAGE_HEADERS), unfolded. */
function headerField(headers: string | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const unfolded = headers.replace(/\r?\n[ \t]+/g, ' ');
  const match = unfolded.match(new RegExp(`^${name}[ \\t]*:[ \\t]*(.*)$`, 'im'));
  return match?.[1]?.trim() || undefined;
}

/** Outlook keeps Exchange (`EX`) addresses as X.500 DNs; the SMTP address is in a separate property if at all. */
function address(fields: { email?: string; smtpAddress?: string; addressType?: string }): string | undefined {
  if (fields.smtpAddress) return fields.smtpAddress;
  return fields.addressType?.toUpperCase() === 'EX' ? undefined : fields.email;
}

function date(value: string | undefined): string | undefined {
  return value ? isoZ(new Date(value)) : undefined;
}

/**
 * Reads an Outlook item (.msg, a Compound File). Recipients come out by type with their SMTP addresses where
 * Outlook stored them; embedded Outlook items (attached .msg) are listed by name but carry no bytes, since they
 * live inside this file's storage and are not files of their own.
 */
export async function parseMsg(bytes: Uint8Array): Promise<EmailFacts> {
  if (!CFB_MAGIC.every((byte, i) => bytes[i] === byte)) {
    throw new Error('Not an Outlook message: .msg files start with the Compound File signature');
  }
  const MsgReader = await loadMsgReader();
  let reader: InstanceType<MsgReaderClass>;
  let data: FieldsData;
  try {
    reader = new MsgReader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    data = reader.getFileData();
  } catch (error) {
    throw new Error(`Could not read the Outlook message: ${errorMessage(error)}`);
  }
  if (data.error) throw new Error(`Could not read the Outlook message: ${data.error}`);
  if (!data.messageClass) throw new Error('Not an Outlook message: the file has no message class (is it a .doc?)');

  const byType = (type: 'to' | 'cc' | 'bcc') =>
    (data.recipients ?? [])
      .filter((r) => (r.recipType ?? 'to') === type)
      .flatMap((r) => formatMailbox(r.name, address(r)) ?? []);
  const attachments: EmailAttachment[] = [];
  const listed: { name: string; size?: number; mimeType?: string }[] = [];
  for (const [index, attachment] of (data.attachments ?? []).entries()) {
    const fallback = `attachment-${index + 1}.bin`;
    if (attachment.innerMsgContent) {
      listed.push({
        name: safeFileName(`${attachment.name ?? fallback}.msg`, fallback),
        mimeType: 'application/vnd.ms-outlook',
      });
      continue;
    }
    const file = reader.getAttachment(attachment);
    const name = safeFileName(file.fileName || attachment.fileName || attachment.name || '', fallback);
    const mimeType = attachment.attachMimeTag || 'application/octet-stream';
    const content = file.content instanceof Uint8Array ? file.content : new Uint8Array(file.content);
    attachments.push({
      name,
      mimeType,
      size: content.byteLength,
      bytes: content,
      disposition: attachment.attachmentHidden || attachment.pidContentId ? 'inline' : 'attachment',
      ...(attachment.pidContentId ? { contentId: `<${attachment.pidContentId.replace(/^<|>$/g, '')}>` } : {}),
    });
    listed.push({ name, size: content.byteLength, mimeType });
  }

  const messageId = data.messageId?.trim() || headerField(data.headers, 'Message-ID');
  const inReplyTo = messageIds(headerField(data.headers, 'In-Reply-To'))[0];
  const originator = formatMailbox(
    data.senderName,
    data.senderSmtpAddress ?? address({ email: data.senderEmail, addressType: data.senderAddressType }),
  );
  const dateSent =
    date(data.clientSubmitTime) ?? date(headerField(data.headers, 'Date')) ?? date(data.messageDeliveryTime);
  const facts: Omit<EmailFacts, 'metadata'> = {
    addressees: byType('to'),
    otherAddressees: [...byType('cc'), ...byType('bcc')],
    references: messageIds(headerField(data.headers, 'References')),
    attachments,
    ...(originator ? { originator } : {}),
    ...(dateSent ? { dateSent } : {}),
    ...(messageId ? { messageId } : {}),
    ...(inReplyTo ? { inReplyTo } : {}),
    ...(data.subject?.trim() ? { subject: data.subject.trim() } : {}),
  };
  const metadata = emailMetadata(facts);
  if (listed.length > 0) metadata.attachments = listed;
  return { ...facts, metadata };
}
