/**
 * 64-bit signed integer arithmetic over the int representation of value.ts: a JS number
 * when the value is a safe integer, a bigint otherwise. Each operation returns the
 * normalised result, or `undefined` on int64 overflow (callers raise upstream's
 * "integer overflow in adding …" errors). The fast path is plain number arithmetic.
 */

export type NixInt = number | bigint;

const MAX = 9223372036854775807n;
const MIN = -9223372036854775808n;

/** Normalise a bigint: back to a number when safe; undefined when outside int64. */
export function fromBig(b: bigint): NixInt | undefined {
  if (b > MAX || b < MIN) return undefined;
  if (b <= 9007199254740991n && b >= -9007199254740991n) return Number(b);
  return b;
}

export function isInt(v: unknown): v is NixInt {
  return typeof v === 'number' || typeof v === 'bigint';
}

export function add(a: NixInt, b: NixInt): NixInt | undefined {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (r <= 9007199254740991 && r >= -9007199254740991) return r;
  }
  return fromBig(BigInt(a) + BigInt(b));
}

export function sub(a: NixInt, b: NixInt): NixInt | undefined {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (r <= 9007199254740991 && r >= -9007199254740991) return r;
  }
  return fromBig(BigInt(a) - BigInt(b));
}

export function mul(a: NixInt, b: NixInt): NixInt | undefined {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    // `+ 0` turns -0 into 0: Nix ints have no negative zero.
    if (r <= 9007199254740991 && r >= -9007199254740991) return r + 0;
  }
  return fromBig(BigInt(a) * BigInt(b));
}

/** Truncating division; the caller checks for a zero divisor. */
export function div(a: NixInt, b: NixInt): NixInt | undefined {
  if (typeof a === 'number' && typeof b === 'number') return Math.trunc(a / b) + 0;
  return fromBig(BigInt(a) / BigInt(b));
}

export function cmp(a: NixInt, b: NixInt): number {
  // Mixed number/bigint comparisons are exact in JS.
  return a < b ? -1 : a > b ? 1 : 0;
}

export function eq(a: NixInt, b: NixInt): boolean {
  // A normalised bigint never equals a number.
  return a === b;
}

export function toFloat(a: NixInt): number {
  return typeof a === 'number' ? a : Number(a);
}

export function bitAnd(a: NixInt, b: NixInt): NixInt {
  return fromBig(BigInt.asIntN(64, BigInt(a) & BigInt(b)))!;
}

export function bitOr(a: NixInt, b: NixInt): NixInt {
  return fromBig(BigInt.asIntN(64, BigInt(a) | BigInt(b)))!;
}

export function bitXor(a: NixInt, b: NixInt): NixInt {
  return fromBig(BigInt.asIntN(64, BigInt(a) ^ BigInt(b)))!;
}

/** Decimal text, as `std::to_string(int64_t)`. */
export function intToString(a: NixInt): string {
  return String(a);
}
