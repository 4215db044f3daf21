import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import * as v from 'valibot';
import { type DiagnosticsBody, DiagnosticsBodySchema, MAX_UPLOAD_SKELETON_BYTES } from '../utils/health/events.ts';
import { skeletonHeaderOf } from '../utils/health/skeleton-file.ts';
import type { Db } from './db.ts';
import { Problem } from './problem.ts';

/**
 * Detector health sent by the extensions (issue 14): counts per detector, app, build and problem, never page
 * content, and the page skeletons users chose to send. Each browser sends its totals under a random reporter id,
 * so a retry or a resend replaces, never adds. Only admins read them back.
 */

/** One line of the admin's view: a detector failing on an app (and build), over every user who reported it. */
export interface DiagnosticSummary {
  detector: string;
  app: string;
  build?: string;
  problem: string;
  /** Page views that showed it, summed over reporters. */
  count: number;
  /** Distinct users (token users) who reported it. */
  users: number;
  firstSeen: string;
  lastSeen: string;
}

export interface SkeletonInfo {
  id: string;
  user: string;
  url: string;
  reason: string;
  takenAt: string;
  receivedAt: string;
  size: number;
}

/** The body, validated: every problem found, with its path, in a 422. */
export function parseDiagnostics(raw: unknown): DiagnosticsBody {
  const result = v.safeParse(DiagnosticsBodySchema, raw);
  if (result.success) return result.output;
  throw new Problem('diagnostics-invalid', 'The diagnostics body does not match docs/records-api.md.', {
    extra: {
      errors: result.issues.slice(0, 50).map((issue) => ({
        path: `$${(issue.path ?? []).map((item) => (typeof item.key === 'number' ? `[${item.key}]` : `.${String(item.key)}`)).join('')}`,
        message: issue.message,
      })),
    },
  });
}

/** The skeleton file from its gzip, checked: the size it claims, no bigger than the limit, and a skeleton file. */
export function skeletonText(skeleton: NonNullable<DiagnosticsBody['skeleton']>): string {
  const invalid = (message: string) =>
    new Problem('diagnostics-invalid', message, { extra: { errors: [{ path: '$.skeleton.gzip', message }] } });
  let bytes: Buffer;
  try {
    bytes = gunzipSync(Buffer.from(skeleton.gzip, 'base64'), { maxOutputLength: MAX_UPLOAD_SKELETON_BYTES });
  } catch (error) {
    throw invalid(`not gzip of at most ${MAX_UPLOAD_SKELETON_BYTES} bytes (${(error as Error).message})`);
  }
  if (bytes.byteLength !== skeleton.size) {
    throw invalid(`unpacks to ${bytes.byteLength} bytes, not the ${skeleton.size} that "size" says`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid('not UTF-8 text');
  }
  // PostgreSQL text cannot hold U+0000, and a skeleton never has one (utils/health/skeleton.ts).
  if (text.includes('\u0000')) throw invalid('holds a NUL character');
  if (!skeletonHeaderOf(text)) throw invalid('not a Recordkeeper page skeleton (utils/health/skeleton-file.ts)');
  return text;
}

/**
 * Stores one browser's counts (replacing what the same user and reporter sent before) and the skeleton, in one
 * transaction: acknowledged means stored.
 */
export async function storeDiagnostics(
  db: Db,
  user: string,
  body: DiagnosticsBody,
  skeleton: string | undefined,
  now: Date,
): Promise<{ accepted: number; skeletonId?: string }> {
  let skeletonId: string | undefined;
  await db.transaction(async (tx) => {
    for (const count of body.counts) {
      await tx.query(
        `INSERT INTO diagnostics
           (user_name, reporter, detector, app, build, problem, count, first_seen, last_seen, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (user_name, reporter, detector, app, build, problem) DO UPDATE SET
           count = greatest(diagnostics.count, excluded.count),
           first_seen = least(diagnostics.first_seen, excluded.first_seen),
           last_seen = greatest(diagnostics.last_seen, excluded.last_seen),
           received_at = excluded.received_at`,
        [
          user,
          body.reporter,
          count.detector,
          count.app,
          count.build ?? '',
          count.problem,
          count.count,
          new Date(count.firstSeen),
          new Date(count.lastSeen),
          now,
        ],
      );
    }
    if (body.skeleton && skeleton !== undefined) {
      skeletonId = randomUUID();
      await tx.query(
        `INSERT INTO diagnostic_skeletons (id, user_name, reporter, url, reason, taken_at, received_at, size, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          skeletonId,
          user,
          body.reporter,
          body.skeleton.url,
          body.skeleton.reason,
          new Date(body.skeleton.takenAt),
          now,
          body.skeleton.size,
          skeleton,
        ],
      );
    }
  });
  return { accepted: body.counts.length, ...(skeletonId ? { skeletonId } : {}) };
}

/** Which detector fails on which app and build, since when, for how many users: most recently seen first. */
export async function listDiagnostics(db: Db): Promise<DiagnosticSummary[]> {
  const { rows } = await db.query<{
    detector: string;
    app: string;
    build: string;
    problem: string;
    count: string | number;
    users: string | number;
    first_seen: Date;
    last_seen: Date;
  }>(
    `SELECT detector, app, build, problem, sum(count)::bigint AS count, count(DISTINCT user_name)::integer AS users,
            min(first_seen) AS first_seen, max(last_seen) AS last_seen
     FROM diagnostics GROUP BY detector, app, build, problem
     ORDER BY max(last_seen) DESC, detector, app, build, problem LIMIT 1000`,
  );
  return rows.map((row) => ({
    detector: row.detector,
    app: row.app,
    ...(row.build ? { build: row.build } : {}),
    problem: row.problem,
    count: Number(row.count),
    users: Number(row.users),
    firstSeen: row.first_seen.toISOString(),
    lastSeen: row.last_seen.toISOString(),
  }));
}

export async function listSkeletons(db: Db): Promise<SkeletonInfo[]> {
  const { rows } = await db.query<{
    id: string;
    user_name: string;
    url: string;
    reason: string;
    taken_at: Date;
    received_at: Date;
    size: string | number;
  }>(
    `SELECT id, user_name, url, reason, taken_at, received_at, size FROM diagnostic_skeletons
     ORDER BY received_at DESC, id LIMIT 200`,
  );
  return rows.map((row) => ({
    id: row.id,
    user: row.user_name,
    url: row.url,
    reason: row.reason,
    takenAt: row.taken_at.toISOString(),
    receivedAt: row.received_at.toISOString(),
    size: Number(row.size),
  }));
}

export async function readSkeleton(db: Db, id: string): Promise<string | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) return undefined;
  const { rows } = await db.query<{ body: string }>('SELECT body FROM diagnostic_skeletons WHERE id = $1', [id]);
  return rows[0]?.body;
}
