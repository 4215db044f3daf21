import * as v from 'valibot';
import { Detection } from '../detectors/types';

/**
 * What a declaration asks and answers, in the domain's own terms. The message protocol (utils/messaging.ts)
 * carries these as they are; the domain never imports the protocol.
 */

const TabId = v.pipe(v.number(), v.integer(), v.minValue(0));
const Text = (max: number) => v.pipe(v.string(), v.maxLength(max));

export const DeclareRequest = v.object({
  tabId: v.optional(TabId),
  detection: Detection,
  title: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(1024)),
  profileId: v.optional(Text(128)),
  categoryId: v.optional(Text(256)),
  tags: v.pipe(v.array(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(128))), v.maxLength(100)),
  fields: v.optional(v.record(Text(128), Text(4096)), {}),
  /** Declare without content when capture failed and the user chose so. */
  metadataOnly: v.optional(v.boolean(), false),
});
export type DeclareRequest = v.InferOutput<typeof DeclareRequest>;

/**
 * How the content was captured when it was not simply the capture plan: the original through Microsoft Graph
 * (Outlook's MIME, with what the message could not give as `warning`; a SharePoint file the page could not
 * download, `pageError` saying why), or the page's snapshot because Graph could not give the original (`reason`).
 */
export type CaptureNote =
  | { via: 'graph'; original: true; pageError?: string | undefined; warning?: string | undefined }
  | { via: 'page'; original: false; reason: string };

export type DeclareResult =
  | {
      ok: true;
      id: string /** The record's source id, the Message-ID once the raw message was read. */;
      sourceId: string;
      capture?: CaptureNote | undefined;
    }
  | { ok: false; error: string; canDeclareMetadataOnly: boolean };

export interface FetchedContent {
  ok: true;
  /** Base64, because Chrome's extension messaging carries JSON only; used for bounded page snapshots. Downloads
   * of any size are streamed in chunks instead (utils/capture/stream.ts). */
  base64: string;
  mimeType: string;
}
export type FetchResult = FetchedContent | { ok: false; error: string };
