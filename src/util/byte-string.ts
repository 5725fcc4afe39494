/**
 * Byte strings: JS strings whose every UTF-16 code unit is one byte (0–255), i.e. the
 * "latin1"/"binary" view of a byte sequence. Nix strings are bytes, not text (a `.drv` may
 * hold any bytes in its env values), and a byte string keeps them exactly while staying a
 * cheap, comparable, Map-keyable JS string. Ordering byte strings by code unit is ordering
 * their bytes, which is C++'s `std::string` order — the order of every sorted set and map
 * in Nix's formats.
 *
 * Convert at the edges: `utf8ToByteString("é")` is the two-byte string "\xc3\xa9", and
 * `byteStringToUtf8` turns it back (invalid UTF-8 becomes U+FFFD).
 */

import { InvalidValueError } from '../errors.ts';

const NOT_BYTE = /[^\x00-\xff]/;
const ASCII = /^[\x00-\x7f]*$/;

/** The byte string of a byte array. */
export function bytesToByteString(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
}

/** The bytes of a byte string (throws when a code unit is above 0xff). */
export function byteStringToBytes(s: string): Uint8Array {
  assertByteString(s);
  return new Uint8Array(Buffer.from(s, 'latin1'));
}

/** The byte string holding the UTF-8 encoding of `s`. */
export function utf8ToByteString(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** Decode a byte string as UTF-8 (invalid sequences become U+FFFD). */
export function byteStringToUtf8(s: string): string {
  if (ASCII.test(s)) return s;
  return Buffer.from(s, 'latin1').toString('utf8');
}

/** True when every code unit of `s` is a byte. */
export function isByteString(s: string): boolean {
  return !NOT_BYTE.test(s);
}

/** Throw unless `s` is a byte string; `what` names the value in the message. */
export function assertByteString(s: string, what = 'string'): void {
  const m = NOT_BYTE.exec(s);
  if (m) {
    throw new InvalidValueError(
      'E_NOT_BYTE_STRING',
      `${what} '${s}' is not a byte string: character U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} at index ${m.index} is not a byte (encode text with utf8ToByteString first)`,
    );
  }
}
