/** Hashing with Node's crypto (OpenSSL): the fastest digests available to Node. */

import { createHash, hash as oneShot, type Hash as NodeHash } from 'node:crypto';
import type { HashAlgo } from './algo.ts';
import { Hash } from './hash.ts';

/** Digest of a byte string or JS string (UTF-8). */
export function hashBytes(algo: HashAlgo, data: Uint8Array | string): Hash {
  return new Hash(algo, new Uint8Array(oneShot(algo, data, 'buffer')));
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
