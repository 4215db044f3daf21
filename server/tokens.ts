import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Batcher, parallelOn } from './batcher.ts';
import type { Db } from './db.ts';
import { takeLeasesSql } from './leases.ts';
import { fromRow, type RecordRow, type StoredRecord } from './records.ts';

export interface TokenUser {
  user: string;
  admin: boolean;
}

/** What `token list` shows: never the token, only a short id derived from its hash. */
export interface TokenInfo {
  id: string;
  user: string;
  admin: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const PREFIX = 'rk_';
const hashOf = (token: string) => createHash('sha256').update(token).digest();
/** The sha256 hex under which a token is stored. */
export const hashOfToken = (token: string) => hashOf(token).toString('hex');
/** 12 hex digits of the hash: enough to name a token among thousands, useless to guess it. */
const ID_LENGTH = 12;
/** How stale `last used` may get: one write per token per minute instead of one per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Creates a bearer token for `user` and returns it; only its hash is stored, so it is shown this once. */
export async function createToken(db: Db, user: string, admin: boolean): Promise<string> {
  const name = user.trim();
  if (!name || name.length > 256) throw new Error('A token needs a user name of 1 to 256 characters.');
  const token = PREFIX + randomBytes(32).toString('base64url');
  await db.query('INSERT INTO tokens (token_hash, user_name, is_admin) VALUES ($1, $2, $3)', [
    hashOf(token).toString('hex'),
    name,
    admin,
  ]);
  return token;
}

interface TokenRow {
  token_hash: string;
  user_name: string;
  is_admin: boolean;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

/** The user a token belongs to, or undefined when it is not one of ours or was revoked. */
export async function authenticate(db: Db, token: string): Promise<TokenUser | undefined> {
  return (await authenticateAll(db, [{ token }]))[0]?.user;
}

/**
 * A record that a request will store (POST /records), to be looked up, and its lease taken, by the statement that
 * checks the request's token (server/receive.ts, recordAsk): one statement where there were two, which was most of
 * what separated ingest from the bare sink on PGlite (bench/server-ingest.ts). The lease's name is `leasePrefix`
 * followed by the token's user, and it is taken only for a token that is valid.
 */
export interface RecordAsk {
  id: string;
  leasePrefix: string;
  holder: string;
  ttlMs: number;
}

/** What a RecordAsk found: the record stored under its id, if any, and whether the request's lease was taken. */
export interface Found {
  stored: StoredRecord | undefined;
  taken: boolean;
}

export interface Authenticated {
  user: TokenUser;
  /** What the RecordAsk found, when there was one. */
  record?: Found | undefined;
}

/**
 * The API's authentication: the tokens of concurrent requests are looked up in one statement (server/batcher.ts),
 * every request still against the database as it is now, so a revocation counts from the next request on.
 */
export function authenticator(db: Db): (token: string, record?: RecordAsk) => Promise<Authenticated | undefined> {
  const batcher = new Batcher((asks: readonly Ask[]) => authenticateAll(db, asks), {
    parallel: parallelOn(db),
    // One statement must not take a lease twice (takeLeasesSql); a user's lease names the record id.
    key: (ask) => ask.record?.id,
  });
  return (token, record) => batcher.submit({ token, record });
}

interface Ask {
  token: string;
  record?: RecordAsk | undefined;
}

async function authenticateAll(db: Db, asks: readonly Ask[]): Promise<(Authenticated | undefined)[]> {
  const hashes = asks.map(({ token }) => (token.startsWith(PREFIX) && token.length <= 100 ? hashOf(token) : undefined));
  const wanted = asks.flatMap(({ record }, n) => {
    const hash = hashes[n];
    if (!hash) return [];
    return [
      {
        n,
        hash: hash.toString('hex'),
        id: record?.id ?? null,
        lease_prefix: record?.leasePrefix ?? null,
        holder: record?.holder ?? null,
        ttl_ms: record?.ttlMs ?? null,
      },
    ];
  });
  if (!wanted.length) return asks.map(() => undefined);
  const { rows } = await db.query<TokenRow & Partial<RecordRow> & { n: number; taken: boolean }>(
    `WITH wanted AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb)
         AS x(n int, hash text, id uuid, lease_prefix text, holder text, ttl_ms int)
     ), token AS (
       SELECT * FROM tokens WHERE token_hash = ANY (ARRAY(SELECT hash FROM wanted))
     ), asked AS (
       SELECT wanted.n, wanted.id, wanted.lease_prefix || token.user_name AS name, wanted.holder, wanted.ttl_ms
       FROM wanted JOIN token ON token.token_hash = wanted.hash
       WHERE wanted.id IS NOT NULL AND token.revoked_at IS NULL
     ), lease AS (${takeLeasesSql('asked')})
     SELECT wanted.n, token.token_hash, token.user_name, token.is_admin, token.revoked_at, token.last_used_at,
       lease.holder IS NOT NULL AS taken, r.record, r.owner_user, r.fingerprint, r.received_at
     FROM wanted
       JOIN token ON token.token_hash = wanted.hash
       LEFT JOIN asked ON asked.n = wanted.n
       LEFT JOIN lease ON lease.name = asked.name AND lease.holder = asked.holder
       LEFT JOIN LATERAL (SELECT * FROM records WHERE records.id = asked.id) r ON true`,
    [JSON.stringify(wanted)],
    { name: 'rk-authenticate' },
  );
  const byAsk = new Map(rows.map((row) => [row.n, row]));
  const stale = [
    ...new Set(
      rows
        .filter((row) => !row.revoked_at)
        .filter((row) => !row.last_used_at || Date.now() - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS)
        .map((row) => row.token_hash),
    ),
  ];
  if (stale.length) {
    // Only what `token list` shows: a failure is reported, and does not fail the requests, whose leases are taken.
    await db
      .query('UPDATE tokens SET last_used_at = now() WHERE token_hash = ANY($1::text[])', [stale])
      .catch((error: Error) =>
        console.error(`Could not record when ${stale.length} token(s) were last used: ${error.message}`),
      );
  }
  return asks.map(({ record }, n) => {
    const hash = hashes[n];
    const row = byAsk.get(n);
    // Looking up by hash already keeps the secret out of any timing; the constant-time comparison makes the match
    // explicit instead of trusting the index and collation to compare bytes exactly. (Should it ever refuse a row
    // the statement matched, that request's record lease lapses after its ttl: server/leases.ts.)
    if (!hash || !row || !timingSafeEqual(Buffer.from(row.token_hash, 'hex'), hash) || row.revoked_at) return undefined;
    const user = { user: row.user_name, admin: row.is_admin };
    if (!record) return { user };
    const stored = row.owner_user ? fromRow(row as TokenRow & RecordRow) : undefined;
    return { user, record: { stored, taken: row.taken } };
  });
}

export async function listTokens(db: Db): Promise<TokenInfo[]> {
  const { rows } = await db.query<{
    id: string;
    user_name: string;
    is_admin: boolean;
    created_at: Date;
    last_used_at: Date | null;
    revoked_at: Date | null;
  }>(
    `SELECT left(token_hash, ${ID_LENGTH}) AS id, user_name, is_admin, created_at, last_used_at, revoked_at
     FROM tokens ORDER BY created_at, token_hash`,
  );
  return rows.map((row) => ({
    id: row.id,
    user: row.user_name,
    admin: row.is_admin,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  }));
}

/** Revokes the token with this short id; says why not when there is no such active token. */
export async function revokeToken(db: Db, id: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (!new RegExp(`^[0-9a-f]{${ID_LENGTH}}$`).test(id)) {
    return {
      ok: false,
      reason: `"${id}" is not a token id; ids are the ${ID_LENGTH} hex digits \`token list\` shows.`,
    };
  }
  const { rows } = await db.query<{ revoked: boolean }>(
    `UPDATE tokens SET revoked_at = coalesce(revoked_at, now()) WHERE left(token_hash, ${ID_LENGTH}) = $1
     RETURNING revoked_at IS NOT NULL AS revoked`,
    [id],
  );
  return rows.length ? { ok: true } : { ok: false, reason: `No token has id ${id}; see \`token list\`.` };
}
