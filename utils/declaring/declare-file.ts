import { parseEmail } from '../capture/parse/email';
import { inspectFile } from '../capture/parse/inspect';
import { parseMsg } from '../capture/parse/msg';
import type { Detection } from '../detectors/types';
import type { OutboxDb } from '../outbox/db';
import { enqueue } from '../outbox/outbox';
import type { Presets } from '../presets/schema';
import { buildRecord } from '../records/build';
import type { DeclareResult } from '../records/declaration';
import { attachmentParts, type CapturedPart } from '../records/from-email';
import type { ContentEntry } from '../records/record';
import { refusal } from '../records/refusal';

/** Files dropped on the popup or options page travel as JSON messages; past this they are refused. */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

type Inspection = Awaited<ReturnType<typeof inspectFile>>;

async function inspect(bytes: Uint8Array, name: string): Promise<Inspection> {
  if (bytes.byteLength > MAX_FILE_BYTES) {
    throw new Error(`${name} is ${bytes.byteLength} bytes; files up to ${MAX_FILE_BYTES} bytes can be declared here.`);
  }
  return inspectFile(bytes, name);
}

function detectionOf(inspection: Inspection, name: string): Detection {
  return {
    source: {
      app: 'file',
      kind: inspection.kind,
      url: `file:///${encodeURIComponent(name)}`,
      sourceId: inspection.sourceId,
    },
    title: inspection.title.slice(0, 1024) || name,
    metadata: inspection.metadata,
    capture: { parts: [] },
    via: 'file',
  };
}

/**
 * What a local file is, as a detection the declare form can show: the same metadata extraction as for web items
 * (the message's own headers, the document's own properties). Throws an Error saying what is wrong with the file.
 */
export async function inspectLocalFile(bytes: Uint8Array, name: string): Promise<Detection> {
  return detectionOf(await inspect(bytes, name), name);
}

/** A message file's attachments as parts of their own; other files have none. */
async function emailAttachments(bytes: Uint8Array, primary: ContentEntry): Promise<CapturedPart[]> {
  const isMsg = primary.mimeType === 'application/vnd.ms-outlook';
  if (!isMsg && primary.mimeType !== 'message/rfc822') return [];
  const facts = isMsg ? await parseMsg(bytes) : await parseEmail(bytes);
  return attachmentParts(facts.attachments, [primary.name]);
}

export interface FileDeclaration {
  name: string;
  bytes: Uint8Array;
  title: string;
  profileId?: string | undefined;
  categoryId?: string | undefined;
  tags: string[];
  fields: Record<string, string>;
}

/** Declares a local file: the file itself as the primary content part, a message's attachments beside it. */
export async function declareFile(
  file: FileDeclaration,
  deps: { db: OutboxDb; presets: Presets; now: () => Date },
): Promise<DeclareResult> {
  try {
    const inspection = await inspect(file.bytes, file.name);
    const detection = detectionOf(inspection, file.name);
    const primaryEntry = inspection.content[0]!;
    const primary: ContentEntry = { ...primaryEntry, role: 'primary', name: file.name.replace(/[\\/]+/g, '_') };
    const profile = deps.presets.profiles.find((p) => p.id === file.profileId);
    const attachments =
      !profile?.capture.length || profile.capture.includes('attachments')
        ? await emailAttachments(file.bytes, primary)
        : [];
    const record = buildRecord(
      {
        detection,
        title: file.title,
        profileId: file.profileId,
        categoryId: file.categoryId,
        tags: file.tags,
        fields: file.fields,
        metadataOnly: false,
      },
      profile,
      [primary, ...attachments.map((a) => a.entry)],
      deps.now(),
    );
    await enqueue(
      deps.db,
      record,
      [file.bytes.slice().buffer, ...attachments.map((a) => a.bytes)],
      deps.now().getTime(),
    );
    return { ok: true, id: record.id, sourceId: record.source.sourceId };
  } catch (error) {
    return { ok: false, error: `Nothing was declared: ${refusal(error)}`, canDeclareMetadataOnly: false };
  }
}
