/**
 * Equality and ordering (upstream `eqValues`, `assertEqValues`, `CompareValues`):
 * ints and floats compare numerically across types, derivations compare by `outPath`,
 * functions are never equal, sets compare name by name, and `assert a == b` failures
 * explain the first difference with upstream's wording.
 */

import type { Pos } from '../source.ts';
import { printErrorValue } from '../print/value-printer.ts';
import { Attrs, NixFloat, NixPath, NixStr, Thunk, showType, typeOf, type Value } from '../value/value.ts';
import { AssertionError, EvalError } from './errors.ts';
import { tr } from './force.ts';
import { enter, leave } from './state.ts';

function num(v: Value): number | bigint | undefined {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (v instanceof NixFloat) return v.v;
  return undefined;
}

/** Upstream `isDerivation`: a set whose `type` forces to the string "derivation". */
export function isDerivation(v: Value): boolean {
  if (!(v instanceof Attrs)) return false;
  const i = v.shape.find('type');
  if (i < 0) return false;
  const t = v.forceAt(i, v.shape.pos[i]);
  return t === 'derivation' || (t instanceof NixStr && t.s === 'derivation');
}

function strVal(v: Value): string | undefined {
  return typeof v === 'string' ? v : v instanceof NixStr ? v.s : undefined;
}

/**
 * Upstream `eqValues` on two value *slots* (list elements, attribute values, primop
 * arguments): the same slot is equal to itself even when it holds a function, as upstream's
 * pointer check makes `[ f ] == [ f ]` true.
 */
export function eqValues(a: Value, b: Value, pos: Pos | undefined, ctx: string): boolean {
  if (a === b) return true;
  enter(pos);
  const r = eqForced(a instanceof Thunk ? a.force(pos) : a, b instanceof Thunk ? b.force(pos) : b, pos, ctx);
  leave();
  return r;
}

/** `a == b` on two evaluated operands (upstream evaluates them into fresh temporaries, so no identity shortcut). */
export function opEq(a: Value, b: Value, pos: Pos | undefined, ctx: string): boolean {
  enter(pos);
  const r = eqForced(a, b, pos, ctx);
  leave();
  return r;
}

function eqForced(a: Value, b: Value, pos: Pos | undefined, ctx: string): boolean {
  if (a === b && typeof a !== 'object') return true;
  if (typeof a === 'number') return typeof b === 'number' ? false : b instanceof NixFloat ? a === b.v : false;
  if (typeof a === 'string' || a instanceof NixStr) {
    const sb = strVal(b);
    return sb !== undefined && strVal(a) === sb;
  }
  if (typeof a === 'bigint') return b instanceof NixFloat ? Number(a) === b.v : false;
  if (a instanceof NixFloat) {
    const nb = num(b);
    return nb !== undefined && a.v === Number(nb);
  }
  if (a === null) return b === null;
  if (typeof a === 'boolean') return false;
  if (a instanceof NixPath) return b instanceof NixPath && a.path === b.path;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!eqValues(a[i]!, b[i]!, pos, ctx)) return false;
    return true;
  }
  if (a instanceof Attrs) {
    if (!(b instanceof Attrs)) return false;
    if (isDerivation(a) && isDerivation(b)) {
      const i = a.shape.find('outPath');
      const j = b.shape.find('outPath');
      if (i >= 0 && j >= 0) return eqValues(a.vals[i]!, b.vals[j]!, pos, ctx);
    }
    if (a.size !== b.size) return false;
    const ka = a.keys;
    const kb = b.keys;
    for (let i = 0; i < ka.length; i++) {
      if (ka[i] !== kb[i]) return false;
      if (!eqValues(a.vals[i]!, b.vals[i]!, pos, ctx)) return false;
    }
    return true;
  }
  // Functions are incomparable.
  return false;
}

/** Upstream `assertEqValues`: returns when equal, else throws an AssertionError explaining why. */
export function assertEqValues(a: Value, b: Value, pos: Pos | undefined, ctx: string, top = false): void {
  if (a === b && !top) return;
  enter(pos);
  if (a instanceof Thunk) a = a.force(pos);
  if (b instanceof Thunk) b = b.force(pos);
  assertForced(a, b, pos, ctx);
  leave();
}

function fail(msg: string): AssertionError {
  return new AssertionError(msg);
}

function assertForced(a: Value, b: Value, pos: Pos | undefined, ctx: string): void {
  if (a === b && typeof a !== 'object') return;
  const ta = typeOf(a);
  const tb = typeOf(b);
  const pa = (): string => printErrorValue(a);
  const pb = (): string => printErrorValue(b);
  if ((ta === 'int' || ta === 'float') && (tb === 'int' || tb === 'float')) {
    if (eqValues(a, b, pos, ctx)) return;
    throw fail(`${showType(a)} with value '${pa()}' is not equal to ${showType(b)} with value '${pb()}'`);
  }
  if (ta !== tb) throw fail(`${showType(a)} of value '${pa()}' is not equal to ${showType(b)} of value '${pb()}'`);
  switch (ta) {
    case 'bool':
      if (a !== b) throw fail(`boolean '${pa()}' is not equal to boolean '${pb()}'`);
      return;
    case 'string':
      if (strVal(a) !== strVal(b)) throw fail(`string '${pa()}' is not equal to string '${pb()}'`);
      return;
    case 'path':
      if ((a as NixPath).path !== (b as NixPath).path) throw fail(`path '${pa()}' is not equal to path '${pb()}'`);
      return;
    case 'null':
      return;
    case 'list': {
      const la = a as Value[];
      const lb = b as Value[];
      if (la.length !== lb.length) {
        throw fail(`list of size '${la.length}' is not equal to list of size '${lb.length}', left hand side is '${pa()}', right hand side is '${pb()}'`);
      }
      for (let n = 0; n < la.length; n++) {
        try {
          assertEqValues(la[n]!, lb[n]!, pos, ctx);
        } catch (e) {
          throw tr(e, pos, `while comparing list element ${n}`);
        }
      }
      return;
    }
    case 'set': {
      const sa = a as Attrs;
      const sb = b as Attrs;
      if (isDerivation(sa) && isDerivation(sb)) {
        const i = sa.shape.find('outPath');
        const j = sb.shape.find('outPath');
        if (i >= 0 && j >= 0) {
          try {
            assertEqValues(sa.vals[i]!, sb.vals[j]!, pos, ctx);
            return;
          } catch (e) {
            throw tr(e, pos, "while comparing a derivation by its 'outPath' attribute");
          }
        }
      }
      if (sa.size !== sb.size) throw fail(`attribute names of attribute set '${pa()}' differs from attribute set '${pb()}'`);
      const ka = sa.keys;
      const kb = sb.keys;
      for (let i = 0; i < ka.length; i++) {
        if (ka[i] !== kb[i]) {
          if (!sb.has(ka[i]!)) throw fail(`attribute name '${ka[i]}' is contained in '${pa()}', but not in '${pb()}'`);
          throw fail(`attribute name '${kb[i]}' is missing in '${pa()}', but is contained in '${pb()}'`);
        }
        try {
          assertEqValues(sa.vals[i]!, sb.vals[i]!, pos, ctx);
        } catch (e) {
          const pj = sb.shape.pos[i];
          const pi = sa.shape.pos[i];
          if (pj) tr(e, pj, 'where right hand side is');
          if (pi) tr(e, pi, 'where left hand side is');
          throw tr(e, pos, `while comparing attribute '${ka[i]}'`);
        }
      }
      return;
    }
    case 'lambda':
      throw fail('distinct functions and immediate comparisons of identical functions compare as unequal');
    case 'float':
    case 'int':
      return;
  }
}

/** Upstream `CompareValues` (the `<` operator and `sort`'s default order). */
export function lessThan(a: Value, b: Value, pos: Pos | undefined, ctx: string): boolean {
  try {
    if (a instanceof Thunk) a = a.force(pos);
    if (b instanceof Thunk) b = b.force(pos);
    const na = num(a);
    const nb = num(b);
    if (na !== undefined && nb !== undefined) {
      if (a instanceof NixFloat || b instanceof NixFloat) return Number(na) < Number(nb);
      return na < nb;
    }
    const ta = typeOf(a);
    const tb = typeOf(b);
    if (ta !== tb) {
      throw new EvalError(`cannot compare ${showType(a)} with ${showType(b)}; values are ${printErrorValue(a)} and ${printErrorValue(b)}`);
    }
    switch (ta) {
      case 'string':
        return strVal(a)! < strVal(b)!;
      case 'path':
        return (a as NixPath).path < (b as NixPath).path;
      case 'list': {
        const la = a as Value[];
        const lb = b as Value[];
        for (let i = 0; ; i++) {
          if (i === lb.length) return false;
          if (i === la.length) return true;
          if (!eqValues(la[i]!, lb[i]!, pos, ctx)) return lessThan(la[i]!, lb[i]!, pos, 'while comparing two list elements');
        }
      }
    }
    throw new EvalError(
      `cannot compare ${showType(a)} with ${showType(b)}; values of that type are incomparable (values are ${printErrorValue(a)} and ${printErrorValue(b)})`,
    );
  } catch (e) {
    if (ctx !== '') tr(e, undefined, ctx);
    throw e;
  }
}
