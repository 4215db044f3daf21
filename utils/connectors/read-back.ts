import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { DeclaredRecord, Receipt } from '../records/record';

/**
 * What the repository connectors that read stored parts back share (Alfresco and CMIS report no digest of their
 * own): hashing a part as its bytes stream in, and comparing what was read with what was sent.
 */

/** The SHA-256 and size of a response body, hashed as it streams, never held whole. */
export async function digestOfBody(body: ReadableStream<Uint8Array> | null): Promise<{ sha256: string; size: number }> {
  const hash = sha256.create();
  let size = 0;
  const reader = body?.getReader();
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      size += value.byteLength;
    }
  }
  return { sha256: bytesToHex(hash.digest()), size };
}

/**
 * The first part of `record` whose size or digest in the receipt differs from what was sent, in words naming the
 * repository (`where`); undefined when every part matches.
 */
export function readBackMismatch(record: DeclaredRecord, receipt: Receipt, where: string): string | undefined {
  for (const [index, entry] of record.content.entries()) {
    const got = receipt.content[index];
    if (!got) return `${where} holds no part ${index + 1}`;
    if (got.size !== entry.size)
      return `part ${index + 1} (${entry.name}) is ${got.size} bytes in ${where}, ${entry.size} sent`;
    if (got.sha256 !== entry.sha256)
      return `part ${index + 1} (${entry.name}) read back from ${where} hashes to ${got.sha256}, not ${entry.sha256}`;
  }
  return undefined;
}
