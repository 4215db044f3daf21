import type { CredentialStore, PartSource } from '../../../utils/connectors/connector';
import type { DeliveryProgress } from '../../../utils/connectors/deliver';
import { createMicrosoft365Connector } from '../../../utils/connectors/microsoft-365/connector';
import type { Microsoft365Mapping } from '../../../utils/connectors/microsoft-365/mapping';
import type { DeclaredRecord } from '../../../utils/records/record';
import { type GraphFake, startGraphFake } from './server';

/** Test support for the Microsoft 365 connector: a fake tenant, records with parts, an in-memory outbox. */

export const SITE = 'contoso.sharepoint.com:/sites/records';
export const COLUMNS = [
  'RecordId',
  'Originator',
  'Addressees',
  'DateSent',
  'SourceId',
  'Category',
  'Tags',
  'CaseNumber',
];

export const MAPPING: Microsoft365Mapping = {
  columns: {
    Title: 'title',
    RecordId: 'recordId',
    Originator: 'originator',
    Addressees: 'addressees',
    DateSent: 'dateSent',
    SourceId: 'sourceId',
    Category: 'category',
    Tags: 'tags',
  },
  categories: {
    'HR/2.3': {
      site: SITE,
      library: 'Records',
      folder: 'HR/Grievances',
      retentionLabel: 'HR case record',
      columns: { CaseNumber: 'fields.caseNumber' },
    },
    'FIN/1': { site: SITE, library: 'Records', folder: 'Finance', retentionLabel: 'Regulatory finance' },
  },
};

export async function fakeTenant(options: { now?: () => number; keepContent?: boolean } = {}) {
  const fake = await startGraphFake({ testTokens: ['token-1'], ...options });
  fake.addSite('contoso.sharepoint.com', '/sites/records', [
    { name: 'Records', columns: COLUMNS },
    { name: 'Documents' },
  ]);
  fake.addLabel('HR case record', 'retainAsRecord');
  return fake;
}

/** A token source that hands out a new test token on every forced refresh, and counts them. */
export function testTokens(fake: GraphFake) {
  let n = 1;
  const source = async (options?: { forceRefresh?: boolean }) => {
    if (options?.forceRefresh) {
      n++;
      fake.acceptToken(`token-${n}`);
    }
    return `token-${n}`;
  };
  return Object.assign(source, { refreshes: () => n - 1 });
}

export const memoryCredentials = (): CredentialStore => {
  const map = new Map<string, string>();
  return {
    get: async (name) => map.get(name),
    set: async (name, value) => void map.set(name, value),
    delete: async (name) => void map.delete(name),
  };
};

export function connectorFor(
  fake: GraphFake,
  token: (options?: { forceRefresh?: boolean }) => Promise<string>,
  options: { fetch?: typeof fetch; mapping?: unknown; now?: () => number } = {},
) {
  return createMicrosoft365Connector({
    fetch: options.fetch ?? fetch,
    now: options.now ?? Date.now,
    credentials: memoryCredentials(),
    mapping: 'mapping' in options ? options.mapping : MAPPING,
    graphBase: fake.url,
    token,
  });
}

let sequence = 0;
/** A UUIDv7-shaped id, distinct per call. */
export function recordId(): string {
  const n = (++sequence).toString(16).padStart(12, '0');
  return `0193a5b0-0000-7000-8000-${n}`;
}

export function bytesOf(size: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

/** A part as the outbox keeps it: chunks of `chunkSize` (4 MiB in the outbox), served as Blobs. */
export function partSource(index: number, bytes: Uint8Array, chunkSize = 4 * 1024 * 1024): PartSource {
  const chunks = Math.max(1, Math.ceil(bytes.length / chunkSize));
  return {
    index,
    size: bytes.length,
    chunkSize,
    chunks,
    chunk: async (n) => new Blob([bytes.slice(n * chunkSize, (n + 1) * chunkSize)]),
  };
}

export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Buffer.from(digest).toString('hex');
}

/** The library columns MAPPING fills from a `recordWith` record's metadata and classification, as SharePoint gets them. */
export const RECORD_COLUMNS = {
  Originator: 'Ann Smith <ann@hr.example.org>',
  Addressees: 'hr@example.org; Bob <bob@example.org>',
  DateSent: '2026-11-20T09:14:00Z',
  SourceId: '<CAF=abc@mail.gmail.com>',
  Category: 'HR/2.3',
};

export async function recordWith(
  parts: { name: string; bytes: Uint8Array; role?: 'primary' | 'attachment' }[],
  overrides: Partial<DeclaredRecord> = {},
): Promise<DeclaredRecord> {
  return {
    id: recordId(),
    source: {
      app: 'gmail',
      kind: 'email',
      url: 'https://mail.google.com/mail/u/0/#inbox/FMfcgzQZTfZ',
      sourceId: '<CAF=abc@mail.gmail.com>',
    },
    title: 'Grievance: overtime for March',
    metadata: {
      originator: 'Ann Smith <ann@hr.example.org>',
      addressees: ['hr@example.org', 'Bob <bob@example.org>'],
      dateSent: '2026-11-20T09:14:00Z',
    },
    classification: { profileId: 'hr-case', categoryId: 'HR/2.3', recordType: 'email' },
    tags: ['grievance', 'overtime'],
    fields: { caseNumber: 'HR-2291' },
    content: await Promise.all(
      parts.map(async (part, i) => ({
        role: part.role ?? (i === 0 ? ('primary' as const) : ('attachment' as const)),
        name: part.name,
        mimeType: 'application/octet-stream',
        size: part.bytes.length,
        sha256: await sha256(part.bytes),
      })),
    ),
    declaredBy: 'ann@example.org',
    declaredAt: '2026-11-23T10:00:00Z',
    ...overrides,
  };
}

export function memoryProgress() {
  let saved: unknown;
  let saves = 0;
  return {
    get: async () => (saved === undefined ? undefined : structuredClone(saved)),
    save: async (progress: DeliveryProgress) => {
      saves++;
      saved = structuredClone(progress);
    },
    peek: () => saved as DeliveryProgress | undefined,
    saves: () => saves,
  };
}
