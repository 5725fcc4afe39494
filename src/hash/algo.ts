/** Hash algorithms Nix supports (blake3 is experimental upstream and not offered). */

import { InvalidValueError } from '../errors.ts';

export const HASH_ALGOS = ['md5', 'sha1', 'sha256', 'sha512'] as const;
export type HashAlgo = (typeof HASH_ALGOS)[number];

/** Digest sizes in bytes. */
export const HASH_SIZE: Readonly<Record<HashAlgo, number>> = { md5: 16, sha1: 20, sha256: 32, sha512: 64 };

export function isHashAlgo(s: string): s is HashAlgo {
  return (HASH_ALGOS as readonly string[]).includes(s);
}

/** Parse an algorithm name; Nix: `parseHashAlgo`. */
export function parseHashAlgo(s: string): HashAlgo {
  if (isHashAlgo(s)) return s;
  throw new InvalidValueError('E_HASH_ALGO', `unknown hash algorithm '${s}', expect 'md5', 'sha1', 'sha256', or 'sha512'`);
}
