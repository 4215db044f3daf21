import { describe, expect, it } from 'vitest';
import { QuickXorHash, quickXorHash } from './quickxorhash';
import vectors from './quickxorhash.vectors.json';

/**
 * Published vectors: rclone's OneDrive backend, backend/onedrive/quickxorhash/quickxorhash_test.go (input and
 * digest in base64, the digest as OneDrive and SharePoint report it in `file.hashes.quickXorHash`). A selection
 * covering every length up to one 160-byte block and several past it, as `[size, input, digest]` in
 * quickxorhash.vectors.json.
 */
const VECTORS = vectors as [number, string, string][];

const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

describe('QuickXorHash', () => {
  it.each(VECTORS)('matches the published digest of %i bytes', (size, input, digest) => {
    const data = bytes(input);
    expect(data.length).toBe(size);
    expect(quickXorHash(data)).toBe(digest);
  });

  it.each([1, 2, 3, 4, 7, 8, 16, 64, 160, 161, 512])(
    'gives the same digest when the bytes arrive in pieces of %i (and at unaligned offsets)',
    (piece) => {
      for (const [, input, digest] of VECTORS) {
        const data = bytes(input);
        const hash = new QuickXorHash();
        for (let i = 0; i < data.length; i += piece) hash.update(data.subarray(i, i + piece));
        expect(hash.digest()).toBe(digest);
      }
    },
  );

  it('resumes from a saved state: the checkpoint of an interrupted upload carries it', () => {
    const [, input, digest] = VECTORS.at(-1)!;
    const data = bytes(input);
    const first = new QuickXorHash();
    first.update(data.subarray(0, 123));
    const saved = JSON.parse(JSON.stringify(first.save()));
    const resumed = QuickXorHash.restore(saved);
    resumed.update(data.subarray(123));
    expect(resumed.digest()).toBe(digest);
    expect(resumed.length).toBe(data.length);
  });

  it('refuses a saved state that is not one', () => {
    expect(() => QuickXorHash.restore({ length: 3, cells: 'AAAA' })).toThrow();
    expect(() => QuickXorHash.restore({ length: -1, cells: btoa('\0'.repeat(160)) })).toThrow();
    expect(() => QuickXorHash.restore('nope')).toThrow();
  });

  it('agrees with a bit-by-bit reading of the algorithm on large input', () => {
    // The reference definition (hashes.md → the QuickXorHash snippet): byte n is XORed into a 160-bit circular
    // register at bit (11 n) mod 160; the length, 64-bit little-endian, is XORed into the last 8 bytes.
    const data = new Uint8Array(100_003).map((_, i) => (i * 2654435761) >>> 24);
    const register = new Uint8Array(20);
    for (let n = 0; n < data.length; n++) {
      const bit = (n * 11) % 160;
      const at = bit >> 3;
      const shift = bit & 7;
      register[at]! ^= (data[n]! << shift) & 0xff;
      if (shift) register[(at + 1) % 20]! ^= data[n]! >> (8 - shift);
    }
    let length = data.length;
    for (let i = 12; i < 20; i++) {
      register[i]! ^= length & 0xff;
      length = Math.floor(length / 256);
    }
    const hash = new QuickXorHash();
    hash.update(data.subarray(0, 77_777));
    hash.update(data.subarray(77_777));
    expect(hash.digest()).toBe(Buffer.from(register).toString('base64'));
  });
});
