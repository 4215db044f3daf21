/**
 * QuickXorHash, the digest OneDrive for Business and SharePoint report for every file (`file.hashes.quickXorHash`,
 * microsoft-graph-docs-contrib api-reference/v1.0/resources/hashes.md; the algorithm is Microsoft's "QuickXorHash
 * snippet" linked there). Byte n of the input is XORed into a 160-bit circular register at bit (11·n) mod 160, and
 * the input's length, 64-bit little-endian, is XORed into the register's last 8 bytes; the digest is the 20 bytes
 * in base64.
 *
 * Since 160 · 11 ≡ 0 (mod 160), every byte whose position has the same remainder mod 160 lands on the same bits.
 * So the bytes are first folded into 160 slots by plain XOR (fast: 32 bits at a time when aligned), and spread into
 * the register only at the end. The folded slots and the length are the whole state, small enough to save in an
 * upload's checkpoint and to resume from after a service-worker restart.
 */

const WIDTH = 160;
const SHIFT = 11;

/** Plain JSON, so it can be saved in an outbox checkpoint. */
export type QuickXorHashState = {
  length: number;
  /** The 160 folded slots, base64. */
  cells: string;
};

const toBase64 = (bytes: Uint8Array) => {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
};

export class QuickXorHash {
  private readonly cells = new Uint8Array(WIDTH);
  private readonly words = new Uint32Array(this.cells.buffer);
  /** Bytes hashed so far. */
  length = 0;

  update(data: Uint8Array): this {
    const { cells, words } = this;
    const end = data.length;
    let at = this.length % WIDTH;
    let i = 0;
    // Bytes one by one until both the slot and the input are at a 32-bit boundary, if they ever can be.
    if ((at & 3) === ((data.byteOffset + i) & 3)) {
      for (; i < end && at & 3; i++) {
        cells[at]! ^= data[i]!;
        at = at + 1 === WIDTH ? 0 : at + 1;
      }
      const count = (end - i) >> 2;
      if (count > 0) {
        const input = new Uint32Array(data.buffer, data.byteOffset + i, count);
        let word = at >> 2;
        for (let j = 0; j < count; j++) {
          words[word]! ^= input[j]!;
          word = word + 1 === WIDTH / 4 ? 0 : word + 1;
        }
        i += count << 2;
        at = word << 2;
      }
    }
    for (; i < end; i++) {
      cells[at]! ^= data[i]!;
      at = at + 1 === WIDTH ? 0 : at + 1;
    }
    this.length += end;
    return this;
  }

  /** The digest in base64, as Graph reports it. The hash can go on being updated afterwards. */
  digest(): string {
    const register = new Uint8Array(WIDTH / 8);
    for (let slot = 0; slot < WIDTH; slot++) {
      const value = this.cells[slot]!;
      if (value === 0) continue;
      const bit = (slot * SHIFT) % WIDTH;
      const at = bit >> 3;
      const shift = bit & 7;
      register[at]! ^= (value << shift) & 0xff;
      if (shift) register[(at + 1) % register.length]! ^= value >> (8 - shift);
    }
    let length = this.length;
    for (let i = register.length - 8; i < register.length; i++) {
      register[i]! ^= length % 256;
      length = Math.floor(length / 256);
    }
    return toBase64(register);
  }

  save(): QuickXorHashState {
    return { length: this.length, cells: toBase64(this.cells) };
  }

  /** A hash from a saved state; throws when the state is not one (the outbox may hold anything). */
  static restore(state: unknown): QuickXorHash {
    const { length, cells } = (state ?? {}) as Partial<QuickXorHashState>;
    if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0 || typeof cells !== 'string') {
      throw new Error('not a QuickXorHash state');
    }
    let binary: string;
    try {
      binary = atob(cells);
    } catch {
      throw new Error('not a QuickXorHash state');
    }
    if (binary.length !== WIDTH) throw new Error('not a QuickXorHash state');
    const hash = new QuickXorHash();
    for (let i = 0; i < WIDTH; i++) hash.cells[i] = binary.charCodeAt(i);
    hash.length = length;
    return hash;
  }
}

/** The QuickXorHash of bytes held whole (small parts, tests). */
export function quickXorHash(data: Uint8Array): string {
  return new QuickXorHash().update(data).digest();
}
