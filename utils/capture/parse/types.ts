import type { Metadata } from '../../records/record';

/** An attachment inside an attached message, listed (its bytes stay inside that message's .eml). */
export interface NestedAttachment {
  name: string;
  size: number;
  mimeType: string;
  attachments?: NestedAttachment[];
}

/** One attachment of a message, with its bytes. */
export interface EmailAttachment {
  name: string;
  mimeType: string;
  size: number;
  bytes: Uint8Array;
  /** `attachment`, `inline` or whatever the part said; `inline` also for parts the HTML shows by Content-ID. */
  disposition: string;
  contentId?: string;
  /** For an attached message: its own attachments, nested under it. */
  attachments?: NestedAttachment[];
}

/** What a message says about itself, from an .eml or an Outlook .msg. */
export interface EmailFacts {
  /** `Name <addr>` of the From (the real address), or the bare address. */
  originator?: string;
  /** To. */
  addressees: string[];
  /** Cc, then Bcc. */
  otherAddressees: string[];
  /** ISO 8601, UTC. */
  dateSent?: string;
  /** With its angle brackets, as in the header. */
  messageId?: string;
  inReplyTo?: string;
  references: string[];
  subject?: string;
  attachments: EmailAttachment[];
  /** The same facts in the record's vocabulary. */
  metadata: Metadata;
}

/** What a document file (PDF, Office Open XML) says about itself. */
export interface DocumentFacts {
  title?: string;
  metadata: Metadata;
  /** The application that made the document (PDF Creator, OOXML Application). */
  application?: string;
  /** PDF Producer: the library that wrote the file. */
  producer?: string;
  lastModifiedBy?: string;
  /** Cheap counts the file states itself: pages, words, slides, sheets… */
  counts: Record<string, number>;
}
