import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Batcher, parallelOn } from './batcher.ts';
import type { Db } from './db.ts';

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
  return (await authenticateAll(db, [token]))[0];
}

/**
 * The API's authentication: the tokens of concurrent requests are looked up in one statement (server/batcher.ts),
 * every request still against the database as it is now, so a revocation counts from the next request on.
 */
export function authenticator(db: Db): (token: string) => Promise<TokenUser | undefined> {
  const batcher = new Batcher((tokens: readonly string[]) => authenticateAll(db, tokens), { parallel: parallelOn(db) });
  return (token) => batcher.submit(token);
}

async function authenticateAll(db: Db, tokens: readonly string[]): Promise<(TokenUser | undefined)[]> {
  const hashes = tokens.map((token) => (token.startsWith(PREFIX) && token.length <= 100 ? hashOf(token) : undefined));
  const wanted = [...new Set(hashes.filter((hash) => hash !== undefined).map((hash) => hash.toString('hex')))];
  if (!wanted.length) return tokens.map(() => undefined);
  const { rows } = await db.query<TokenRow>(
    'SELECT token_hash, user_name, is_admin, revoked_at, last_used_at FROM tokens WHERE token_hash = ANY($1::text[])',
    [wanted],
    { name: 'rk-authenticate' },
  );
  const byHash = new Map(rows.map((row) => [row.token_hash, row]));
  const stale = rows
    .filter((row) => !row.revoked_at)
    .filter((row) => !row.last_used_at || Date.now() - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS)
    .map((row) => row.token_hash);
  if (stale.length) {
    await db.query('UPDATE tokens SET last_used_at = now() WHERE token_hash = ANY($1::text[])', [stale]);
  }
  return hashes.map((hash) => {
    const row = hash && byHash.get(hash.toString('hex'));
    // Looking up by hash already keeps the secret out of any timing; the constant-time comparison makes the match
    // explicit instead of trusting the index and collation to compare bytes exactly.
    if (!hash || !row || !timingSafeEqual(Buffer.from(row.token_hash, 'hex'), hash) || row.revoked_at) return undefined;
    return { user: row.user_name, admin: row.is_admin };
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
