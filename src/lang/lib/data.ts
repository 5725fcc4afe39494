/**
 * Plain data exchanged between the pure language libraries in `src/lang/lib/` (JSON, TOML,
 * regex, versions, float printing) and the evaluator, which converts to and from its own
 * value representation at the builtin boundary.
 *
 * - Strings are byte strings: one JS char per byte (latin1 / "binary"), exactly like Nix's
 *   `std::string`. `"é"` in UTF-8 is the two-char string `"\xc3\xa9"`.
 * - Ints are Nix's signed 64-bit integers: a JS `number` when it is a safe integer, a
 *   `bigint` otherwise (always within int64). Use `normInt` to keep that invariant.
 * - Floats are boxed as `NixFloat` so that `1` (int) and `1.0` (float) never collapse.
 * - Attribute sets are `Map`s in insertion order (Nix sorts names itself when it needs to);
 *   a `Map` rather than an object so that names such as `__proto__` are just names.
 */

/** A Nix float. `{ float: 1 }` is `1.0`, distinct from the int `1`. */
export interface NixFloat {
  readonly float: number;
}

/** A Nix integer: a safe-integer `number`, or a `bigint` beyond 2^53 (within int64). */
export type NixInt = number | bigint;

export type PlainValue = null | boolean | NixInt | NixFloat | string | PlainList | PlainAttrs;
export type PlainList = PlainValue[];
export type PlainAttrs = Map<string, PlainValue>;

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/** Box a JS number as a Nix float. */
export function mkFloat(x: number): NixFloat {
  return { float: x };
}

export function isFloat(v: PlainValue): v is NixFloat {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map);
}

export function isInt(v: PlainValue): v is NixInt {
  return typeof v === 'number' || typeof v === 'bigint';
}

/** True when `b` lies within Nix's int64 range. */
export function inInt64(b: bigint): boolean {
  return b >= INT64_MIN && b <= INT64_MAX;
}

/** The canonical form of an int64 value: a `number` when safe, else the `bigint`. */
export function normInt(b: bigint): NixInt {
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

/** A latin1 byte string from bytes. */
export function bytesToLatin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

/** The bytes of a latin1 byte string (chars above 0xff are a caller bug and are masked). */
export function latin1ToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** The byte string holding the UTF-8 encoding of a JS (UTF-16) string. */
export function utf8ByteString(s: string): string {
  return bytesToLatin1(new TextEncoder().encode(s));
}

/** Decode a byte string as UTF-8 (invalid sequences become U+FFFD): for messages only. */
export function byteStringToUnicode(s: string): string {
  return new TextDecoder().decode(latin1ToBytes(s));
}
