/** Hashing with Node's crypto (OpenSSL): the fastest digests available to Node. */

import { createHash, hash as oneShot, type Hash as NodeHash } from 'node:crypto';
import type { HashAlgo } from './algo.ts';
import { Hash } from './hash.ts';
import { encodeNix32 } from './nix32.ts';

/**
 * Digest of a byte string or JS string (UTF-8). The digest comes back as a binary string
 * copied into an on-heap Uint8Array: a Buffer result is an off-heap allocation per call,
 * which evaluation (four hashes per derivation, by the ten thousand) makes the GC pay for.
 */
export function hashBytes(algo: HashAlgo, data: Uint8Array | string): Hash {
  const r = oneShot(algo, data, 'binary');
  const bytes = new Uint8Array(r.length);
  for (let i = 0; i < r.length; i++) bytes[i] = r.charCodeAt(i);
  return new Hash(algo, bytes);
}

/** Reused by storePathHashPart: evaluation makes two store paths per derivation. */
const folded = new Uint8Array(20);

/**
 * The hash part of a store path whose descriptor (`type:sha256:<base16>:<dir>:<name>`) is
 * `s`: sha256 of `s` (UTF-8, as hashBytes), XOR-folded to 20 bytes (`compressHash`), in
 * nix32. Same as `encodeNix32(compressHash(hashBytes('sha256', s).bytes, 20))` without the
 * intermediate arrays. Nix: the digest in `makeStorePath`.
 */
export function storePathHashPart(s: string): string {
  const d = oneShot('sha256', s, 'binary');
  folded.fill(0);
  for (let i = 0; i < d.length; i++) folded[i % 20]! ^= d.charCodeAt(i);
  return encodeNix32(folded);
}

/** Incremental hasher. */
export class Hasher {
  readonly algo: HashAlgo;
  readonly #h: NodeHash;
  #bytes = 0;

  constructor(algo: HashAlgo) {
    this.algo = algo;
    this.#h = createHash(algo);
  }

  update(chunk: Uint8Array | string): this {
    this.#h.update(chunk);
    this.#bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    return this;
  }

  /** Bytes fed so far. */
  get size(): number {
    return this.#bytes;
  }

  digest(): Hash {
    return new Hash(this.algo, new Uint8Array(this.#h.digest()));
  }
}

/** Digest of every chunk of an async iterable. */
export async function hashStream(algo: HashAlgo, chunks: AsyncIterable<Uint8Array>): Promise<{ hash: Hash; size: number }> {
  const h = new Hasher(algo);
  for await (const c of chunks) h.update(c);
  return { hash: h.digest(), size: h.size };
}
