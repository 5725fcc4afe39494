/**
 * String builtins: `toString`, `substring`, `stringLength`, `concatStringsSep`,
 * `replaceStrings` (a replacement is forced only when its pattern matches, as upstream
 * does since 2.9), `hashString`, `convertHash`, `baseNameOf`, `dirOf`, `placeholder`.
 * Strings are byte strings; lengths and offsets count bytes.
 */

import { coerceToString, coerceToStringValue } from '../eval/coerce.ts';
import { EvalError, NixUsageError } from '../eval/errors.ts';
import { forceAttrs, forceInt, forceList, forceString, forceStringNoCtx } from '../eval/force.ts';
import { hashBytes } from '../../hash/digest.ts';
import { isHashAlgo, type HashAlgo } from '../../hash/algo.ts';
import { parseHash, parseHashFormat, type HashFormat } from '../../hash/hash.ts';
import { encodeNix32 } from '../../hash/nix32.ts';
import { NixPath, NixStr, ctxOf, force, mkStr, strOf, type Value } from '../value/value.ts';
import { getAttrOrThrow } from './control.ts';
import { S } from '../eval/state.ts';
import { prim, type BuiltinSpec } from './registry.ts';

/** Bytes of a latin1 byte string. */
export function bytesOf(s: string): Uint8Array {
  return Buffer.from(s, 'latin1');
}

function substring(_pos: unknown, st: Value, ln: Value, s: Value): Value {
  const start = forceInt(st, undefined, 'while evaluating the first argument (the start offset) passed to builtins.substring');
  if (start < 0) throw new EvalError("negative start position in 'substring'");
  const len = forceInt(ln, undefined, 'while evaluating the second argument (the substring length) passed to builtins.substring');
  if (len === 0) {
    const v = force(s);
    if (typeof v === 'string') return '';
    if (v instanceof NixStr) return new NixStr('', v.ctx);
  }
  const b = Number(start);
  // A plain string needs no coercion and has no context to carry.
  if (typeof s === 'string') return b >= s.length ? '' : len < 0 ? s.slice(b) : s.slice(b, b + Number(len));
  const ctx = new Set<string>();
  const str = coerceToString(undefined, s, ctx, 'while evaluating the third argument (the string) passed to builtins.substring');
  const out = b >= str.length ? '' : len < 0 ? str.slice(b) : str.slice(b, b + Number(len));
  return mkStr(out, ctx);
}

function replaceStrings(_pos: unknown, f: Value, t: Value, s: Value): Value {
  const fromL = forceList(f, undefined, 'while evaluating the first argument passed to builtins.replaceStrings');
  const toL = forceList(t, undefined, 'while evaluating the second argument passed to builtins.replaceStrings');
  if (fromL.length !== toL.length) throw new EvalError("'from' and 'to' arguments passed to builtins.replaceStrings have different lengths");
  const from = fromL.map((x) => strOf(forceString(x, undefined, 'while evaluating one of the strings to replace passed to builtins.replaceStrings')));
  const cache = new Map<number, string>();
  const sv = forceString(s, undefined, 'while evaluating the third argument passed to builtins.replaceStrings');
  const str = strOf(sv);
  const ctx = new Set(ctxOf(sv));
  // Unchanged text is copied in runs (str.slice), not a character at a time: a rope of
  // one-character pieces costs far more memory and time than the string itself.
  let res = '';
  let last = 0;
  const replacement = (j: number): string => {
    let rep = cache.get(j);
    if (rep === undefined) {
      const tv = forceString(toL[j]!, undefined, 'while evaluating one of the replacement strings passed to builtins.replaceStrings');
      rep = strOf(tv);
      for (const c of ctxOf(tv)) ctx.add(c);
      cache.set(j, rep);
    }
    return rep;
  };
  if (!from.includes('')) {
    // Without an empty pattern, jump from match to match with indexOf: next[j] is the first
    // occurrence of from[j] at or after p. The leftmost match wins, and at one position the
    // pattern listed first, as in upstream's position-by-position scan.
    if (str.length >= BIG_STRING) return replaceBig(str, from, replacement, ctx);
    const next = from.map((pat) => str.indexOf(pat));
    for (let p = 0; ; ) {
      let q = -1;
      let j = -1;
      for (let k = 0; k < from.length; k++) {
        let n = next[k]!;
        if (n >= 0 && n < p) next[k] = n = str.indexOf(from[k]!, p);
        if (n >= 0 && (q < 0 || n < q)) {
          q = n;
          j = k;
        }
      }
      if (q < 0) break;
      res += str.slice(last, q) + replacement(j);
      p = last = q + from[j]!.length;
    }
    res += str.slice(last);
    return mkStr(res, ctx);
  }
  for (let p = 0; p <= str.length; ) {
    let j = 0;
    while (j < from.length && !str.startsWith(from[j]!, p)) j++;
    if (j === from.length) {
      p++;
      continue;
    }
    const pat = from[j]!;
    res += str.slice(last, p) + replacement(j);
    if (pat === '') {
      // An empty pattern inserts before each character, which itself is kept.
      last = p;
      p++;
    } else {
      p += pat.length;
      last = p;
    }
  }
  res += str.slice(last);
  return mkStr(res, ctx);
}

/** Length from which replaceStrings writes its result into a byte buffer instead of a rope. */
const BIG_STRING = 4096;

/**
 * replaceStrings over a big string (no empty pattern), in one pass over its bytes: at each
 * position the patterns are tried in the order given (upstream's scan), and the result is
 * written into a byte buffer. The rope of `res += piece` keeps two objects per match alive
 * until it is flattened; for 10^5 matches copying them in young-generation GCs took longer
 * than the replacing, and indexOf per match costs more than a byte loop.
 */
function replaceBig(str: string, from: readonly string[], replacement: (j: number) => string, ctx: Set<string>): Value {
  const src = Buffer.from(str, 'latin1');
  const pats = from.map((f) => Buffer.from(f, 'latin1'));
  const first = new Uint8Array(256);
  for (const f of pats) first[f[0]!] = 1;
  const reps = new Array<Buffer | undefined>(pats.length);
  const n = src.length;
  // Invariant: room for what is written so far plus the rest of the input unchanged.
  let out = Buffer.allocUnsafe(n);
  let k = 0;
  let changed = false;
  let p = 0;
  outer: while (p < n) {
    const c = src[p]!;
    if (first[c] !== 0) {
      for (let m = 0; m < pats.length; m++) {
        const f = pats[m]!;
        const fl = f.length;
        if (p + fl > n) continue;
        let i = 0;
        while (i < fl && src[p + i] === f[i]) i++;
        if (i < fl) continue;
        const rep = (reps[m] ??= Buffer.from(replacement(m), 'latin1'));
        const need = k + rep.length + (n - p - fl);
        if (need > out.length) {
          const grown = Buffer.allocUnsafe(Math.max(need, 2 * out.length));
          out.copy(grown, 0, 0, k);
          out = grown;
        }
        for (let r = 0; r < rep.length; r++) out[k++] = rep[r]!;
        p += fl;
        changed = true;
        continue outer;
      }
    }
    out[k++] = c;
    p++;
  }
  return mkStr(changed ? out.toString('latin1', 0, k) : str, ctx);
}

/** Upstream's `legacyBaseNameOf`: one trailing slash is ignored. */
function baseName(path: string): string {
  if (path === '') return '';
  let last = path.length - 1;
  if (path[last] === '/' && last > 0) last--;
  const pos = path.lastIndexOf('/', last);
  return path.slice(pos + 1, last + 1);
}

function dirOf(_pos: unknown, a: Value): Value {
  const v = force(a);
  if (v instanceof NixPath) {
    const p = v.path.length > 1 && v.path.endsWith('/') ? v.path.slice(0, -1) : v.path;
    if (p === '/') return new NixPath('/');
    const i = p.lastIndexOf('/');
    return new NixPath(i <= 0 ? '/' : p.slice(0, i));
  }
  const ctx = new Set<string>();
  const s = coerceToString(undefined, v, ctx, "while evaluating the first argument passed to 'builtins.dirOf'", false, false);
  const i = s.lastIndexOf('/');
  return mkStr(i < 0 ? '.' : i === 0 ? '/' : s.slice(0, i), ctx);
}

/** Upstream `parseHashAlgo`: a usage error for an unknown name. */
export function parseAlgo(name: string): HashAlgo {
  if (!isHashAlgo(name)) throw new NixUsageError(`unknown hash algorithm '${name}', expect 'blake3', 'md5', 'sha1', 'sha256', or 'sha512'`);
  return name;
}

/** Upstream `hashPlaceholder(output)`: "/" + nix32(sha256("nix-output:" + output)). */
export function hashPlaceholder(output: string): string {
  return '/' + encodeNix32(hashBytes('sha256', bytesOf('nix-output:' + output)).bytes);
}

function convertHash(_pos: unknown, a: Value): Value {
  const args = forceAttrs(a, undefined, 'while evaluating the first argument passed to builtins.convertHash');
  const hash = forceStringNoCtx(getAttrOrThrow(args, 'hash', "while locating the attribute 'hash'"), undefined, "while evaluating the attribute 'hash'");
  const algoV = args.get('hashAlgo');
  let algo: HashAlgo | undefined;
  if (algoV !== undefined) {
    const name = forceStringNoCtx(algoV, undefined, "while evaluating the attribute 'hashAlgo'");
    if (!isHashAlgo(name)) throw new EvalError(`unknown hash algorithm '${name}', expect 'blake3', 'md5', 'sha1', 'sha256', or 'sha512'`);
    algo = name;
  }
  const fmtName = forceStringNoCtx(getAttrOrThrow(args, 'toHashFormat', "while locating the attribute 'toHashFormat'"), undefined, "while evaluating the attribute 'toHashFormat'");
  let fmt: HashFormat;
  if (fmtName === 'base32') S().host.log('warning: "base32" is a deprecated alias for hash format "nix32".');
  try {
    fmt = fmtName === 'base32' ? 'nix32' : parseHashFormat(fmtName);
  } catch {
    throw new EvalError(`unknown hash format '${fmtName}', expect 'base16', 'base32', 'nix32', 'base64', or 'sri'`);
  }
  let h;
  try {
    h = parseHash(hash, algo);
  } catch (e) {
    throw new EvalError((e as Error).message);
  }
  return h.toString(fmt, fmt === 'sri');
}

export const stringBuiltins: BuiltinSpec[] = [
  prim('toString', 1, 'Convert a value to a string (paths are not copied to the store).', (_pos, a: Value) =>
    coerceToStringValue(undefined, a, 'while evaluating the first argument passed to builtins.toString', true, false),
  ),
  prim('__substring', 3, 'The bytes of a string from a start offset, up to a length.', substring),
  prim('__stringLength', 1, 'The length of a string in bytes.', (_pos, a: Value) => coerceToString(undefined, a, new Set(), 'while evaluating the argument passed to builtins.stringLength').length),
  prim('__concatStringsSep', 2, 'Join a list of strings with a separator.', (_pos, sp: Value, l: Value) => {
    const sepV = forceString(sp, undefined, 'while evaluating the first argument (the separator string) passed to builtins.concatStringsSep');
    const ctx = new Set(ctxOf(sepV));
    const sep = strOf(sepV);
    const list = forceList(l, undefined, 'while evaluating the second argument (the list of strings to concat) passed to builtins.concatStringsSep');
    const parts = new Array<string>(list.length);
    for (let i = 0; i < list.length; i++) {
      parts[i] = coerceToString(undefined, list[i]!, ctx, 'while evaluating one element of the list of strings to concat passed to builtins.concatStringsSep');
    }
    return mkStr(parts.join(sep), ctx);
  }),
  prim('__replaceStrings', 3, 'Replace every occurrence of the `from` strings by the matching `to` strings.', replaceStrings),
  prim('__hashString', 2, 'The base-16 hash of a string.', (_pos, t: Value, s: Value) => {
    const algo = parseAlgo(forceStringNoCtx(t, undefined, 'while evaluating the first argument passed to builtins.hashString'));
    const str = strOf(forceString(s, undefined, 'while evaluating the second argument passed to builtins.hashString'));
    return hashBytes(algo, bytesOf(str)).toString('base16', false);
  }),
  prim('__convertHash', 1, 'Convert a hash between base16, nix32, base64 and SRI.', convertHash),
  prim('baseNameOf', 1, 'The last component of a path or string.', (_pos, a: Value) => {
    const ctx = new Set<string>();
    const s = coerceToString(undefined, a, ctx, 'while evaluating the first argument passed to builtins.baseNameOf', false, false);
    return mkStr(baseName(s), ctx);
  }),
  prim('dirOf', 1, 'Everything before the last slash of a path or string.', dirOf),
  prim('placeholder', 1, 'The placeholder string for a derivation output, replaced at build time.', (_pos, o: Value) =>
    hashPlaceholder(forceStringNoCtx(o, undefined, 'while evaluating the first argument passed to builtins.placeholder')),
  ),
];
