import type { BlobStore } from './blobs.ts';
import type { Db } from './db.ts';
import { verifyStore } from './fixity.ts';
import { createToken, listTokens, revokeToken } from './tokens.ts';

/**
 * The administrative commands of the CLI (`token create|list|revoke`, `verify`), as one function that either the
 * CLI runs on the database itself or the running server runs for it (server/instance.ts), so both print the same.
 */
export type AdminRequest =
  | { command: 'token create'; user: string; admin: boolean }
  | { command: 'token list' }
  | { command: 'token revoke'; id: string }
  | { command: 'verify' };

export interface AdminResult {
  code: number;
  stdout: string;
  stderr: string;
}

const when = (date: Date | null) => (date ? date.toISOString() : 'never');

/** Checks a request that came over the admin socket; undefined when it is not one. */
export function parseAdminRequest(input: unknown): AdminRequest | undefined {
  const r = input as Record<string, unknown> | null;
  if (!r || typeof r !== 'object') return undefined;
  if (r.command === 'token create' && typeof r.user === 'string' && typeof r.admin === 'boolean') {
    return { command: r.command, user: r.user, admin: r.admin };
  }
  if (r.command === 'token list' || r.command === 'verify') return { command: r.command };
  if (r.command === 'token revoke' && typeof r.id === 'string') return { command: r.command, id: r.id };
  return undefined;
}

export async function runAdmin(db: Db, blobs: () => Promise<BlobStore>, request: AdminRequest): Promise<AdminResult> {
  const out: string[] = [];
  const err: string[] = [];
  let code = 0;
  if (request.command === 'token create') {
    // Only the token on stdout, so `TOKEN=$(npm run -s server -- token create --user ann)` works.
    out.push(await createToken(db, request.user, request.admin));
  } else if (request.command === 'token list') {
    out.push('id            user                 admin  created                   last used                 revoked');
    for (const t of await listTokens(db)) {
      const columns = [t.id, t.user.padEnd(20), (t.admin ? 'yes' : 'no').padEnd(6), when(t.createdAt).padEnd(25)];
      out.push([...columns, when(t.lastUsedAt).padEnd(25), t.revokedAt ? when(t.revokedAt) : '-'].join(' '));
    }
  } else if (request.command === 'token revoke') {
    const result = await revokeToken(db, request.id);
    if (result.ok) out.push(`Revoked token ${request.id}; it now gets 401.`);
    else {
      err.push(result.reason);
      code = 1;
    }
  } else {
    const report = await verifyStore(db, await blobs());
    out.push(
      `Fixity audit: ${report.records} record(s), ${report.blobs} blob(s) re-hashed, ${report.verified} record(s) verified, ${report.mismatches.length} mismatch(es).`,
    );
    for (const m of report.mismatches) {
      err.push(`MISMATCH record ${m.recordId} content ${m.n} (${m.name}, sha256 ${m.sha256}): ${m.problem}`);
    }
    code = report.mismatches.length ? 1 : 0;
  }
  const text = (lines: string[]) => (lines.length ? `${lines.join('\n')}\n` : '');
  return { code, stdout: text(out), stderr: text(err) };
}
