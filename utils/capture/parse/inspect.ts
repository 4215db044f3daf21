import type { Metadata } from '../../records/record';
import { sha256Hex } from '../bytes';
import { parseEmail } from './email';
import { CFB_MAGIC, parseMsg } from './msg';
import { parseOffice, ZIP_MAGIC } from './office';
import { parsePdf } from './pdf';
import type { EmailFacts } from './types';

export interface InspectedContent {
  role: 'primary' | 'attachment';
  name: string;
  mimeType: string;
  size: number;
  sha256: string;
}

/** What capture would record for a file: the record's title, metadata, identity and content digests. */
export interface Inspection {
  title: string;
  metadata: Metadata;
  kind: 'email' | 'file';
  sourceId: string;
  content: InspectedContent[];
}

const SUPPORTED = '(supported: .eml, .msg, .pdf, .docx, .xlsx, .pptx)';
type Format = 'eml' | 'msg' | 'pdf' | 'office';

const startsWith = (bytes: Uint8Array, magic: number[]) => magic.every((byte, i) => bytes[i] === byte);

/** Header fields that only a mail message starts with, so a `key: value` text file is not taken for one. */
const MAIL_HEADER =
  /^(?:return-path|received|from|to|subject|date|message-id|mime-version|delivered-to|x-[\w-]+|content-type|dkim-signature|arc-[\w-]+|authentication-results|reply-to|sender)[ \t]*:/im;

/** The format by its magic bytes first and its extension second. */
function formatOf(bytes: Uint8Array, fileName: string): Format | undefined {
  const ext = fileName.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1] ?? '';
  if (new TextDecoder('latin1').decode(bytes.subarray(0, 1024)).includes('%PDF-')) return 'pdf';
  if (startsWith(bytes, ZIP_MAGIC)) return 'office';
  if (startsWith(bytes, CFB_MAGIC)) return ['doc', 'xls', 'ppt'].includes(ext) ? undefined : 'msg';
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 2048));
  if (ext === 'eml' || (!head.includes('\0') && MAIL_HEADER.test(head.split(/\r?\n\r?\n/, 1)[0] ?? ''))) return 'eml';
  if (ext === 'msg') return 'msg';
  if (ext === 'pdf') return 'pdf';
  if (['docx', 'xlsx', 'pptx'].includes(ext)) return 'office';
  return undefined;
}

async function contentEntry(
  role: InspectedContent['role'],
  name: string,
  mimeType: string,
  bytes: Uint8Array,
): Promise<InspectedContent> {
  return { role, name, mimeType, size: bytes.byteLength, sha256: await sha256Hex(bytes) };
}

async function inspectEmail(facts: EmailFacts, primary: InspectedContent): Promise<Inspection> {
  const attachments = await Promise.all(
    facts.attachments.map((a) => contentEntry('attachment', a.name, a.mimeType, a.bytes)),
  );
  return {
    title: facts.subject ?? primary.name,
    metadata: facts.metadata,
    kind: 'email',
    sourceId: facts.messageId ?? `sha256:${primary.sha256}`,
    content: [primary, ...attachments],
  };
}

/**
 * Reads a file as capture would: an email (.eml, Outlook .msg) or a document (.pdf, .docx, .xlsx, .pptx). The
 * format is told by the bytes, then by the name. Throws an Error that says what is wrong with the file, or which
 * types are supported.
 */
export async function inspectFile(bytes: Uint8Array, fileName: string): Promise<Inspection> {
  const format = formatOf(bytes, fileName);
  if (!format) throw new Error(`Unsupported file type: ${fileName} ${SUPPORTED}`);
  const sha256 = await sha256Hex(bytes);
  if (format === 'eml' || format === 'msg') {
    const facts = format === 'eml' ? await parseEmail(bytes) : await parseMsg(bytes);
    const mimeType = format === 'eml' ? 'message/rfc822' : 'application/vnd.ms-outlook';
    const primary: InspectedContent = { role: 'primary', name: fileName, mimeType, size: bytes.byteLength, sha256 };
    return inspectEmail(facts, primary);
  }
  const facts = format === 'pdf' ? parsePdf(bytes) : parseOffice(bytes, fileName);
  const mimeType = facts.metadata.mimeType ?? 'application/octet-stream';
  return {
    title: facts.title ?? fileName,
    metadata: facts.metadata,
    kind: 'file',
    sourceId: `sha256:${sha256}`,
    content: [{ role: 'primary', name: fileName, mimeType, size: bytes.byteLength, sha256 }],
  };
}
