import * as v from 'valibot';
import type { Detection } from '../detectors/types';
import type { Profile } from '../presets/schema';
import type { DeclareRequest } from './declaration';
import { type ContentEntry, type DeclaredRecord, RecordSchema } from './record';
import { uuidv7 } from './uuidv7';

export interface CapturedPart {
  entry: ContentEntry;
  bytes: ArrayBuffer;
}

/** Assembles the record from what the detector found and what the user chose; validates it before it is kept. */
export function buildRecord(
  request: DeclareRequest,
  profile: Profile | undefined,
  content: ContentEntry[],
  now: Date,
  declaredBy?: string,
): DeclaredRecord {
  const detection: Detection = request.detection;
  const record: DeclaredRecord = {
    id: uuidv7(now.getTime()),
    source: detection.source,
    title: request.title,
    metadata: detection.metadata,
    classification: {
      ...(request.profileId ? { profileId: request.profileId } : {}),
      ...(request.categoryId ? { categoryId: request.categoryId } : {}),
      recordType: profile?.recordType ?? detection.source.kind,
    },
    tags: [...new Set(request.tags)],
    fields: request.fields,
    content,
    ...(declaredBy ? { declaredBy } : {}),
    declaredAt: now.toISOString(),
  };
  return v.parse(RecordSchema, record);
}
