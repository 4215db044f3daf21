import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db.ts';
import { hashOfToken, type TokenUser } from '../tokens.ts';

/**
 * Sessions of the web page. The cookie holds a random session id, never the API token; the database keeps only
 * the id's sha256, the token it was opened with, and when it ends. A session ends at sign-out, after IDLE_MS
 * without use, after MAX_AGE_MS whatever the use, and as soon as its token is revoked. Kept in the database, not in
 * memory, so every server process sharing the database sees the same sessions.
 */

export const IDLE_MS = 2 * 60 * 60_000;
export const MAX_AGE_MS = 12 * 60 * 60_000;
/** How stale `idle_until` may get: one write per session per minute instead of one per page. */
const TOUCH_RESOLUTION_MS = 60_000;

const hashOf = (id: string) => createHash('sha256').update(id).digest('hex');

/** Opens a session for a token already authenticated; returns the id to put in the cookie. */
export async function openSession(db: Db, token: string, now = new Date()): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  await db.query(
    `INSERT INTO web_sessions (id_hash, token_hash, created_at, expires_at, idle_until)
     VALUES ($1, $2, $3, $4, $5)`,
    [hashOf(id), hashOfToken(token), now, new Date(now.getTime() + MAX_AGE_MS), new Date(now.getTime() + IDLE_MS)],
  );
  return id;
}

/** The user of a live session, or undefined when the id is unknown, ended, expired, or its token revoked. */
export async function sessionUser(db: Db, id: string, now = new Date()): Promise<TokenUser | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
  const { rows } = await db.query<{ user_name: string; is_admin: boolean; idle_until: Date }>(
    `SELECT t.user_name, t.is_admin, s.idle_until
     FROM web_sessions s JOIN tokens t ON t.token_hash = s.token_hash
     WHERE s.id_hash = $1 AND s.ended_at IS NULL AND s.expires_at > $2 AND s.idle_until > $2
       AND t.revoked_at IS NULL`,
    [hashOf(id), now],
  );
  const row = rows[0];
  if (!row) return undefined;
  const idleUntil = now.getTime() + IDLE_MS;
  if (idleUntil - row.idle_until.getTime() > TOUCH_RESOLUTION_MS) {
    await db.query('UPDATE web_sessions SET idle_until = $2 WHERE id_hash = $1', [hashOf(id), new Date(idleUntil)]);
  }
  return { user: row.user_name, admin: row.is_admin };
}

/** Sign-out: the session ends now, whoever still holds its cookie. Old sessions are cleared on the way. */
export async function endSession(db: Db, id: string, now = new Date()): Promise<void> {
  await db.query('UPDATE web_sessions SET ended_at = $2 WHERE id_hash = $1 AND ended_at IS NULL', [hashOf(id), now]);
  await db.query('DELETE FROM web_sessions WHERE expires_at < $1', [new Date(now.getTime() - MAX_AGE_MS)]);
}
