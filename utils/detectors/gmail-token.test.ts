import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decimalToHex, decodeGmailToken, encodeGmailToken, hexToDecimal, timestampFromId } from './gmail-token';

interface Row {
  gmail_url_token: string;
  decoded: string;
  thread_perm_id?: string;
  legacy_hex_thread_id?: string;
  timestamp_from_id_utc?: string;
}
const vectors = JSON.parse(
  readFileSync(new URL('./fixtures/gmail/gmail-url-token-decoding.json', import.meta.url), 'utf8'),
) as { rows: Row[]; extra_vector_from_inboxsdk_test: { input: [string, string]; expected_token: string } };

describe('gmail token vectors', () => {
  it('has every row of the realdata file', () => {
    expect(vectors.rows).toHaveLength(9);
  });

  for (const row of vectors.rows) {
    describe(row.gmail_url_token, () => {
      const decoded = decodeGmailToken(row.gmail_url_token);

      it('decodes to the recorded sync id', () => {
        expect(decoded?.decoded).toBe(row.decoded);
        expect(decoded?.threadId).toBe(row.thread_perm_id ?? `thread-${row.decoded}`);
        expect(decoded?.messageId).toBeUndefined();
      });

      it('encodes back to the same token', () => {
        expect(encodeGmailToken(decoded!.threadId)).toBe(row.gmail_url_token);
      });

      if (row.thread_perm_id) {
        const decimal = row.thread_perm_id.slice('thread-f:'.length);
        it('converts to and from the legacy hex id', () => {
          expect(decimalToHex(decimal)).toBe(row.legacy_hex_thread_id);
          expect(hexToDecimal(row.legacy_hex_thread_id!)).toBe(decimal);
        });
        it('carries the receipt time', () => {
          expect(timestampFromId(decimal)).toBe(row.timestamp_from_id_utc);
        });
      }
    });
  }

  it('encodes and decodes the InboxSDK draft vector', () => {
    const { input, expected_token } = vectors.extra_vector_from_inboxsdk_test;
    expect(encodeGmailToken(input[0], input[1])).toBe(expected_token);
    expect(decodeGmailToken(expected_token)).toEqual({
      decoded: 'f:1689835521506698369+msg-a:r-4437691956637862407',
      threadId: input[0],
      messageId: input[1],
    });
  });
});

describe('gmail token garbage', () => {
  const garbage = [
    '',
    'inbox',
    'FMfcgzGrbHrBdFGBXqpFZvSkcQpKkvrMa', // one vowel too many: not in the alphabet
    'FMfcgzGrbHrBdFGBXqpFZvSkcQpKkvr', // truncated
    'BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB', // all zero digits
    'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz',
    'FMfcgz'.repeat(10_000),
    '184a87a7b32dd009',
    '<script>alert(1)</script>',
    undefined as unknown as string,
  ];
  for (const token of garbage) {
    it(`returns null for ${String(token).slice(0, 40)}`, () => {
      expect(decodeGmailToken(token)).toBeNull();
    });
  }

  it('refuses bad ids instead of throwing', () => {
    expect(encodeGmailToken('thread-x:1')).toBeNull();
    expect(encodeGmailToken('thread-f:1', 'msg-z:1')).toBeNull();
    expect(decimalToHex('12a')).toBeNull();
    expect(decimalToHex('99999999999999999999')).toBeNull();
    expect(hexToDecimal('xyz')).toBeNull();
    expect(hexToDecimal('1'.repeat(17))).toBeNull();
    expect(timestampFromId('1')).toBeNull();
    expect(timestampFromId('abc')).toBeNull();
  });
});
