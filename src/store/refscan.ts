/**
 * Reference scanning: which of a set of store path hash parts (32 nix32 characters) occur
 * in a byte stream fed in chunks, including occurrences that span chunk boundaries.
 * Nix: `RefScanSink` in libstore/references.cc, fed the NAR serialisation of a build
 * output (so file names and symlink targets count as well as contents).
 *
 * The search follows Nix's idea: a window of 32 bytes can only match if every byte is a
 * nix32 character, so the window is checked from its last byte backwards and skips past
 * the first byte that is not one (most binary data is skipped 32 bytes at a time). Inside
 * a run of nix32 characters each window is looked up, first in a bitmap keyed by its first
 * four characters, then against the few candidates that share them.
 */

import { InvalidValueError } from '../errors.ts';
import { NIX32_ALPHABET } from '../hash/nix32.ts';
import { HASH_PART_LEN } from './store-path.ts';

const LEN = HASH_PART_LEN;

/** 1 + the digit value of each nix32 character, 0 for every other byte. */
const DIGIT = new Uint8Array(256);
for (let i = 0; i < NIX32_ALPHABET.length; i++) DIGIT[NIX32_ALPHABET.charCodeAt(i)] = i + 1;

/** Key of a window: its first four characters, 5 bits each. */
const KEY_BITS = 20;

interface Candidate {
  readonly hashPart: string;
  readonly bytes: Uint8Array;
}

function windowKey(buf: Uint8Array, i: number): number {
  return (DIGIT[buf[i]!]! - 1) | ((DIGIT[buf[i + 1]!]! - 1) << 5) | ((DIGIT[buf[i + 2]!]! - 1) << 10) | ((DIGIT[buf[i + 3]!]! - 1) << 15);
}

export class RefScanner {
  /** One bit per window key that some candidate has. */
  readonly #filter = new Uint32Array((1 << KEY_BITS) >>> 5);
  readonly #byKey = new Map<number, Candidate[]>();
  readonly #found = new Set<string>();
  #remaining: number;
  /** Trailing nix32 characters of the input so far (at most 31): the start of a window that may span chunks. */
  readonly #carry = new Uint8Array(2 * LEN);
  #carryLen = 0;

  /** `hashParts`: the candidates, each 32 nix32 characters (a store path's hash part). */
  constructor(hashParts: Iterable<string>) {
    for (const h of hashParts) {
      if (h.length !== LEN || [...h].some((c) => DIGIT[c.charCodeAt(0) & 0xff] === 0 || c.charCodeAt(0) > 0x7f)) {
        throw new InvalidValueError('E_REFSCAN_HASH', `'${h}' is not a store path hash part (${LEN} nix32 characters)`);
      }
      const bytes = new Uint8Array(LEN);
      for (let i = 0; i < LEN; i++) bytes[i] = h.charCodeAt(i);
      const key = windowKey(bytes, 0);
      const list = this.#byKey.get(key);
      if (list?.some((c) => c.hashPart === h)) continue;
      if (list) list.push({ hashPart: h, bytes });
      else this.#byKey.set(key, [{ hashPart: h, bytes }]);
      this.#filter[key >>> 5]! |= 1 << (key & 31);
    }
    this.#remaining = [...this.#byKey.values()].reduce((n, l) => n + l.length, 0);
  }

  /** The hash parts seen so far. */
  get found(): ReadonlySet<string> {
    return this.#found;
  }

  /** True when every candidate has been found (further input cannot change the result). */
  get complete(): boolean {
    return this.#remaining === 0;
  }

  /** Scan the next chunk of the stream. */
  update(chunk: Uint8Array): this {
    if (this.#remaining === 0 || chunk.length === 0) return this;
    const n = chunk.length;
    // Leading nix32 characters of this chunk (up to 31): they may finish a window begun in the carry.
    let lead = 0;
    while (lead < LEN - 1 && lead < n && DIGIT[chunk[lead]!]) lead++;
    const carryLen = this.#carryLen;
    if (carryLen > 0 && carryLen + lead >= LEN) {
      const tmp = this.#carry;
      tmp.set(chunk.subarray(0, lead), carryLen);
      for (let s = 0; s + LEN <= carryLen + lead; s++) this.#check(tmp, s);
    }
    this.#scan(chunk);
    this.#updateCarry(chunk, lead);
    return this;
  }

  #updateCarry(chunk: Uint8Array, lead: number): void {
    const n = chunk.length;
    const keep = LEN - 1;
    if (lead === n) {
      // The whole (short) chunk is nix32: it extends the carry.
      const total = this.#carryLen + n;
      const tmp = this.#carry; // already holds carry + chunk from update()
      if (this.#carryLen + lead < LEN) tmp.set(chunk, this.#carryLen);
      const from = Math.max(0, total - keep);
      tmp.copyWithin(0, from, total);
      this.#carryLen = total - from;
      return;
    }
    let t = n;
    while (t > 0 && t > n - keep && DIGIT[chunk[t - 1]!]) t--;
    this.#carry.set(chunk.subarray(t, n), 0);
    this.#carryLen = n - t;
  }

  #scan(buf: Uint8Array): void {
    const digit = DIGIT;
    const filter = this.#filter;
    const last = buf.length - LEN;
    let i = 0;
    outer: while (i <= last) {
      // Find a window whose 32 bytes are all nix32 characters, checking from its end and
      // skipping past the first byte that is not one.
      let j = i + LEN - 1;
      while (j >= i && digit[buf[j]!] !== 0) j--;
      if (j >= i) {
        i = j + 1;
        continue;
      }
      // Slide through the run of nix32 characters one window at a time, with a rolling key.
      let key = windowKey(buf, i);
      for (;;) {
        if ((filter[key >>> 5]! & (1 << (key & 31))) !== 0) {
          this.#match(buf, i, key);
          if (this.#remaining === 0) return;
        }
        if (i === last) return;
        const next = digit[buf[i + LEN]!]!;
        if (next === 0) {
          i += LEN + 1;
          continue outer;
        }
        i++;
        key = (key >>> 5) | ((digit[buf[i + 3]!]! - 1) << 15);
      }
    }
  }

  /** Look up the window at `i` (all nix32 characters). */
  #check(buf: Uint8Array, i: number): void {
    const key = windowKey(buf, i);
    if ((this.#filter[key >>> 5]! & (1 << (key & 31))) !== 0) this.#match(buf, i, key);
  }

  /** Compare the window at `i` with the candidates that share its key. */
  #match(buf: Uint8Array, i: number, key: number): void {
    const list = this.#byKey.get(key)!;
    for (let c = 0; c < list.length; c++) {
      const cand = list[c]!;
      const b = cand.bytes;
      let k = 4;
      while (k < LEN && buf[i + k] === b[k]) k++;
      if (k === LEN && !this.#found.has(cand.hashPart)) {
        this.#found.add(cand.hashPart);
        this.#remaining--;
      }
    }
  }
}

/** The hash parts among `hashParts` that occur in `chunks`. */
export async function scanForReferences(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  hashParts: Iterable<string>,
): Promise<Set<string>> {
  const s = new RefScanner(hashParts);
  for await (const c of chunks) s.update(c);
  return new Set(s.found);
}
