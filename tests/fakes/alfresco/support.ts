/**
 * What the connector tests and benches of the Alfresco and CMIS fakes share: records with real content and
 * digests, the outbox's side of a delivery (progress and part sources) in memory, and a credential store.
 */
import { createHash } from 'node:crypto';
import type { CredentialStore, PartSource } from '../../../utils/connectors/connector.ts';
import type { ContentEntry, DeclaredRecord } from '../../../utils/records/record.ts';

export interface TestPart {
  role?: ContentEntry['role'];
  name: string;
  mimeType?: string;
  bytes: Uint8Array;
}

let counter = 0;

/** A UUIDv7-shaped id, unique within the test run. */
export function recordId(): string {
  counter += 1;
  const hex = counter.toString(16).padStart(12, '0');
  return `0193a5b0-0000-7000-8000-${hex}`;
}

/** A generic page's document: its address is its source id. */
const DOCUMENT_URL = 'https://example.org/doc/1';

export function makeRecord(parts: TestPart[], overrides: Partial<DeclaredRecord> = {}): DeclaredRecord {
  return {
    id: recordId(),
    source: { app: 'generic', kind: 'document', url: DOCUMENT_URL, sourceId: DOCUMENT_URL },
    title: 'Supplier invoice 42',
    metadata: {
      originator: 'Ann Archer <ann@example.org>',
      publisher: 'Example Org',
      dateCreated: '2026-11-20T09:14:00.000Z',
    },
    classification: { categoryId: 'FIN/1', profileId: 'invoice', recordType: 'document' },
    tags: [],
    fields: {},
    content: parts.map((part, index) => ({
      role: part.role ?? (index === 0 ? 'primary' : 'attachment'),
      name: part.name,
      mimeType: part.mimeType ?? 'application/octet-stream',
      size: part.bytes.byteLength,
      sha256: createHash('sha256').update(part.bytes).digest('hex'),
    })),
    declaredBy: 'ann@example.org',
    declaredAt: '2026-11-23T10:00:00.000Z',
    ...overrides,
  } as DeclaredRecord;
}

/** The outbox's chunks of a part, `chunkSize` bytes each. */
export function partSources(parts: TestPart[], chunkSize = 64 * 1024): PartSource[] {
  return parts.map((part, index) => {
    const chunks = Math.max(1, Math.ceil(part.bytes.byteLength / chunkSize));
    return {
      index,
      size: part.bytes.byteLength,
      chunkSize,
      chunks,
      chunk: async (n: number) => part.bytes.slice(n * chunkSize, (n + 1) * chunkSize).buffer as ArrayBuffer,
    };
  });
}

/** The outbox's saved progress, in memory (cloned in and out, as IndexedDB would). */
export { memoryProgress } from '../../../utils/connectors/memory.ts';

export function memoryCredentials(
  initial: Record<string, string> = {},
): CredentialStore & { map: Map<string, string> } {
  const map = new Map(Object.entries(initial));
  return {
    map,
    get: async (name) => map.get(name),
    set: async (name, value) => {
      map.set(name, value);
    },
    delete: async (name) => {
      map.delete(name);
    },
  };
}

/** Deterministic bytes: part `seed` of a test, `size` long. */
export function bytesOf(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let j = 0; j < size; j++) out[j] = (Math.imul(j + seed * 7919, 2654435761) >>> 24) & 255;
  return out;
}
