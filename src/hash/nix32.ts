/**
 * Nix's base-32 ("nix32"): alphabet without e, o, u, t; the last byte of the digest is
 * encoded first. Nix: `BaseNix32` in libutil.
 */

import { FormatError } from '../errors.ts';

export const NIX32_ALPHABET = '0123456789abcdfghijklmnpqrsvwxyz';

const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < NIX32_ALPHABET.length; i++) DECODE[NIX32_ALPHABET.charCodeAt(i)] = i;

/** Length of the nix32 encoding of `n` bytes. */
export function nix32EncodedLength(n: number): number {
  return Math.ceil((n * 8) / 5);
}

const ALPHABET_CODES = Array.from(NIX32_ALPHABET, (c) => c.charCodeAt(0));

/** Encode bytes as nix32. */
export function encodeNix32(bytes: Uint8Array): string {
  const len = nix32EncodedLength(bytes.length);
  // One string from the character codes (appending a character at a time allocates a string per step).
  const codes = new Array<number>(len);
  for (let n = len - 1, k = 0; n >= 0; n--, k++) {
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    const c = (bytes[i]! >> j) | (i + 1 < bytes.length ? bytes[i + 1]! << (8 - j) : 0);
    codes[k] = ALPHABET_CODES[c & 0x1f]!;
  }
  if (len <= 4096) return String.fromCharCode.apply(null, codes);
  let out = '';
  for (let k = 0; k < len; k += 4096) out += String.fromCharCode.apply(null, codes.slice(k, k + 4096));
  return out;
}

/** True when every character of `s` is in the nix32 alphabet. */
export function isNix32(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || DECODE[c] === -1) return false;
  }
  return true;
}

/** Decode nix32 into `size` bytes (the size is implied by the length when omitted). */
export function decodeNix32(s: string, size = Math.floor((s.length * 5) / 8)): Uint8Array {
  if (nix32EncodedLength(size) !== s.length) {
    throw new FormatError('E_NIX32_LENGTH', `invalid nix32 string '${s}': length ${s.length} does not encode ${size} bytes`);
  }
  const out = new Uint8Array(size);
  for (let n = 0; n < s.length; n++) {
    const ch = s.charCodeAt(s.length - n - 1);
    const digit = ch < 128 ? DECODE[ch]! : -1;
    if (digit < 0) {
      throw new FormatError('E_NIX32_CHAR', `invalid character '${s[s.length - n - 1]}' in nix32 string '${s}'`, { offset: s.length - n - 1 });
    }
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    out[i]! |= (digit << j) & 0xff;
    const carry = digit >> (8 - j);
    if (i < size - 1) out[i + 1]! |= carry;
    else if (carry) throw new FormatError('E_NIX32_OVERFLOW', `invalid nix32 string '${s}': bits beyond the digest are set`);
  }
  return out;
}
