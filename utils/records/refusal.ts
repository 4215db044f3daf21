import * as v from 'valibot';
import { describeIssues } from './record';

/**
 * Why a declaration was refused, in words the user can act on. A record the shared schema (record.ts) rejects
 * would be refused by the repository too, and a record that can never be sent must not enter the outbox: each
 * problem is named by its place in the record.
 */
export function refusal(error: unknown): string {
  if (error instanceof v.ValiError) {
    const problems = describeIssues(error.issues);
    return (
      `the record is not valid, so the repository could never accept it (${problems.join('; ')}). ` +
      'Correct what the form shows (title, fields) and declare again; if the problem is in what the page ' +
      'holds, declare a copy of the file instead.'
    );
  }
  return error instanceof Error ? error.message : String(error);
}
