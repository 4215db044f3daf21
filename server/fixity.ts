import { createHash } from 'node:crypto';
import type { BlobStore } from './blobs.ts';
import type { Db } from './db.ts';
import { addEvent } from './records.ts';

export interface FixityMismatch {
  recordId: string;
  n: number;
  name: string;
  sha256: string;
  problem: string;
}

export interface FixityReport {
  records: number;
  blobs: number;
  verified: number;
  mismatches: FixityMismatch[];
}

/**
 * Re-hashes every stored blob against the digests in the database. Each record whose content all matches gets a
 * `fixity-verified` event; each failing entry a `fixity-failed` event and a line in the report. Blobs shared by
 * several records are hashed once.
 */
export async function verifyStore(db: Db, blobs: BlobStore, actor = 'fixity audit'): Promise<FixityReport> {
  const { rows } = await db.query<{ record_id: string; n: number; name: string; size: number; sha256: string }>(
    'SELECT record_id, n, name, size, sha256 FROM record_content ORDER BY record_id, n',
  );
  const { rows: records } = await db.query<{ id: string }>('SELECT id FROM records ORDER BY id');
  const results = new Map<string, string | undefined>();
  const mismatches: FixityMismatch[] = [];
  const failed = new Set<string>();
  for (const row of rows) {
    const key = `${row.sha256}:${row.size}`;
    if (!results.has(key)) results.set(key, await checkBlob(blobs, row.sha256, row.size));
    const problem = results.get(key);
    if (problem) {
      mismatches.push({ recordId: row.record_id, n: row.n, name: row.name, sha256: row.sha256, problem });
      failed.add(row.record_id);
      await addEvent(db, row.record_id, { kind: 'fixity-failed', actor, detail: `content ${row.n}: ${problem}` });
    }
  }
  for (const { id } of records) {
    if (!failed.has(id)) await addEvent(db, id, { kind: 'fixity-verified', actor, detail: null });
  }
  return { records: records.length, blobs: results.size, verified: records.length - failed.size, mismatches };
}

/** What is wrong with one blob, or undefined when its bytes hash to its name and have the recorded size. */
async function checkBlob(blobs: BlobStore, sha256: string, size: number): Promise<string | undefined> {
  const hash = createHash('sha256');
  let read = 0;
  try {
    for await (const chunk of blobs.open(sha256) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      read += chunk.byteLength;
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    return code === 'ENOENT' ? 'blob file is missing' : `blob file cannot be read (${(error as Error).message})`;
  }
  const actual = hash.digest('hex');
  if (actual !== sha256) return `bytes hash to ${actual}`;
  if (read !== size) return `blob has ${read} bytes, the record says ${size}`;
  return undefined;
}
