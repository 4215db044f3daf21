import type { ContentEntry, DeclaredRecord, Receipt } from '../records/record';

/**
 * The connector seam: how a declared record reaches one kind of repository (docs/connectors.md). The drain knows
 * only this interface; each repository (Records API v1, Microsoft 365, Alfresco Governance Services, CMIS 1.1) is one
 * implementation, listed in `utils/connectors/index.ts`.
 *
 * A record is delivered in steps (see `deliver.ts`), and what each step produced is saved in the outbox before the
 * next one starts, so a stopped service worker or a lost answer resumes where it stopped instead of starting over:
 *
 *   resolveTarget → findExisting → sendPart (each part, checkpointed after every acknowledged piece) → commit
 *     → finalize (declare, complete or label) → verify
 *
 * Everything a connector hands back to be saved is plain JSON, and it is validated again when it is read back: the
 * outbox may hold what an older version wrote.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The closed set of failures. The drain decides what to do from the kind alone. */
export type ConnectorErrorKind =
  /** Try again later with backoff: the repository failed or could not be reached. */
  | 'retryable'
  /** The repository asked us to slow down; `retryAfterMs` says for how long. */
  | 'throttled'
  /** Credentials missing, expired or refused. `interactive` when only the user can fix it (sign in again). */
  | 'auth'
  /** The item already exists and is not provably ours: a person must look. */
  | 'exists'
  /** The repository holds something that contradicts this record (same key, different body; a lock). */
  | 'conflict'
  /** The repository refused this record for good (validation, missing mapping, mandatory properties). */
  | 'permanent'
  /** This connector or repository cannot do what the record needs (too large a part, a feature not installed). */
  | 'unsupported';

export interface ConnectorErrorOptions {
  /** The HTTP status, when the repository answered. No status means it was not reached at all (offline). */
  status?: number | undefined;
  retryAfterMs?: number | undefined;
  interactive?: boolean | undefined;
  /**
   * Parts the repository no longer holds (an upload that expired before the commit referred to it): `deliver`
   * forgets what it saved for them, so the next attempt sends them again.
   */
  lostParts?: readonly number[] | undefined;
  cause?: unknown;
}

export class ConnectorError extends Error {
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly interactive: boolean;
  readonly lostParts: readonly number[];

  constructor(
    message: string,
    readonly kind: ConnectorErrorKind,
    options: ConnectorErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectorError';
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.interactive = options.interactive ?? false;
    this.lostParts = options.lostParts ?? [];
  }
}

/** What a connector can do, so the drain, the options page and the admin guide can say it. */
export interface ConnectorCapabilities {
  /** The largest part accepted in one request; larger parts go through `sendPart`'s resumable path. */
  maxSinglePartBytes: number;
  /** The largest part the repository accepts at all (undefined: no limit known). */
  maxPartBytes?: number | undefined;
  /** Whether an interrupted part continues from a checkpoint rather than starting over. */
  resumableParts: boolean;
  /** The digest the repository itself reports for stored content, checked by `verify`. */
  digest: 'sha256' | 'quickXorHash' | 'md5' | 'none';
  /** How a record that was already created (its answer lost) is found again. */
  existing: 'idempotency-key' | 'name' | 'property-query' | 'path';
  /** How the item becomes a record: when it is created, by a separate call, or by applying a label. */
  declaration: 'on-create' | 'separate-call' | 'label';
  /** Whether `findBySource` can answer the "already declared?" lookup. */
  findsBySource: boolean;
  /** Whether `fetchPresets` serves presets from the repository. */
  servesPresets: boolean;
}

/** The connection test's answer: ok, or the exact step that is missing, in words an administrator can act on. */
export type ProbeResult =
  | { ok: true; user?: string | undefined; detail?: string | undefined; presetsVersion?: number | undefined }
  | { ok: false; kind: ProbeFailureKind; detail: string };

export type ProbeFailureKind =
  | 'not-configured'
  | 'permission'
  | 'unreachable'
  | 'tls'
  | 'auth'
  | 'sign-in'
  | 'wrong-service'
  | 'setup'
  | 'forbidden'
  | 'server-error';

/** A content part as the outbox stores it, read one chunk at a time, so no part is ever held whole in memory. */
export interface PartSource {
  index: number;
  size: number;
  chunkSize: number;
  chunks: number;
  chunk(n: number): Promise<ArrayBuffer | Blob>;
}

/** A record already in the repository for the same source, as the duplicate warning shows it. */
export interface PriorRecord {
  id: string;
  /** Where to see it; only an http(s) link the repository gave (utils/connectors/http.ts `isHttpUrl`). */
  url?: string | undefined;
  receivedAt: string;
  title?: string | undefined;
  categoryId?: string | undefined;
  declaredBy?: string | undefined;
}

export type PresetsAnswer = { status: 'not-modified' } | { status: 'ok'; document: unknown; etag?: string | undefined };

export interface SendPartRequest {
  record: DeclaredRecord;
  target: Json;
  entry: ContentEntry;
  part: PartSource;
  /** What the last attempt saved for this part, if anything. */
  checkpoint: Json | undefined;
  /** Saves the checkpoint in the outbox; call after every piece the repository acknowledged. */
  save: (checkpoint: Json) => Promise<void>;
}

export interface CommitRequest {
  record: DeclaredRecord;
  target: Json;
  parts: PartSource[];
  /** What `sendPart` returned for each part, in the record's content order. */
  refs: Json[];
}

export interface Connector {
  readonly id: string;
  describe(): ConnectorCapabilities;
  /** The connection test: reach, authenticate, check that everything the connector needs is set up. */
  probe(): Promise<ProbeResult>;
  /** Where the record's file-plan category goes in this repository. Throws `permanent` when it is unmapped. */
  resolveTarget(record: DeclaredRecord): Promise<Json>;
  /**
   * The record's committed state when it already exists in the repository (a create whose answer was lost),
   * proven to be ours; undefined when it does not exist. Called before every create.
   */
  findExisting(record: DeclaredRecord, target: Json): Promise<Json | undefined>;
  /** Sends one part, resuming from `checkpoint`; returns what `commit` needs to refer to it. */
  sendPart(request: SendPartRequest): Promise<Json>;
  /** Creates the record from its parts, with its metadata. Idempotent for the same record. */
  commit(request: CommitRequest): Promise<Json>;
  /** Declares, completes or labels the record, and answers the receipt. Idempotent. */
  finalize(record: DeclaredRecord, target: Json, committed: Json): Promise<Receipt>;
  /** Fixity as far as the repository allows: undefined when the receipt proves every part, else what differs. */
  verify(record: DeclaredRecord, receipt: Receipt): Promise<string | undefined>;
  /** Records already declared for this source (the duplicate warning). Only when `findsBySource`. */
  findBySource?(sourceId: string): Promise<PriorRecord[]>;
  /** The repository's presets document. Only when `servesPresets`. */
  fetchPresets?(etag: string | undefined): Promise<PresetsAnswer>;
}

/** Secrets (tokens, passwords, refresh tokens), kept by the background where content scripts cannot read them. */
export interface CredentialStore {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

/** What the background gives a connector when it creates one. */
export interface ConnectorDeps {
  fetch: typeof fetch;
  now: () => number;
  credentials: CredentialStore;
  /** The connector's own section of the presets (its category → target mapping), already validated. */
  mapping?: unknown;
}
