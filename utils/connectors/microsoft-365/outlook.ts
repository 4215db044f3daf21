import { sha256Hex } from '../../capture/bytes';
import type { Detection } from '../../detectors/types';
import { type CapturedPart, enrichFromEmail } from '../../records/from-email';
import { ConnectorError } from '../connector';
import { failure, type GraphClient } from './graph';

/**
 * Outlook on the web's originals through Microsoft Graph: the message open in the page, as its MIME source
 * (`GET /me/messages/{id}/$value`, message-get.md), read by the same email reader as Gmail's raw messages
 * (utils/records/from-email.ts → utils/capture/parse/email.ts), so the record gets the real addresses, the date,
 * the Message-ID as source id and each attachment as a part of its own.
 *
 * The Outlook detector (utils/detectors/outlook.ts) reads the item id from the page's URL. Outlook on the web
 * writes it in the EWS format (standard base64: `+` and `/`), Graph wants its REST format; `translateExchangeIds`
 * (user-translateexchangeids.md) converts between them, and is asked whenever the id is not already REST-shaped or
 * Graph does not know it as given.
 */

/** Outlook's message size limit is 150 MB; a MIME source larger than this is not read into memory here. */
export const MAX_MIME_BYTES = 150 * 1024 * 1024;

export interface OutlookOriginal {
  /** The detection with what the message itself says (addresses, date, Message-ID as source id). */
  detection: Detection;
  /** `message.eml` (primary), then each attachment. */
  parts: CapturedPart[];
  /** When the message source could not be read; the record then keeps what the page showed. */
  warning?: string | undefined;
}

const REST_ID = /^[A-Za-z0-9_=-]+$/;

/** The item id of a detection that shows one message (a conversation's messages have no id of their own). */
export function outlookItemId(detection: Detection): string | undefined {
  const itemId = detection.metadata.identifiers?.itemId;
  if (detection.source.app !== 'outlook' || !itemId) return undefined;
  return detection.source.sourceId === `outlook:${itemId}` ? itemId : undefined;
}

async function translate(graph: GraphClient, ewsId: string): Promise<string | undefined> {
  const { value } = await graph.json<{ value?: { sourceId?: unknown; targetId?: unknown }[] }>(
    '/me/translateExchangeIds',
    {
      method: 'POST',
      json: { inputIds: [ewsId], sourceIdType: 'ewsId', targetIdType: 'restId' },
      doing: 'convert the Outlook item id for Graph',
    },
  );
  const target = value?.find((entry) => entry.sourceId === ewsId)?.targetId;
  return typeof target === 'string' && REST_ID.test(target) ? target : undefined;
}

async function mime(graph: GraphClient, restId: string): Promise<Response> {
  return graph.raw(`/me/messages/${encodeURIComponent(restId)}/$value`, { doing: 'read the message from Outlook' });
}

/**
 * The original of the Outlook message a detection shows, or undefined when the detection has no message id of its
 * own (a conversation view). Throws `ConnectorError` when Graph cannot give it; the caller keeps the snapshot then.
 */
export async function outlookOriginal(
  graph: GraphClient,
  detection: Detection,
  options: { withAttachments: boolean; takenNames?: string[] },
): Promise<OutlookOriginal | undefined> {
  const pageId = outlookItemId(detection);
  if (!pageId) return undefined;

  let restId = REST_ID.test(pageId) ? pageId : await translate(graph, pageId);
  let response = restId ? await mime(graph, restId) : undefined;
  if ((!response || response.status === 404) && restId === pageId) {
    // Graph does not know the id as the page wrote it: it may be an EWS id that happens to look REST-shaped.
    await response?.body?.cancel();
    restId = await translate(graph, pageId);
    response = restId ? await mime(graph, restId) : undefined;
  }
  if (!response || !restId) {
    throw new ConnectorError('Graph could not convert the Outlook item id of this message.', 'permanent');
  }
  if (response.status !== 200) throw await failure(response, 'read the message from Outlook', graph.now());
  const length = Number(response.headers.get('Content-Length'));
  if (length > MAX_MIME_BYTES) {
    await response.body?.cancel();
    throw new ConnectorError(
      `The message is ${length} bytes, over the ${MAX_MIME_BYTES} this capture reads.`,
      'unsupported',
    );
  }
  const raw = await response.arrayBuffer();
  if (raw.byteLength > MAX_MIME_BYTES) {
    throw new ConnectorError(
      `The message is ${raw.byteLength} bytes, over the ${MAX_MIME_BYTES} this capture reads.`,
      'unsupported',
    );
  }

  const primary: CapturedPart = {
    entry: {
      role: 'primary',
      name: 'message.eml',
      mimeType: 'message/rfc822',
      size: raw.byteLength,
      sha256: await sha256Hex(raw),
    },
    bytes: raw,
  };
  const enriched = await enrichFromEmail(
    {
      ...detection,
      metadata: {
        ...detection.metadata,
        identifiers: { ...detection.metadata.identifiers, ...(restId !== pageId ? { restId } : {}) },
      },
    },
    raw,
    [...(options.takenNames ?? []), primary.entry.name],
    options.withAttachments,
  );
  return { detection: enriched.detection, parts: [primary, ...enriched.attachments], warning: enriched.warning };
}
