/**
 * What we know of one neighbour's inventory: its last Bloom filter plus the exact changes it
 * sent since. `mayHave` is a Bloom answer (false positives at ~0.05 %, never false
 * negatives for paths the neighbour announced); lookups confirm with a have-request.
 */

import { BloomFilter, decodeNix32, type Message } from '../src/substitute/index.ts';

export class PeerInventory {
  readonly peerId: string;
  #filter: BloomFilter;
  /** Hash parts removed since the filter (the filter still says "maybe" for them). */
  readonly #removed = new Set<string>();
  #seq: number;
  #count: number;
  /** When the last filter or delta arrived (for status). */
  updatedAt: number;

  constructor(peerId: string, m: Extract<Message, { type: 'inventory-filter' }>, now: number) {
    this.peerId = peerId;
    this.#filter = new BloomFilter(m.bits, m.hashes, m.data);
    this.#seq = m.seq;
    this.#count = m.count;
    this.updatedAt = now;
  }

  /** Paths the neighbour said it has (its filter's count plus the net delta since). */
  get count(): number {
    return this.#count;
  }

  /** Replace the filter (the neighbour rebuilt it). */
  reset(m: Extract<Message, { type: 'inventory-filter' }>, now: number): void {
    this.#filter = new BloomFilter(m.bits, m.hashes, m.data);
    this.#removed.clear();
    this.#seq = m.seq;
    this.#count = m.count;
    this.updatedAt = now;
  }

  /** Apply a delta; false when its sequence number goes backwards (a confused peer). */
  apply(m: Extract<Message, { type: 'inventory-delta' }>, now: number): boolean {
    if (m.seq <= this.#seq) return false;
    this.#seq = m.seq;
    for (const h of m.added) {
      this.#removed.delete(h);
      this.#filter.add(decodeNix32(h, 20));
    }
    for (const h of m.removed) this.#removed.add(h);
    this.#count += m.added.length - m.removed.length;
    this.updatedAt = now;
    return true;
  }

  /** Whether the neighbour may have the path with this hash part and digest. */
  mayHave(hashPart: string, digest: Uint8Array): boolean {
    return this.#filter.has(digest) && !this.#removed.has(hashPart);
  }
}
