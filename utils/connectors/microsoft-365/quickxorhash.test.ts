import { describe, expect, it } from 'vitest';
import { QuickXorHash, quickXorHash } from './quickxorhash';

/**
 * Published vectors: rclone's OneDrive backend, backend/onedrive/quickxorhash/quickxorhash_test.go (input and
 * digest in base64, the digest as OneDrive and SharePoint report it in `file.hashes.quickXorHash`). A selection
 * covering every length up to one 160-byte block and several past it.
 */
const VECTORS: [number, string, string][] = [
  [0, '', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA='],
  [1, 'Sg==', 'SgAAAAAAAAAAAAAAAQAAAAAAAAA='],
  [2, 'tbQ=', 'taAFAAAAAAAAAAAAAgAAAAAAAAA='],
  [3, '0pZP', '0rDEEwAAAAAAAAAAAwAAAAAAAAA='],
  [4, 'jRRDVA==', 'jaDAEKgAAAAAAAAABAAAAAAAAAA='],
  [5, 'eAV52qE=', 'eChAHrQRCgAAAAAABQAAAAAAAAA='],
  [8, '/aNzzCFPS/A=', '/RjFHJgRgicsAR4ACAAAAAAAAAA='],
  [13, 'vPgoDjOfO6fm71RxLw==', 'vMAHChwwg0/s4BTmdQcV4vACAAA='],
  [16, '2fuxhBJXtpWFe8dOfdGeHw==', 'O9tHLAghgSvYohKFyMMxnNCHaHg='],
  [20, 'T6LYJIfDh81JrAK309H2JMJTXis=', 'zBTHrspn3mEcohlJdIUAbjGNaNg='],
  [31, 'PwXNnutoLLmxD8TTog52k8cQkukmT87TTnDipKLHQw==', 'PTaGs7yV3FUyBy/SfU6xJRlCJlI='],
  [32, 'NbYXsp5/K6mR+NmHwExjvWeWDJFnXTKWVlzYHoesp2E=', 'wjuAuWDiq04qDt1R8hHWDDcwVoQ='],
  [50, '4SVmjtXIL8BB8SfkbR5Cpaljm2jpyUfAhIBf65XmKxHlz9dy5XixgiE/q1lv+esZW/E=', 'wxZ0rxkMQEnRNAp8ZgEZLT4RdLM='],
  [
    64,
    'Mb7EGva2rEE5fENDL85P+BsapHEEjv2/siVhKjvAQe02feExVOQSkfmuYzU/kTF1MaKjPmKF/w+cbvwfdWL8aQ==',
    'n1anP5NfvD4XDYWIeRPW3ZkPv1Y=',
  ],
  [
    111,
    'jyibxJSzO6ZiZ0O1qe3tG/bvIAYssvukh9suIT5wEy1JBINVgPiqdsTW0cOpP0aUfP7mgqLfADkzI/m/GgCuVhr8oFLrOCoTx1/psBOWwhltCbhUx51Icm9aH8tY4Z3ccU+6BKpYQkLCy0B/A9Zc',
    'hZfLIilSITC6N3e3tQ/iSgEzkto=',
  ],
  [
    128,
    'ikwCorI7PKWz17EI50jZCGbV9JU2E8bXVfxNMg5zdmqSZ2NlsQPp0kqYIPjzwTg1MBtfWPg53k0h0P2naJNEVgrqpoHTfV2b3pJ4m0zYPTJmUX4Bg/lOxcnCxAYKU29Y5F0U8Quz7ZXFBEweftXxJ7RS4r6N7BzJrPsLhY7hgck=',
    'imAoFvCWlDn4yVw3/oq1PDbbm6U=',
  ],
  [
    222,
    'PfxMcUd0vIW6VbHG/uj/Y0W6qEoKmyBD0nYebEKazKaKG+UaDqBEcmQjbfQeVnVLuodMoPp7P7TR1htX5n2VnkHh22xDyoJ8C/ZQKiSNqQfXvh83judf4RVr9exJCud8Uvgip6aVZTaPrJHVjQhMCp/dEnGvqg0oN5OVkM2qqAXvA0teKUDhgNM71sDBVBCGXxNOR2bpbD1iM4dnuT0ey4L+loXEHTL0fqMeUcEi2asgImnlNakwenDzz0x57aBwyq3AspCFGB1ncX4yYCr/OaCcS5OKi/00WH+wNQU3',
    'QX/YEpG0gDsmhEpCdWhsxDzsfVE=',
  ],
  [
    256,
    'qwGf2ESubE5jOUHHyc94ORczFYYbc2OmEzo+hBIyzJiNwAzC8PvJqtTzwkWkSslgHFGWQZR2BV5+uYTrYT7HVwRM40vqfj0dBgeDENyTenIOL1LHkjtDKoXEnQ0mXAHoJ8PjbNC93zi5TovVRXTNzfGEs5dpWVqxUzb5lc7dwkyvOluBw482mQ4xrzYyIY1t+//OrNi1ObGXuUw2jBQOFfJVj2Y6BOyYmfB1y36eBxi3zxeG5d5NYjm2GSh6e08QMAwu3zrINcqIzLOuNIiGXBtl7DjKt7b5wqi4oFiRpZsCyx2smhSrdrtK/CkdU6nDN+34vSR/M8rZpWQdBE7a8g==',
    'WYT9JY3JIo/pEBp+tIM6Gt2nyTM=',
  ],
  [
    333,
    'w0LGhqU1WXFbdavqDE4kAjEzWLGGzmTNikzqnsiXHx2KRReKVTxkv27u3UcEz9+lbMvYl4xFf2Z4aE1xRBBNd1Ke5C0zToSaYw5o4B/7X99nKK2/XaUX1byLow2aju2XJl2OpKpJg+tSJ2fmjIJTkfuYUz574dFX6/VXxSxwGH/xQEAKS5TCsBK3CwnuG1p5SAsQq3gGVozDWyjEBcWDMdy8/AIFrj/y03Lfc/RNRCQTAfZbnf2QwV7sluw4fH3XJr07UoD0YqN+7XZzidtrwqMY26fpLZnyZjnBEt1FAZWO7RnKG5asg8xRk9YaDdedXdQSJAOy6bWEWlABj+tVAigBxavaluUH8LOj+yfCFldJjNLdi90fVHkUD/m4Mr5OtmupNMXPwuG3EQlqWUVpQoYpUYKLsk7a5Mvg6UFkiH596y5IbJEVCI1Kb3D1',
    'e3+wo77iKcILiZegnzyUNcjCdoQ=',
  ],
];

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
