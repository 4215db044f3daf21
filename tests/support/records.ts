/**
 * Building blocks the unit tests of the outbox, the drain, the connectors and declaring share: records as the
 * extension declares them, a connector reduced to what a test needs. Test-only: nothing the extension ships imports it.
 */
import { sha256Hex } from '../../utils/capture/bytes';
import type { Connector, ConnectorCapabilities, Json } from '../../utils/connectors/connector';
import type { ContentEntry, DeclaredRecord, Receipt } from '../../utils/records/record';
import { uuidv7 } from '../../utils/records/uuidv7';

/** A web page declared with no metadata; `overrides` gives it an id, content, a date. */
export function pageRecord(overrides: Partial<DeclaredRecord> = {}): DeclaredRecord {
  return {
    id: uuidv7(),
    source: { app: 'generic', kind: 'page', url: 'https://example.org/a', sourceId: 'https://example.org/a' },
    title: 'A page',
    metadata: {},
    classification: {},
    tags: [],
    fields: {},
    content: [],
    declaredAt: new Date().toISOString(),
    ...overrides,
  };
}

/** A file declared as one binary part of `size` bytes with digest `sha256`, under source id `sourceId`. */
export function fileRecord(size: number, sha256: string, sourceId: string): DeclaredRecord {
  return {
    id: uuidv7(),
    source: { app: 'generic', kind: 'file', url: 'https://example.org/big.bin', sourceId },
    title: 'Big file',
    metadata: {},
    classification: {},
    tags: [],
    fields: {},
    content: [{ role: 'primary', name: 'big.bin', mimeType: 'application/octet-stream', size, sha256 }],
    declaredAt: new Date().toISOString(),
  };
}

/** The content entry of a whole email message (`message.eml`) of these bytes. */
export async function messageEntry(bytes: ArrayBuffer | Uint8Array): Promise<ContentEntry> {
  return {
    role: 'primary',
    name: 'message.eml',
    mimeType: 'message/rfc822',
    size: bytes.byteLength,
    sha256: await sha256Hex(bytes),
  };
}

/** The receipt a repository gives for `record`: every part's name, digest and size as sent. */
export function receiptFor(record: DeclaredRecord, receivedAt = new Date().toISOString()): Receipt {
  return {
    id: record.id,
    url: `http://127.0.0.1/records/${record.id}`,
    receivedAt,
    content: record.content.map(({ name, sha256, size }) => ({ name, sha256, size })),
  };
}

/**
 * A connector called `id` with the capabilities of an idempotent on-create repository, changed by `capabilities`;
 * every step succeeds without a word unless `steps` says otherwise (the commit's answer is the receipt).
 */
export function toyConnector(
  id: string,
  capabilities: Partial<ConnectorCapabilities> = {},
  steps: Partial<Connector> = {},
): Connector {
  return {
    id,
    describe: () => ({
      maxSinglePartBytes: 1024,
      resumableParts: true,
      digest: 'sha256',
      existing: 'idempotency-key',
      declaration: 'on-create',
      findsBySource: false,
      servesPresets: false,
      ...capabilities,
    }),
    probe: async () => ({ ok: true }),
    resolveTarget: async () => null,
    findExisting: async () => undefined,
    sendPart: async () => ({ sent: true }),
    commit: async ({ record }) => receiptFor(record) as unknown as Json,
    finalize: async (_record, _target, committed) => committed as unknown as Receipt,
    verify: async () => undefined,
    ...steps,
  };
}
