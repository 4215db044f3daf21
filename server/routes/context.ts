import { Readable } from 'node:stream';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import type { BlobStore } from '../blobs.ts';
import type { Db } from '../db.ts';
import type { Leases } from '../leases.ts';
import type { Leased, RecordAsking } from '../receive.ts';
import type { RecordStatements } from '../records.ts';
import type { TokenUser } from '../tokens.ts';
import type { UploadStore } from '../uploads.ts';

/** What every resource's sub-app is given: the stores and the settings of this server. */
export interface ApiContext {
  db: Db;
  blobs: BlobStore;
  uploads: UploadStore;
  maxBytes: number;
  /** Base of the receipt URLs people open, without a trailing slash. */
  publicUrl: string;
  /** Shared with every process on the database: which record ids are being received right now. */
  leases: Leases;
  /** POST /records's lookups and inserts, shared with concurrent requests (server/batcher.ts). */
  records: RecordStatements;
  /** receivedAt strictly increases within a server. */
  now: () => Date;
}

/**
 * Hono's environment for the API: the Node request when served by @hono/node-server, the token's user, and for
 * POST /records what it asks of the token's check and the record its Idempotency-Key names, looked up with the token
 * (server/receive.ts, recordAsk).
 */
export type ApiEnv = {
  Bindings: Partial<HttpBindings>;
  Variables: { user: TokenUser; recordAsk?: RecordAsking; found?: Leased };
};

/** The request body as a Node stream: the Node request itself when we have it, with no copy through a web stream. */
export const requestBody = (c: Context<ApiEnv>): Readable =>
  c.env?.incoming ?? Readable.fromWeb((c.req.raw.body ?? new ReadableStream()) as never);
