import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from './db.ts';

export interface TokenUser {
  user: string;
  admin: boolean;
}

const PREFIX = 'rk_';
const hashOf = (token: string) => createHash('sha256').update(token).digest();

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

/** The user a token belongs to, or undefined when it is not one of ours. */
export async function authenticate(db: Db, token: string): Promise<TokenUser | undefined> {
  if (!token.startsWith(PREFIX) || token.length > 100) return undefined;
  const hash = hashOf(token);
  const { rows } = await db.query<{ token_hash: string; user_name: string; is_admin: boolean }>(
    'SELECT token_hash, user_name, is_admin FROM tokens WHERE token_hash = $1',
    [hash.toString('hex')],
  );
  const row = rows[0];
  // Looking up by hash already keeps the secret out of any timing; the constant-time comparison makes the match
  // explicit instead of trusting the index and collation to compare bytes exactly.
  if (!row || !timingSafeEqual(Buffer.from(row.token_hash, 'hex'), hash)) return undefined;
  return { user: row.user_name, admin: row.is_admin };
}
