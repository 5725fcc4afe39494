/**
 * Values as JSON (upstream value-to-json.cc, serialised as nlohmann::json dumps): used by
 * `builtins.toJSON`, `nix-instantiate --eval --json` and derivations' `__structuredAttrs`.
 * Sets go through `__toString`/`outPath`; paths are copied to the store (except behind a
 * `__toString`); functions are an error; strings must be valid UTF-8.
 */

import { copyPathToStore, canonicalPath, peel } from '../eval/coerce.ts';
import { EvalError, NixTypeError } from '../eval/errors.ts';
import { determinePos } from '../eval/deep.ts';
import { tr } from '../eval/force.ts';
import { enter, leave } from '../eval/state.ts';
import type { Pos } from '../source.ts';
import { Attrs, NixFloat, NixPath, NixStr, Thunk, showType, type Value } from '../value/value.ts';

/** A JSON string literal of a byte string, as nlohmann dumps it (UTF-8 checked). */
export function jsonString(s: string): string {
  let out = '"';
  let plain = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = '\\\\';
    else if (c < 0x20) {
      esc = c === 8 ? '\\b' : c === 9 ? '\\t' : c === 10 ? '\\n' : c === 12 ? '\\f' : c === 13 ? '\\r' : '\\u' + c.toString(16).padStart(4, '0');
    } else if (c >= 0x80) {
      const n = utf8SeqLen(s, i);
      if (n === 0) {
        throw new EvalError(`JSON serialization error: [json.exception.type_error.316] invalid UTF-8 byte at index ${i}: 0x${c.toString(16).toUpperCase().padStart(2, '0')}`);
      }
      i += n - 1;
    }
    if (esc !== undefined) {
      out += s.slice(plain, i) + esc;
      plain = i + 1;
    }
  }
  return out + s.slice(plain) + '"';
}

/** Length of a valid UTF-8 sequence at i (latin1 byte string), or 0. */
function utf8SeqLen(s: string, i: number): number {
  const c = s.charCodeAt(i);
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const x = s.charCodeAt(i + k);
    return x >= lo && x <= hi;
  };
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** A double as nlohmann::json prints it: shortest round-trip digits, `1.0`, `1e+100`, `0.001`. */
export function jsonFloat(x: number): string {
  if (!Number.isFinite(x)) return 'null';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const neg = x < 0;
  const [mant, expS] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const k = digits.length;
  const n = Number(expS) + 1; // position of the decimal point relative to the digits
  let out: string;
  if (k <= n && n <= 15) out = digits + '0'.repeat(n - k) + '.0';
  else if (0 < n && n <= 15) out = digits.slice(0, n) + '.' + digits.slice(n);
  else if (-4 < n && n <= 0) out = '0.' + '0'.repeat(-n) + digits;
  else {
    const e = n - 1;
    const ea = Math.abs(e);
    out = (k === 1 ? digits : digits[0] + '.' + digits.slice(1)) + 'e' + (e < 0 ? '-' : '+') + (ea < 10 ? '0' : '') + ea;
  }
  return neg ? '-' + out : out;
}

/** Upstream `printValueAsJSON`. Context of strings is added to `ctx`. */
export function toJSON(v: Value, strict: boolean, pos: Pos | undefined, ctx: Set<string>, copyToStore = true): string {
  enter(pos);
  if (strict && v instanceof Thunk) v = v.force(pos);
  let out: string;
  if (typeof v === 'number' || typeof v === 'bigint') out = String(v);
  else if (typeof v === 'boolean') out = v ? 'true' : 'false';
  else if (typeof v === 'string') out = jsonString(v);
  else if (v === null) out = 'null';
  else if (v instanceof NixStr) {
    for (const c of v.ctx) ctx.add(c);
    out = jsonString(v.s);
  } else if (v instanceof NixPath) out = jsonString(copyToStore ? copyPathToStore(ctx, canonicalPath(v)) : canonicalPath(v));
  else if (v instanceof NixFloat) out = jsonFloat(v.v);
  else if (Array.isArray(v)) {
    const parts: string[] = [];
    for (let i = 0; i < v.length; i++) {
      try {
        parts.push(toJSON(v[i]!, strict, pos, ctx, copyToStore));
      } catch (e) {
        throw tr(e, pos, `while evaluating list element at index ${i}`);
      }
    }
    out = '[' + parts.join(',') + ']';
  } else if (v instanceof Attrs) {
    out = peel(pos, v, true, (p, cameThroughToString) => {
      // Quirk kept from upstream: a path returned by __toString is not copied to the store.
      if (!(p instanceof Attrs)) return toJSON(p, strict, pos, ctx, copyToStore && !cameThroughToString);
      const parts: string[] = [];
      for (let i = 0; i < p.size; i++) {
        const k = p.keys[i]!;
        try {
          parts.push(jsonString(k) + ':' + toJSON(p.vals[i]!, strict, p.shape.pos[i], ctx, copyToStore));
        } catch (e) {
          throw tr(e, p.shape.pos[i], `while evaluating attribute '${k}'`);
        }
      }
      return '{' + parts.join(',') + '}';
    });
  } else {
    throw new NixTypeError(`cannot convert ${showType(v)} to JSON`, determinePos(v, pos));
  }
  leave();
  return out;
}
