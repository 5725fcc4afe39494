/**
 * Printing of literals as upstream's print.cc does: `printLiteralString` (escapes `"`, `\`,
 * `\n`, `\r`, `\t` and `${`, with an optional byte limit and an elision marker),
 * `printIdentifier` (used for attribute names by `nix-instantiate --eval`) and
 * `printAttributeName` (used by the diagnostic printer). All strings are latin1 byte strings.
 */

const KEYWORDS = new Set(['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit']);

export function isReservedKeyword(s: string): boolean {
  return KEYWORDS.has(s);
}

/** `«N bytes elided»` etc. (upstream printElided + pluralize). */
export function elided(n: number, single: string, plural: string): string {
  return `«${n} ${n === 1 ? single : plural} elided»`;
}

export function printLiteralString(s: string, maxLength = Infinity): string {
  let out = '"';
  let printed = 0;
  let plain = 0; // start of the current run of characters that need no escaping
  const n = s.length;
  for (let i = 0; i < n; i++) {
    if (printed >= maxLength) {
      out += s.slice(plain, i) + '" ' + elided(n - printed, 'byte', 'bytes');
      return out;
    }
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = '\\\\';
    else if (c === 0x0a) esc = '\\n';
    else if (c === 0x0d) esc = '\\r';
    else if (c === 0x09) esc = '\\t';
    else if (c === 0x24 && s.charCodeAt(i + 1) === 0x7b) esc = '\\$';
    if (esc !== undefined) {
      out += s.slice(plain, i) + esc;
      plain = i + 1;
    }
    printed++;
  }
  return out + s.slice(plain) + '"';
}

function isIdStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}

function isIdChar(c: number): boolean {
  return isIdStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x27 || c === 0x2d;
}

/** Upstream `printIdentifier`: bare when it lexes as an identifier, else quoted. */
export function printIdentifier(s: string): string {
  if (s === '') return '""';
  if (KEYWORDS.has(s)) return `"${s}"`;
  if (!isIdStart(s.charCodeAt(0))) return printLiteralString(s);
  for (let i = 1; i < s.length; i++) if (!isIdChar(s.charCodeAt(i))) return printLiteralString(s);
  return s;
}

/** Upstream `printAttributeName` (isVarName): like printIdentifier, for the diagnostic printer. */
export function printAttributeName(s: string): string {
  if (s === '' || KEYWORDS.has(s)) return printLiteralString(s);
  const c0 = s.charCodeAt(0);
  if ((c0 >= 0x30 && c0 <= 0x39) || c0 === 0x2d || c0 === 0x27) return printLiteralString(s);
  for (let i = 0; i < s.length; i++) if (!isIdChar(s.charCodeAt(i))) return printLiteralString(s);
  return s;
}

/**
 * A double as C++'s `ostream << double` prints it (`%g` with precision 6): `0.1`, `1.5e+10`,
 * `1.23457e+08`, `-2.5e-07`, `inf`, `nan`.
 */
export function formatFloat(x: number): string {
  if (Number.isNaN(x)) return signBit(x) ? '-nan' : 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const exp = Number(x.toExponential(5).split('e')[1]);
  if (exp < -4 || exp >= 6) {
    const [mant, e] = x.toExponential(5).split('e') as [string, string];
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const en = Number(e);
    const ea = Math.abs(en);
    return `${m}e${en < 0 ? '-' : '+'}${ea < 10 ? '0' : ''}${ea}`;
  }
  const fixed = x.toFixed(Math.max(0, 5 - exp));
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/** `std::to_string(double)`: `%f` with 6 decimals (used by `toString 1.5` → "1.500000"). */
export function floatToString(x: number): string {
  if (Number.isNaN(x)) return signBit(x) ? '-nan' : 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  return fixed6(x);
}

function fixed6(x: number): string {
  // toFixed handles up to 1e21; beyond that print the exact integer value.
  if (Math.abs(x) < 1e21) return x.toFixed(6);
  return BigInt(x).toString() + '.000000';
}

const f64 = new Float64Array(1);
const u8 = new Uint8Array(f64.buffer);

/** The IEEE sign bit (distinguishes -nan from nan, as printf does). */
function signBit(x: number): boolean {
  f64[0] = x;
  return (u8[7]! & 0x80) !== 0;
}
