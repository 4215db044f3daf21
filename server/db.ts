import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Db, openPostgres } from './db-engines.ts';
import type { CheckpointPolicy } from './pglite-worker.ts';

export type { Db, Queryable, Tx } from './db-engines.ts';

/**
 * Numbered migrations, applied in order, each once, inside a transaction. Never edit one that has shipped;
 * add the next. Plain SQL that PGlite and PostgreSQL both run.
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
  // Token management (list, revoke, last use) and fixity failures in the audit trail.
  `
  ALTER TABLE tokens ADD COLUMN revoked_at timestamptz;
  ALTER TABLE tokens ADD COLUMN last_used_at timestamptz;
  ALTER TABLE record_events DROP CONSTRAINT record_events_kind_check;
  ALTER TABLE record_events ADD CONSTRAINT record_events_kind_check
    CHECK (kind IN ('declared', 'received', 'fixity-verified', 'fixity-failed', 'accessed'));
  ALTER TABLE record_events ADD COLUMN detail text;
  `,
  // Resumable uploads (server/uploads.ts): one row per upload; the bytes are in <blobs>/uploads/<id>.
  `
  CREATE TABLE uploads (
    id           uuid PRIMARY KEY,
    owner_user   text NOT NULL,
    length       bigint NOT NULL,             -- Upload-Length
    sha256       text NOT NULL,               -- from Upload-Metadata; checked when the last byte arrives
    record_id    uuid,                        -- the record and part it is for, when the client said
    part         integer,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,        -- pushed back by every PATCH
    completed_at timestamptz                  -- set once all bytes arrived and their sha256 matched
  );
  CREATE INDEX uploads_by_expiry ON uploads (expires_at);
  `,
  // Sessions of the web page (server/web/sessions.ts): the cookie holds a random id whose hash is stored here; a
  // session belongs to the token it was opened with, so revoking the token ends it too.
  `
  CREATE TABLE web_sessions (
    id_hash      text PRIMARY KEY,            -- sha256 hex of the cookie value
    token_hash   text NOT NULL REFERENCES tokens (token_hash),
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,        -- absolute end, whatever the activity
    idle_until   timestamptz NOT NULL,        -- pushed back by use
    ended_at     timestamptz                  -- set by sign-out
  );
  CREATE INDEX web_sessions_by_expiry ON web_sessions (expires_at);
  `,
  // Leases (server/leases.ts): what one server process is doing alone — a record id being received, an upload being
  // written — for every process sharing the database to see. Unlogged: worthless after a crash, so no WAL.
  `
  CREATE UNLOGGED TABLE leases (
    name   text PRIMARY KEY,                  -- record:<id>:<user>, upload:<id>
    holder text NOT NULL,                     -- random per acquisition
    until  timestamptz NOT NULL               -- lapses unless renewed (database clock)
  );
  `,
  // Detector health (server/diagnostics.ts): each browser's counts under its random reporter id, replaced by every
  // upload; no page content. Page skeletons users chose to send, masked by the extension (utils/health/skeleton.ts).
  `
  CREATE TABLE diagnostics (
    user_name   text NOT NULL,                -- the user of the token that sent them
    reporter    uuid NOT NULL,                -- the browser's random counts id
    detector    text NOT NULL,
    app         text NOT NULL,
    build       text NOT NULL,                -- the app's build marker, '' when the page shows none
    problem     text NOT NULL,
    count       bigint NOT NULL,
    first_seen  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (user_name, reporter, detector, app, build, problem)
  );
  CREATE INDEX diagnostics_by_last_seen ON diagnostics (last_seen DESC);

  CREATE TABLE diagnostic_skeletons (
    id          uuid PRIMARY KEY,
    user_name   text NOT NULL,
    reporter    uuid NOT NULL,
    url         text NOT NULL,                -- the page address as the skeleton keeps it
    reason      text NOT NULL,                -- nothing | wrong
    taken_at    timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    size        integer NOT NULL,
    body        text NOT NULL                 -- the skeleton file
  );
  CREATE INDEX diagnostic_skeletons_by_time ON diagnostic_skeletons (received_at DESC);
  `,
  // Small content (server/small-blobs.ts): stored with its record, in the same transaction, so the database's one
  // group-committed fsync covers it. EXTERNAL: out of line but never compressed (digested content rarely shrinks).
  `
  CREATE TABLE small_blobs (
    sha256 text PRIMARY KEY,                  -- the content's digest, verified on receipt
    bytes  bytea NOT NULL
  );
  ALTER TABLE small_blobs ALTER COLUMN bytes SET STORAGE EXTERNAL;
  `,
];

export interface DbOptions {
  /** PGlite keeps its files under `<dataDir>/db` when no `databaseUrl` is given. */
  dataDir: string;
  /** postgres://… to use a PostgreSQL server instead of the embedded engine. */
  databaseUrl?: string | undefined;
  /** The embedded database's checkpoints, where they differ from the defaults (`pgliteCheckpointsOf`). */
  checkpoints?: Partial<CheckpointPolicy> | undefined;
}

/**
 * The embedded database's checkpoints as the administrator sets them in the server's environment
 * (docs/deployment.md, "Checkpoints on the embedded database"), named and bounded as PostgreSQL's own settings:
 * RK_PGLITE_MAX_WAL_SIZE_MB, the write-ahead log since the last checkpoint that calls for the next (max_wal_size:
 * 32 MB, two segments, to 64 GB here), and RK_PGLITE_CHECKPOINT_TIMEOUT_S, the age of the last checkpoint that calls
 * for the next once a segment has been written since (checkpoint_timeout: 30 s to a day). Unset or blank: the
 * default (server/pglite-worker.ts, `CHECKPOINTS`). Anything else is refused, naming the variable.
 */
export function pgliteCheckpointsOf(env: Readonly<Record<string, string | undefined>>): Partial<CheckpointPolicy> {
  const whole = (name: string, unit: string, least: number, most: number): number | undefined => {
    const text = env[name]?.trim();
    if (!text) return undefined;
    const value = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
    if (!(value >= least && value <= most)) {
      throw new Error(
        `${name} must be a whole number of ${unit} from ${least} to ${most}; it was "${text.slice(0, 40)}".`,
      );
    }
    return value;
  };
  const walMb = whole('RK_PGLITE_MAX_WAL_SIZE_MB', 'MB', 32, 65_536);
  const ageSeconds = whole('RK_PGLITE_CHECKPOINT_TIMEOUT_S', 'seconds', 30, 86_400);
  return {
    ...(walMb === undefined ? {} : { walBytes: walMb * 1024 * 1024 }),
    ...(ageSeconds === undefined ? {} : { maxAgeMs: ageSeconds * 1000 }),
  };
}

/** Opens the configured engine and brings its schema up to date. */
export async function openDb(options: DbOptions | string): Promise<Db> {
  const { dataDir, databaseUrl, checkpoints } = typeof options === 'string' ? { dataDir: options } : options;
  let db: Db;
  if (databaseUrl) db = await openPostgres(databaseUrl);
  else {
    mkdirSync(dataDir, { recursive: true });
    const { openPglite } = await import('./db-pglite.ts');
    db = await openPglite(join(dataDir, 'db'), { checkpoints });
  }
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

export async function migrate(db: Db): Promise<void> {
  // Several server processes may start at once on one PostgreSQL database (docs/deployment.md, "More than one
  // server"): the first takes this lock and brings the schema up to date in one transaction; the others wait for
  // it, then find nothing left to do. Even CREATE TABLE IF NOT EXISTS is not safe to race without it.
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await tx.query<{ version: number }>(
      'SELECT coalesce(max(version), 0)::integer AS version FROM schema_migrations',
    );
    for (let version = rows[0]!.version + 1; version <= MIGRATIONS.length; version++) {
      for (const statement of splitStatements(MIGRATIONS[version - 1]!)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
    }
  });
}

/** The advisory lock key of schema migrations: any constant no other code uses ("rkmigrat" in ASCII, truncated). */
const MIGRATION_LOCK = 0x726b6d69;

/**
 * One statement at a time, so both engines run migrations through the same transaction code. Migrations hold no
 * string literals with `;` or `--`, so dropping comments and splitting on `;` is exact.
 */
function splitStatements(script: string): string[] {
  return script
    .replace(/--[^\n]*/g, '')
    .split(';')
    .map((statement) => statement.trim())
    .filter(Boolean);
}
