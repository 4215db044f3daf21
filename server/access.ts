import type { ContentEntry } from '../utils/records/record.ts';
import type { Db } from './db.ts';
import { notFound } from './problem.ts';
import { findRecord, type StoredRecord } from './records.ts';
import type { TokenUser } from './tokens.ts';

/** The record if it exists and this user may see it: their own, or any for an admin. The API and the page share it. */
export async function visibleRecord(db: Db, id: string, user: TokenUser): Promise<StoredRecord> {
  const stored = await findRecord(db, id);
  if (!stored || (!user.admin && stored.owner !== user.user)) throw notFound(`Record ${id.slice(0, 100)}`);
  return stored;
}

/** Content entry `nText` of a visible record. */
export async function visibleContent(
  db: Db,
  id: string,
  nText: string,
  user: TokenUser,
): Promise<{ stored: StoredRecord; n: number; entry: ContentEntry }> {
  const stored = await visibleRecord(db, id, user);
  const n = Number(nText);
  const entry = /^\d{1,4}$/.test(nText) ? stored.record.content[n] : undefined;
  if (!entry) {
    throw notFound(
      `Content ${nText.slice(0, 20)} of record ${stored.record.id} (it has ${stored.record.content.length})`,
    );
  }
  return { stored, n, entry };
}
