/**
 * String and path coercion (upstream `coerceToString`, `coerceToPath`,
 * `peelToStringOutPath`, `copyPathToStore`): sets coerce through `__toString` or `outPath`,
 * paths are copied to the store when interpolated into strings (same store path as Nix,
 * computed by the host), and with `coerceMore` (`toString`, derivation attributes) booleans,
 * numbers, null and lists coerce too.
 */

import { canonPath } from '../canon-path.ts';
import type { Pos } from '../source.ts';
import { printErrorValue } from '../print/value-printer.ts';
import { floatToString } from '../print/literal.ts';
import { Attrs, NixFloat, NixPath, NixStr, Thunk, mkStr, showType, type Value } from '../value/value.ts';
import { callFunction } from './call.ts';
import { EvalError, NixTypeError } from './errors.ts';
import { tr } from './force.ts';
import { enter, leave, S } from './state.ts';

/** "using" when `v` is evaluated, "evaluating" otherwise (upstream `WhileTryingToUse`). */
function usingOrEvaluating(v: Value): string {
  return v instanceof Thunk && !v.isDone ? 'evaluating' : 'using';
}

/**
 * Follow `__toString` and `outPath` until the value is not a set that has them, then call
 * `cb` with it (upstream `peelToStringOutPath`): `cb` runs *inside* the peeling, so its
 * errors get the "while using the `outPath` attribute" frames. With `check`, a `__toString`
 * must end in a string or path.
 */
export function peel<R>(pos: Pos | undefined, v: Value, check: boolean, cb: (peeled: Value, cameThroughToString: boolean) => R): R {
  return peelRec(pos, v, check, false, cb);
}

function peelRec<R>(pos: Pos | undefined, v: Value, check: boolean, came: boolean, cb: (peeled: Value, came: boolean) => R): R {
  if (v instanceof Thunk) v = v.force(pos);
  if (!(v instanceof Attrs)) {
    if (check && came && typeof v !== 'string' && !(v instanceof NixStr) && !(v instanceof NixPath)) {
      throw new NixTypeError(`\`__toString\` should return a string, but got ${showType(v)}: ${printErrorValue(v)}`, pos);
    }
    return cb(v, came);
  }
  let i = v.shape.find('__toString');
  if (i >= 0) {
    const fpos = v.shape.pos[i];
    let r: Value;
    try {
      r = callFunction(v.vals[i]!, [v], fpos);
    } catch (e) {
      throw tr(e, fpos, 'while calling the `__toString` attribute');
    }
    try {
      enter(pos);
      const out = peelRec(fpos, r, check, true, cb);
      leave();
      return out;
    } catch (e) {
      throw tr(e, fpos, `while ${usingOrEvaluating(r)} the result of the \`__toString\` attribute`);
    }
  }
  i = v.shape.find('outPath');
  if (i >= 0) {
    const ppos = v.shape.pos[i];
    const raw = v.vals[i]!;
    try {
      const forced = v.forceAt(i, ppos);
      enter(pos);
      const out = peelRec(ppos, forced, check, came, cb);
      leave();
      return out;
    } catch (e) {
      throw tr(e, ppos, `while ${usingOrEvaluating(raw)} the \`outPath\` attribute`);
    }
  }
  if (check && came) throw new NixTypeError(`\`__toString\` must return a string, but got ${showType(v)}: ${printErrorValue(v)}`, pos);
  return cb(v, came);
}

function cannotCoerce(v: Value, pos: Pos | undefined, errorCtx: string): EvalError {
  return new NixTypeError(`cannot coerce ${showType(v)} to a string: ${printErrorValue(v)}`).addTrace(pos, errorCtx);
}

/** Strip a trailing slash kept from a path literal (upstream's canonical form). */
export function canonicalPath(p: NixPath): string {
  const s = p.path;
  return s.length > 1 && s.endsWith('/') ? s.slice(0, -1) : s;
}

/**
 * Upstream `coerceToString`. Context of the result is added to `ctx`.
 */
export function coerceToString(
  pos: Pos | undefined,
  v: Value,
  ctx: Set<string>,
  errorCtx: string,
  coerceMore = false,
  copyToStore = true,
  canonicalizePath = true,
): string {
  enter(pos);
  if (v instanceof Thunk) v = v.force(pos);
  const r = coerceForced(pos, v, ctx, errorCtx, coerceMore, copyToStore, canonicalizePath);
  leave();
  return r;
}

/**
 * `coerceToString` returning a string value (context attached): plain strings and ints,
 * the common cases, allocate no context set.
 */
export function coerceToStringValue(pos: Pos | undefined, v: Value, errorCtx: string, coerceMore = false, copyToStore = true, canonicalizePath = true): string | NixStr {
  enter(pos);
  if (v instanceof Thunk) v = v.force(pos);
  let r: string | NixStr;
  if (typeof v === 'string') r = v;
  else if (typeof v === 'number' && coerceMore) r = String(v);
  else {
    const ctx = new Set<string>();
    r = mkStr(coerceForced(pos, v, ctx, errorCtx, coerceMore, copyToStore, canonicalizePath), ctx);
  }
  leave();
  return r;
}

function coerceForced(pos: Pos | undefined, v: Value, ctx: Set<string>, errorCtx: string, coerceMore: boolean, copyToStore: boolean, canonicalizePath: boolean): string {
  if (typeof v === 'string') return v;
  if (v instanceof NixStr) {
    for (const c of v.ctx) ctx.add(c);
    return v.s;
  }
  if (v instanceof NixPath) {
    if (!canonicalizePath && !copyToStore) return v.path;
    if (copyToStore) return copyPathToStore(ctx, canonicalPath(v));
    return canonicalPath(v);
  }
  if (v instanceof Attrs) {
    return peel(pos, v, false, (peeled) => {
      if (peeled instanceof Attrs) throw cannotCoerce(peeled, pos, errorCtx);
      return coerceToString(pos, peeled, ctx, errorCtx, coerceMore, copyToStore, true);
    });
  }
  if (coerceMore) {
    if (v === true) return '1';
    if (v === false || v === null) return '';
    if (typeof v === 'number' || typeof v === 'bigint') return String(v);
    if (v instanceof NixFloat) return floatToString(v.v);
    if (Array.isArray(v)) {
      let out = '';
      for (let n = 0; n < v.length; n++) {
        try {
          out += coerceToString(pos, v[n]!, ctx, 'while evaluating one element of the list', coerceMore, copyToStore, canonicalizePath);
        } catch (e) {
          throw tr(e, pos, errorCtx);
        }
        const e2 = v[n]! instanceof Thunk ? (v[n] as Thunk).force() : v[n]!;
        if (n < v.length - 1 && !(Array.isArray(e2) && e2.length === 0)) out += ' ';
      }
      return out;
    }
  }
  throw cannotCoerce(v, pos, errorCtx);
}

/** Upstream `copyPathToStore`: the store path of a source path (computed by the host), recorded in the context. */
export function copyPathToStore(ctx: Set<string>, path: string): string {
  if (path.endsWith('.drv')) throw new EvalError("file names are not allowed to end in '.drv'");
  const st = S();
  let cache = st.extra.get('srcToStore') as Map<string, string> | undefined;
  if (cache === undefined) st.extra.set('srcToStore', (cache = new Map()));
  let dst = cache.get(path);
  if (dst === undefined) {
    const slash = path.lastIndexOf('/');
    dst = st.host.addToStore({ source: { kind: 'path', path }, name: path.slice(slash + 1), method: 'nar' }).path;
    cache.set(path, dst);
  }
  ctx.add(dst);
  return dst;
}

/** Upstream `coerceToPath`: a path value, or a string that is an absolute path. Returns the canonical path. */
export function coerceToPath(pos: Pos | undefined, v: Value, ctx: Set<string>, errorCtx: string): string {
  return peel(pos, v, false, (p) => {
    if (p instanceof NixPath) return canonicalPath(p);
    const s = coerceToString(pos, p, ctx, errorCtx, false, false, true);
    if (s === '' || s[0] !== '/') throw new EvalError(`string '${s}' doesn't represent an absolute path`).addTrace(pos, errorCtx);
    return canonPath(s);
  });
}

