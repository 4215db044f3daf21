import { createHash } from 'node:crypto';
import { validatePresets } from '../utils/presets/validate.ts';
import type { Db } from './db.ts';
import { Problem } from './problem.ts';

/** The example of docs/presets.md, seeded on first start so a fresh install has something to show. */
export const DEMO_PRESETS = {
  version: 7,
  filePlan: [
    {
      id: 'HR',
      title: 'Human resources',
      children: [{ id: 'HR/2.3', title: 'Grievances', retention: '7y after case closed' }],
    },
    {
      id: 'FIN',
      title: 'Finance',
      children: [{ id: 'FIN/1', title: 'Invoices', retention: '10y after fiscal year end' }],
    },
  ],
  profiles: [
    {
      id: 'hr-case',
      title: 'HR case email',
      recordType: 'email',
      defaultCategory: 'HR/2.3',
      fields: [
        { id: 'caseNumber', label: 'Case number', type: 'text', required: true, pattern: '^HR-\\d+$', retain: false },
      ],
      tagVocabulary: 'hr',
      capture: ['eml', 'attachments'],
    },
    {
      id: 'invoice',
      title: 'Supplier invoice',
      recordType: 'document',
      defaultCategory: 'FIN/1',
      fields: [],
      tagVocabulary: 'finance',
      capture: ['original', 'pdf'],
    },
  ],
  vocabularies: { hr: ['grievance', 'appraisal', 'leave'], finance: ['supplier', 'paid', 'disputed'] },
  rules: [
    { when: { app: 'gmail', senderDomain: 'hr.example.org' }, suggest: { profile: 'hr-case' } },
    { when: { titleContains: 'invoice' }, suggest: { profile: 'invoice', category: 'FIN/1' } },
  ],
  sites: [
    {
      id: 'acme-dms',
      title: 'ACME DMS',
      matches: ['https://dms.acme.example/doc/*'],
      kind: 'document',
      fields: {
        title: { selector: 'h1.doc-title' },
        sourceId: { selector: 'meta[name=doc-id]', attribute: 'content' },
        owner: { json: '#doc-data', path: '$.owner.email' },
      },
      capture: { original: 'https://dms.acme.example/api/doc/{sourceId}/download' },
    },
  ],
  locked: ['repositoryUrl'],
};

export async function seedPresets(db: Db): Promise<void> {
  await db.query(
    `INSERT INTO presets (version, document, created_by)
     SELECT $1, $2, 'demo seed' WHERE NOT EXISTS (SELECT 1 FROM presets)
     ON CONFLICT (version) DO NOTHING`,
    [DEMO_PRESETS.version, DEMO_PRESETS],
  );
}

export interface ActivePresets {
  version: number;
  /** The exact bytes we send, and a strong ETag over those bytes. */
  body: string;
  etag: string;
}

/** The active presets: the highest version stored. */
export async function activePresets(db: Db): Promise<ActivePresets | undefined> {
  const { rows } = await db.query<{ version: number; document: unknown }>(
    'SELECT version, document FROM presets ORDER BY version DESC LIMIT 1',
  );
  if (!rows[0]) return undefined;
  const body = JSON.stringify(rows[0].document);
  return { version: rows[0].version, body, etag: `"${createHash('sha256').update(body).digest('hex')}"` };
}

/**
 * PUT /presets: validates the document with the extension's own schema and stores it as the new active version.
 * The admin numbers versions: the document's `version` must be higher than the active one, so a stale editor
 * cannot silently replace a newer document. Any refusal leaves the active version as it was.
 */
export async function putPresets(db: Db, input: unknown, admin: string): Promise<ActivePresets> {
  const result = validatePresets(input);
  if (!result.ok) {
    throw new Problem(
      'presets-invalid',
      `The presets document has ${result.problems.length} problem(s), listed in "errors"; the active version stays in use.`,
      { extra: { errors: result.problems } },
    );
  }
  const version = result.presets.version;
  // One PUT at a time across every server process on the database: the check of the active version and the insert
  // of the new one happen under one lock, so of two editors racing, the later one is told its version is stale.
  const stored = await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [PRESETS_LOCK]);
    const { rows } = await tx.query<{ version: number | null }>('SELECT max(version) AS version FROM presets');
    const active = rows[0]?.version;
    if (typeof active === 'number' && version <= active) return active;
    // The document as sent (validated), not the parser's output: what the admin wrote is what clients get.
    await tx.query('INSERT INTO presets (version, document, created_by) VALUES ($1, $2, $3)', [
      version,
      JSON.stringify(input),
      admin,
    ]);
    return undefined;
  });
  if (stored !== undefined) {
    throw new Problem(
      'presets-version-stale',
      `The document has version ${version}, but version ${stored} is already active; send a higher version.`,
    );
  }
  return (await activePresets(db))!;
}

/** The advisory lock key of presets updates: a constant no other code uses ("rkpr" in ASCII). */
const PRESETS_LOCK = 0x726b7072;

/** RFC 9110 §13.1.2: If-None-Match matches on `*` or any listed tag, compared weakly. */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
