import { createHash } from 'node:crypto';
import type { Db } from './db.ts';

/** The example of design.md § Presets, seeded on first start so a fresh install has something to show. */
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
     SELECT $1, $2, 'demo seed' WHERE NOT EXISTS (SELECT 1 FROM presets)`,
    [DEMO_PRESETS.version, DEMO_PRESETS],
  );
}

/** The active (latest) presets as the exact bytes we send, and a strong ETag over those bytes. */
export async function activePresets(db: Db): Promise<{ body: string; etag: string } | undefined> {
  const { rows } = await db.query<{ document: unknown }>('SELECT document FROM presets ORDER BY version DESC LIMIT 1');
  if (!rows[0]) return undefined;
  const body = JSON.stringify(rows[0].document);
  return { body, etag: `"${createHash('sha256').update(body).digest('hex')}"` };
}

/** RFC 9110 §13.1.2: If-None-Match matches on `*` or any listed tag, compared weakly. */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
