import { join } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';

/** What the stores need from a database: PGlite today, a PostgreSQL pool later (same SQL). */
export type Db = PGlite;
export type Tx = Transaction;

/**
 * Numbered migrations, applied in order, each once, inside a transaction. Never edit one that has shipped;
 * add the next. Plain SQL that PostgreSQL runs as well.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tokens (
    token_hash text PRIMARY KEY,              -- sha256 hex of the token; the token itself is never stored
    user_name  text NOT NULL,
    is_admin   boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
  );

  CREATE TABLE records (
    id          uuid PRIMARY KEY,             -- the client's UUIDv7, also the Idempotency-Key
    owner_user  text NOT NULL,                -- the user of the token that sent it
    source_id   text NOT NULL,
    record      jsonb NOT NULL,
    fingerprint text NOT NULL,                -- sha256 of the canonical record + content digests
    received_at timestamptz NOT NULL
  );
  CREATE INDEX records_by_source ON records (source_id, received_at DESC, id DESC);
  CREATE INDEX records_by_owner ON records (owner_user, received_at DESC, id DESC);
  CREATE INDEX records_by_time ON records (received_at DESC, id DESC);

  CREATE TABLE record_content (
    record_id uuid NOT NULL REFERENCES records (id),
    n         integer NOT NULL,               -- index into record.content
    name      text NOT NULL,
    mime_type text NOT NULL,
    size      bigint NOT NULL,
    sha256    text NOT NULL,                  -- names the blob in the blob store
    PRIMARY KEY (record_id, n)
  );
  CREATE INDEX record_content_by_blob ON record_content (sha256);

  CREATE TABLE record_events (
    id        bigserial PRIMARY KEY,
    record_id uuid NOT NULL REFERENCES records (id),
    kind      text NOT NULL CHECK (kind IN ('declared', 'received', 'fixity-verified', 'accessed')),
    actor     text NOT NULL,
    at        timestamptz NOT NULL
  );
  CREATE INDEX record_events_by_record ON record_events (record_id, at);

  CREATE TABLE presets (
    version    integer PRIMARY KEY,
    document   jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL
  );
  `,
];

export async function openDb(dataDir: string): Promise<Db> {
  const db = await PGlite.create(join(dataDir, 'db'));
  await migrate(db);
  return db;
}

export async function migrate(db: Db): Promise<void> {
  await db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  const { rows } = await db.query<{ version: number }>(
    'SELECT coalesce(max(version), 0) AS version FROM schema_migrations',
  );
  for (let version = rows[0]!.version + 1; version <= MIGRATIONS.length; version++) {
    await db.transaction(async (tx) => {
      await tx.exec(MIGRATIONS[version - 1]!);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
    });
  }
}

/** PostgreSQL's unique_violation: another request inserted the same key first. */
export const isUniqueViolation = (error: unknown) => (error as { code?: string } | null)?.code === '23505';
