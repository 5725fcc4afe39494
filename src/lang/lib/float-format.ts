/**
 * How Nix prints floats, in the three places that differ:
 *
 * - `formatFloatNix`: a C++ `ostream << double` with default flags (`%g`, 6 significant
 *   digits): `nix-instantiate --eval` output, `builtins.trace`, error messages, toXML.
 *   `0.1 1.5e+10 1.23457e+08 0.333333 1 -2.5e-07 inf -inf nan`.
 * - `formatFloatFixed`: `std::to_string(double)` (`%f`): `builtins.toString 1.5` is
 *   `"1.500000"`, and string interpolation of floats.
 * - `formatFloatJson`: upstream `builtins.toJSON` via nlohmann::json, which prints the
 *   Grisu2 digits (a short round-tripping form, not always the shortest) as `1.5`, `1e+20`,
 *   `1.0`, `-0.0`, and `null` for inf/nan. Nix 2.8 printed `%g` here instead.
 *
 * `%g`/`%f` round the exact binary value half-to-even like glibc's printf, so the exact
 * decimal expansion is computed with BigInt (floats are rare in Nix code; correctness wins).
 */

const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);

function bitsOf(x: number): bigint {
  F64[0] = x;
  return U64[0]!;
}

/** True for a NaN with the sign bit set (printf prints it as `-nan`). */
function negativeNaN(x: number): boolean {
  return bitsOf(x) >> 63n === 1n;
}

function nonFinite(x: number): string {
  if (Number.isNaN(x)) return negativeNaN(x) ? '-nan' : 'nan';
  return x > 0 ? 'inf' : '-inf';
}

/** |x| exactly as `digits * 10^exp10` (digits a decimal string without leading zeros, or '0'). */
function exactDecimal(x: number): { digits: string; exp10: number } {
  const bits = bitsOf(Math.abs(x));
  const e = Number((bits >> 52n) & 0x7ffn);
  let m = bits & 0xfffffffffffffn;
  let e2: number;
  if (e === 0) e2 = -1074;
  else {
    m |= 1n << 52n;
    e2 = e - 1075;
  }
  if (m === 0n) return { digits: '0', exp10: 0 };
  if (e2 >= 0) return { digits: (m << BigInt(e2)).toString(), exp10: 0 };
  // m * 2^e2 = m * 5^-e2 / 10^-e2
  return { digits: (m * 5n ** BigInt(-e2)).toString(), exp10: e2 };
}

/**
 * Round `digits * 10^exp10` to keep `keep` leading digits, half to even. Returns the kept
 * digits (possibly one longer after a carry, e.g. 999 -> 1000) and their exponent.
 */
function roundDigits(digits: string, exp10: number, keep: number): { digits: string; exp10: number } {
  if (keep >= digits.length) return { digits, exp10 };
  if (keep < 0) return { digits: '0', exp10: exp10 + digits.length };
  const head = digits.slice(0, keep);
  const first = digits.charCodeAt(keep) - 48;
  const restNonZero = /[1-9]/.test(digits.slice(keep + 1));
  const lastOdd = keep > 0 && (digits.charCodeAt(keep - 1) - 48) % 2 === 1;
  const up = first > 5 || (first === 5 && (restNonZero || lastOdd));
  let kept = head === '' ? 0n : BigInt(head);
  if (up) kept += 1n;
  return { digits: kept.toString(), exp10: exp10 + (digits.length - keep) };
}

/** printf `%.{prec}f`. */
function fixed(x: number, prec: number): string {
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const { digits, exp10 } = exactDecimal(x);
  // Keep digits down to 10^-prec.
  const r = roundDigits(digits, exp10, digits.length + exp10 + prec);
  let s = r.digits === '0' ? '0' : r.digits + '0'.repeat(Math.max(0, r.exp10 + prec));
  s = s.padStart(prec + 1, '0');
  const int = s.slice(0, s.length - prec);
  return prec === 0 ? sign + int : `${sign}${int}.${s.slice(s.length - prec)}`;
}

/** `std::to_string(double)`: printf `%f`. */
export function formatFloatFixed(x: number): string {
  return Number.isFinite(x) ? fixed(x, 6) : nonFinite(x);
}

/** printf `%.{prec}g` without the `#` flag. */
export function formatFloatG(x: number, prec = 6): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const p = prec === 0 ? 1 : prec;
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const { digits, exp10 } = exactDecimal(x);
  if (digits === '0') return `${sign}0`;
  const r = roundDigits(digits, exp10, p);
  // X: the decimal exponent of the rounded value in d.ddd form.
  const X = r.digits.length - 1 + r.exp10;
  if (X < p && X >= -4) {
    const s = fixed(Math.abs(x), p - 1 - X);
    return sign + (s.includes('.') ? s.replace(/\.?0+$/, '') : s);
  }
  const mant = r.digits.slice(0, p).padEnd(1, '0');
  let m = mant.length > 1 ? `${mant[0]}.${mant.slice(1)}` : mant;
  if (m.includes('.')) m = m.replace(/\.?0+$/, '');
  const ex = Math.abs(X);
  return `${sign}${m}e${X < 0 ? '-' : '+'}${ex < 10 ? `0${ex}` : ex}`;
}

/** `std::ostream << double` with default flags, as `nix-instantiate --eval` prints floats. */
export function formatFloatNix(x: number): string {
  return formatFloatG(x, 6);
}

// --- nlohmann::json's dtoa (Grisu2, Loitsch 2010), as used by upstream toJSON ---------

const M64 = (1n << 64n) - 1n;

interface DiyFp {
  f: bigint;
  e: number;
}

/** Upper 64 bits of the 128-bit product, rounded (ties up), as nlohmann's `diyfp::mul`. */
function mul(x: DiyFp, y: DiyFp): DiyFp {
  const p = x.f * y.f;
  return { f: ((p + (1n << 63n)) >> 64n) & M64, e: x.e + y.e + 64 };
}

function normalize(x: DiyFp): DiyFp {
  let { f, e } = x;
  while (f >> 63n === 0n) {
    f <<= 1n;
    e--;
  }
  return { f, e };
}

/** The cached powers c_k ~= 10^k (k = -300, -292, ..., 324), normalised to 64 bits, rounded. */
const CACHED: { f: bigint; e: number; k: number }[] = [];
for (let k = -300; k <= 324; k += 8) {
  // Find e with 2^63 <= round(10^k / 2^e) < 2^64.
  const num = k >= 0 ? 10n ** BigInt(k) : 1n;
  const den = k >= 0 ? 1n : 10n ** BigInt(-k);
  let e = Math.floor(k * Math.log2(10)) - 63;
  const at = (ee: number): bigint => {
    const n = ee >= 0 ? num : num << BigInt(-ee);
    const d = ee >= 0 ? den << BigInt(ee) : den;
    return (2n * n + d) / (2n * d);
  };
  while (at(e) >= 1n << 64n) e++;
  while (at(e) < 1n << 63n) e--;
  CACHED.push({ f: at(e), e, k });
}

function cachedPower(e: number): { f: bigint; e: number; k: number } {
  const f = -60 - e - 1;
  const k = Math.trunc((f * 78913) / (1 << 18)) + (f > 0 ? 1 : 0);
  return CACHED[Math.trunc((300 + k + 7) / 8)]!;
}

/** Grisu2 digits of a positive finite double: value = digits * 10^exp10. */
function grisu2(x: number): { digits: string; exp10: number } {
  const bits = bitsOf(x);
  const E = Number(bits >> 52n);
  const F = bits & ((1n << 52n) - 1n);
  const v: DiyFp = E === 0 ? { f: F, e: -1074 } : { f: F + (1n << 52n), e: E - 1075 };
  const lowerCloser = F === 0n && E > 1;
  const mPlus = normalize({ f: 2n * v.f + 1n, e: v.e - 1 });
  const mMinusRaw = lowerCloser ? { f: 4n * v.f - 1n, e: v.e - 2 } : { f: 2n * v.f - 1n, e: v.e - 1 };
  const mMinus = { f: mMinusRaw.f << BigInt(mMinusRaw.e - mPlus.e), e: mPlus.e };
  const w = normalize(v);
  const c = cachedPower(mPlus.e);
  const cw = mul(w, c);
  const wMinus = mul(mMinus, c);
  const wPlus = mul(mPlus, c);
  const Mminus = { f: wMinus.f + 1n, e: wMinus.e };
  const Mplus = { f: wPlus.f - 1n, e: wPlus.e };
  let exp10 = -c.k;
  // Digit generation (grisu2_digit_gen).
  let delta = Mplus.f - Mminus.f;
  let dist = Mplus.f - cw.f;
  const shift = BigInt(-Mplus.e);
  const one = 1n << shift;
  let p1 = Mplus.f >> shift;
  let p2 = Mplus.f & (one - 1n);
  const buf: number[] = [];
  let pow10 = 1n;
  let n = 1;
  while (pow10 * 10n <= p1 && n < 10) {
    pow10 *= 10n;
    n++;
  }
  const round = (rest: bigint, tenK: bigint): void => {
    while (rest < dist && delta - rest >= tenK && (rest + tenK < dist || dist - rest > rest + tenK - dist)) {
      buf[buf.length - 1]!--;
      rest += tenK;
    }
  };
  while (n > 0) {
    const d = p1 / pow10;
    p1 %= pow10;
    buf.push(Number(d));
    n--;
    const rest = (p1 << shift) + p2;
    if (rest <= delta) {
      exp10 += n;
      round(rest, pow10 << shift);
      return { digits: buf.join(''), exp10 };
    }
    pow10 /= 10n;
  }
  let m = 0;
  for (;;) {
    p2 *= 10n;
    buf.push(Number(p2 >> shift));
    p2 &= one - 1n;
    m++;
    delta *= 10n;
    dist *= 10n;
    if (p2 <= delta) break;
  }
  exp10 -= m;
  round(p2, one);
  return { digits: buf.join(''), exp10 };
}

/** nlohmann's `format_buffer` with min_exp -4 and max_exp 15. */
function formatDigits(digits: string, exp10: number): string {
  const k = digits.length;
  const n = k + exp10;
  if (k <= n && n <= 15) return `${digits}${'0'.repeat(n - k)}.0`;
  if (n > 0 && n <= 15) return `${digits.slice(0, n)}.${digits.slice(n)}`;
  if (n > -4 && n <= 0) return `0.${'0'.repeat(-n)}${digits}`;
  const m = k === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  const e = n - 1;
  const a = Math.abs(e);
  return `${m}e${e < 0 ? '-' : '+'}${a < 10 ? `0${a}` : a}`;
}

/** A float as upstream `builtins.toJSON` prints it (nlohmann::json `dump`). */
export function formatFloatJson(x: number): string {
  if (!Number.isFinite(x)) return 'null';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (x === 0) return `${sign}0.0`;
  const { digits, exp10 } = grisu2(Math.abs(x));
  return sign + formatDigits(digits, exp10);
}
