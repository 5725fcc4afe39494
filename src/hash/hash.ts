/**
 * A digest with its algorithm, and its textual forms:
 * base16 (lower-case hex), nix32, base64 and SRI (`sha256-<base64>`), each optionally
 * prefixed with `algo:`. Parsing mirrors Nix's `Hash::parseAny*` family: the encoding of an
 * unprefixed or `algo:`-prefixed hash is decided by its length.
 */

import { InvalidValueError } from '../errors.ts';
import { HASH_SIZE, type HashAlgo, parseHashAlgo } from './algo.ts';
import { decodeNix32, encodeNix32, nix32EncodedLength } from './nix32.ts';

export const HASH_FORMATS = ['base16', 'nix32', 'base64', 'sri'] as const;
export type HashFormat = (typeof HASH_FORMATS)[number];

export class Hash {
  readonly algo: HashAlgo;
  readonly bytes: Uint8Array;
  /** base16 once printed: derivation hashes are printed in every store path and dependent made from them. */
  #base16: string | undefined;

  constructor(algo: HashAlgo, bytes: Uint8Array) {
    if (bytes.length !== HASH_SIZE[algo]) {
      throw new InvalidValueError('E_HASH_SIZE', `a ${algo} digest has ${HASH_SIZE[algo]} bytes, not ${bytes.length}`);
    }
    this.algo = algo;
    this.bytes = bytes;
  }

  /** Print in `format`; `withAlgo` adds the `algo:` prefix (SRI always has its `algo-`). */
  toString(format: HashFormat = 'nix32', withAlgo = true): string {
    if (format === 'sri') return `${this.algo}-${toBase64(this.bytes)}`;
    const body = format === 'base16' ? this.base16 : format === 'nix32' ? encodeNix32(this.bytes) : toBase64(this.bytes);
    return withAlgo ? `${this.algo}:${body}` : body;
  }

  get base16(): string {
    return (this.#base16 ??= toBase16(this.bytes));
  }

  get nix32(): string {
    return encodeNix32(this.bytes);
  }

  get base64(): string {
    return toBase64(this.bytes);
  }

  get sri(): string {
    return this.toString('sri');
  }

  equals(other: Hash): boolean {
    if (this.algo !== other.algo) return false;
    for (let i = 0; i < this.bytes.length; i++) if (this.bytes[i] !== other.bytes[i]) return false;
    return true;
  }
}

export function parseHashFormat(s: string): HashFormat {
  if (s === 'base32') return 'nix32'; // deprecated alias, as in Nix
  if ((HASH_FORMATS as readonly string[]).includes(s)) return s as HashFormat;
  throw new InvalidValueError('E_HASH_FORMAT', `unknown hash format '${s}', expect 'base16', 'base32', 'base64', or 'sri'`);
}

function badHash(message: string): InvalidValueError {
  return new InvalidValueError('E_BAD_HASH', message);
}

export function toBase16(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}

export function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');
}

function base64EncodedLength(n: number): number {
  return 4 * Math.ceil(n / 3);
}

const BASE16_RE = /^[0-9a-fA-F]*$/;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBase16(s: string, algo: HashAlgo): Uint8Array {
  if (!BASE16_RE.test(s)) throw badHash(`invalid base16 hash '${s}'`);
  return checkLength(new Uint8Array(Buffer.from(s, 'hex')), 'base16', s, algo);
}

function decodeBase64(s: string, algo: HashAlgo, name: string): Uint8Array {
  if (!BASE64_RE.test(s) || s.length % 4 !== 0) throw badHash(`invalid ${name} hash '${s}'`);
  return checkLength(new Uint8Array(Buffer.from(s, 'base64')), name, s, algo);
}

function checkLength(b: Uint8Array, name: string, s: string, algo: HashAlgo): Uint8Array {
  if (b.length !== HASH_SIZE[algo]) {
    throw badHash(`invalid ${name} hash '${s}', length ${b.length} != expected length ${HASH_SIZE[algo]}`);
  }
  return b;
}

/** Decode an unprefixed, non-SRI hash whose encoding follows from its length. Nix: `parseNonSRIUnprefixed`. */
export function parseHashUnprefixed(s: string, algo: HashAlgo): Hash {
  const size = HASH_SIZE[algo];
  if (s.length === size * 2) return new Hash(algo, decodeBase16(s, algo));
  if (s.length === nix32EncodedLength(size)) {
    try {
      return new Hash(algo, decodeNix32(s, size));
    } catch (e) {
      throw badHash(`invalid nix32 hash '${s}': ${(e as Error).message}`);
    }
  }
  if (s.length === base64EncodedLength(size)) return new Hash(algo, decodeBase64(s, algo, 'Base64'));
  throw badHash(`hash '${s}' has wrong length for hash algorithm '${algo}'`);
}

/** Split `algo:rest` or `algo-rest` (SRI). */
function splitAlgo(s: string): { algo?: HashAlgo; rest: string; sri: boolean } {
  const colon = s.indexOf(':');
  if (colon >= 0) return { algo: parseHashAlgo(s.slice(0, colon)), rest: s.slice(colon + 1), sri: false };
  const dash = s.indexOf('-');
  if (dash >= 0) return { algo: parseHashAlgo(s.slice(0, dash)), rest: s.slice(dash + 1), sri: true };
  return { rest: s, sri: false };
}

function parseWith(original: string, resolve: (parsed: HashAlgo | undefined) => HashAlgo): { hash: Hash; format: HashFormat } {
  const { algo: parsed, rest, sri } = splitAlgo(original);
  const algo = resolve(parsed);
  if (sri) return { hash: new Hash(algo, decodeBase64(rest, algo, 'SRI')), format: 'sri' };
  const hash = parseHashUnprefixed(rest, algo);
  const size = HASH_SIZE[algo];
  const format: HashFormat = rest.length === size * 2 ? 'base16' : rest.length === nix32EncodedLength(size) ? 'nix32' : 'base64';
  return { hash, format };
}

/** A hash that names its algorithm (`algo:...` or SRI). Nix: `Hash::parseAnyPrefixed`. */
export function parseHashPrefixed(s: string): Hash {
  return parseWith(s, (p) => {
    if (!p) throw badHash(`hash '${s}' does not include a type`);
    return p;
  }).hash;
}

/** A hash, prefixed or not; `algo` supplies or checks the algorithm. Nix: `Hash::parseAny`. */
export function parseHash(s: string, algo?: HashAlgo): Hash {
  return parseHashReturningFormat(s, algo).hash;
}

/** As `parseHash`, also telling which format the text was in. */
export function parseHashReturningFormat(s: string, algo?: HashAlgo): { hash: Hash; format: HashFormat } {
  return parseWith(s, (p) => {
    if (!p && !algo) throw badHash(`hash '${s}' does not include a type, nor is the type otherwise known from context`);
    if (p && algo && p !== algo) throw badHash(`hash '${s}' should have type '${algo}'`);
    return (p ?? algo)!;
  });
}

/** An SRI hash only. Nix: `Hash::parseSRI`. */
export function parseHashSri(s: string): Hash {
  const dash = s.indexOf('-');
  if (dash < 0) throw badHash(`hash '${s}' is not SRI`);
  const algo = parseHashAlgo(s.slice(0, dash));
  return new Hash(algo, decodeBase64(s.slice(dash + 1), algo, 'SRI'));
}

/** `parseHash` that returns undefined instead of throwing. */
export function tryParseHash(s: string, algo?: HashAlgo): Hash | undefined {
  try {
    return parseHash(s, algo);
  } catch {
    return undefined;
  }
}
