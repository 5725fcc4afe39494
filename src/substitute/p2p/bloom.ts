/**
 * A Bloom filter over store path digests: the compact inventory a node sends each
 * neighbour so most "who has this path" questions are answered without a network round trip.
 *
 * Store path digests are already uniform (they are sha256 folded to 20 bytes), so the k bit
 * indices come straight from the digest by double hashing (Kirsch–Mitzenmacher:
 * h_i = h1 + i·h2 mod m) instead of rehashing. The bit count is a power of two so the modulo
 * is a mask. Deletions are not supported: the inventory protocol sends removed paths as an
 * exact list beside the filter and replaces the filter when that list grows.
 */

import { InvalidValueError } from '../../errors.ts';

/** Filter bits per path: 16 bits and 11 hashes give ~0.05 % false positives. */
export const BLOOM_BITS_PER_ENTRY = 16;
/** Fewest bits of a filter (an empty inventory still sends a valid filter). */
export const BLOOM_MIN_BITS = 64;

export class BloomFilter {
  /** Number of bits, a power of two. */
  readonly bits: number;
  /** Number of bit indices per entry. */
  readonly hashes: number;
  readonly data: Uint8Array;
  readonly #mask: number;

  constructor(bits: number, hashes: number, data?: Uint8Array) {
    if (bits < 8 || (bits & (bits - 1)) !== 0) throw new InvalidValueError('E_BLOOM_SIZE', `Bloom filter size ${bits} is not a power of two >= 8`);
    if (hashes < 1 || hashes > 32) throw new InvalidValueError('E_BLOOM_HASHES', `Bloom filter hash count ${hashes} is not in 1..32`);
    if (data !== undefined && data.length !== bits / 8) throw new InvalidValueError('E_BLOOM_SIZE', `Bloom filter of ${bits} bits given ${data.length} bytes`);
    this.bits = bits;
    this.hashes = hashes;
    this.data = data ?? new Uint8Array(bits / 8);
    this.#mask = bits - 1;
  }

  /** A filter sized for `count` entries at BLOOM_BITS_PER_ENTRY bits each. */
  static forCount(count: number): BloomFilter {
    let bits = BLOOM_MIN_BITS;
    while (bits < count * BLOOM_BITS_PER_ENTRY) bits *= 2;
    const hashes = Math.max(1, Math.min(16, Math.round((Math.LN2 * bits) / Math.max(1, count))));
    return new BloomFilter(bits, hashes);
  }

  add(digest: Uint8Array): void {
    let h = h1(digest);
    const step = h2(digest);
    for (let i = 0; i < this.hashes; i++) {
      const bit = h & this.#mask;
      this.data[bit >>> 3]! |= 1 << (bit & 7);
      h = (h + step) >>> 0;
    }
  }

  has(digest: Uint8Array): boolean {
    let h = h1(digest);
    const step = h2(digest);
    for (let i = 0; i < this.hashes; i++) {
      const bit = h & this.#mask;
      if ((this.data[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
      h = (h + step) >>> 0;
    }
    return true;
  }

  /** Expected false-positive rate after `count` insertions. */
  falsePositiveRate(count: number): number {
    return (1 - Math.exp((-this.hashes * count) / this.bits)) ** this.hashes;
  }
}

function h1(d: Uint8Array): number {
  return ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0;
}

/** Odd, so the k indices differ for every power-of-two size. */
function h2(d: Uint8Array): number {
  return (((d[4]! << 24) | (d[5]! << 16) | (d[6]! << 8) | d[7]!) | 1) >>> 0;
}
