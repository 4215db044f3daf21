import { sha256Hex } from '../capture/bytes';
import { parseEmail } from '../capture/parse/email';
import type { EmailAttachment } from '../capture/parse/types';
import type { Detection } from '../detectors/types';
import type { ContentEntry, Metadata } from './record';
import type { StagedPart } from './staged';

/** A captured part: its bytes in memory, or staged chunk by chunk in the outbox (large originals). */
export interface CapturedPart {
  entry: ContentEntry;
  bytes: ArrayBuffer | StagedPart;
}

export interface EmailEnrichment {
  detection: Detection;
  attachments: CapturedPart[];
  /** Why the raw message could not be read, when it could not; the record then keeps what the page showed. */
  warning?: string;
}

/**
 * A message's attachments as content parts of their own (at most 200), named without paths and uniquely beside
 * the names `takenNames` already holds. Captured emails and dropped .eml/.msg files both come through here.
 */
export async function attachmentParts(attachments: EmailAttachment[], takenNames: string[]): Promise<CapturedPart[]> {
  const taken = new Set(takenNames.map((name) => name.toLowerCase()));
  const parts: CapturedPart[] = [];
  for (const attachment of attachments.slice(0, 200)) {
    const bytes = attachment.bytes.slice().buffer;
    parts.push({
      entry: {
        role: 'attachment',
        name: partName(attachment.name, taken),
        mimeType: attachment.mimeType || 'application/octet-stream',
        size: bytes.byteLength,
        sha256: await sha256Hex(bytes),
      },
      bytes,
    });
  }
  return parts;
}

/** A content-part name: no path, no control characters, unique within the record. */
function partName(name: string, taken: Set<string>): string {
  const base =
    name
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
      .replace(/[\\/\0-\x1f\x7f-\x9f]+|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '_')
      .trim()
      .slice(0, 200) || 'attachment';
  let candidate = base;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) {
    const dot = base.lastIndexOf('.');
    candidate = dot > 0 ? `${base.slice(0, dot)} (${n})${base.slice(dot)}` : `${base} (${n})`;
  }
  taken.add(candidate.toLowerCase());
  return candidate;
}

/**
 * The record reads the message itself, not the page's display of it: the raw RFC 822 source gives the real
 * addresses, the date, the Message-ID (the source's stable identity across apps) and the attachments, each of
 * which becomes a content part of its own. The app's own id stays in the identifiers.
 */
export async function enrichFromEmail(
  detection: Detection,
  raw: ArrayBuffer,
  takenNames: string[],
  withAttachments: boolean,
): Promise<EmailEnrichment> {
  let facts: Awaited<ReturnType<typeof parseEmail>>;
  try {
    facts = await parseEmail(new Uint8Array(raw));
  } catch (error) {
    return {
      detection,
      attachments: [],
      warning: `The message source could not be read (${error instanceof Error ? error.message : error}); the record keeps what the page showed.`,
    };
  }
  const fromPage = detection.metadata;
  const metadata: Metadata = {
    ...fromPage,
    ...facts.metadata,
    identifiers: {
      ...fromPage.identifiers,
      ...facts.metadata.identifiers,
      appSourceId: detection.source.sourceId,
    },
  };
  const attachments = withAttachments ? await attachmentParts(facts.attachments, takenNames) : [];
  const title = detection.title || facts.subject || 'Email';
  return {
    detection: {
      ...detection,
      title,
      source: { ...detection.source, sourceId: facts.messageId ?? detection.source.sourceId },
      metadata,
    },
    attachments,
  };
}
