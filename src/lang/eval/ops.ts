/**
 * Operators the compiler emits calls to: `+` and string interpolation (upstream
 * `ExprConcatStrings`), the arithmetic and comparison builtins inlined for the common
 * number case (`__sub`, `__mul`, `__div`, `__lessThan`), `//`, `++`, and the errors of
 * `if`/`assert`/formals.
 */

import type { Pos } from '../source.ts';
import { printErrorValue } from '../print/value-printer.ts';
import { update as updateAttrs } from '../value/attrs.ts';
import * as int from '../value/int.ts';
import { Attrs, Lambda, NixFloat, NixPath, NixStr, Thunk, mkStr, showType, type Value } from '../value/value.ts';
import { canonPath } from '../canon-path.ts';
import { coerceToString } from './coerce.ts';
import { AssertionError, EvalError, MissingArgumentError, NixTypeError } from './errors.ts';
import { forceFloat, forceInt, forceList, tr, typeError } from './force.ts';
import { lessThan as compareLess } from './equal.ts';
import { bestMatches } from './suggestions.ts';
import { enter, leave } from './state.ts';

// ---- + and interpolation -------------------------------------------------------------

const T_STRING = 0;
const T_INT = 1;
const T_FLOAT = 2;
const T_PATH = 3;
const T_OTHER = 4;

/** Incremental `ExprConcatStrings`: parts are added in order, each right after it is evaluated. */
export class Concat {
  type: number;
  first: boolean;
  n: int.NixInt = 0;
  f = 0;
  s = '';
  /** The context of the parts so far: made only when a part has one (most strings have none). */
  ctx: Set<string> | undefined = undefined;
  readonly pos: Pos;

  constructor(forceString: boolean, pos: Pos) {
    this.first = !forceString;
    this.type = T_STRING;
    this.pos = pos;
  }

  add(v: Value, ipos: Pos): void {
    if (this.first) {
      this.type =
        typeof v === 'number' || typeof v === 'bigint' ? T_INT : v instanceof NixFloat ? T_FLOAT : typeof v === 'string' || v instanceof NixStr ? T_STRING : v instanceof NixPath ? T_PATH : T_OTHER;
    }
    if (this.type === T_INT) {
      if (typeof v === 'number' || typeof v === 'bigint') {
        const r = int.add(this.n, v);
        if (r === undefined) throw new EvalError(`integer overflow in adding ${this.n} + ${v}`, ipos);
        this.n = r;
      } else if (v instanceof NixFloat) {
        this.type = T_FLOAT;
        this.f = int.toFloat(this.n) + v.v;
      } else throw new EvalError(`cannot add ${showType(v)} to an integer`, ipos);
    } else if (this.type === T_FLOAT) {
      if (typeof v === 'number' || typeof v === 'bigint') this.f += int.toFloat(v);
      else if (v instanceof NixFloat) this.f += v.v;
      else throw new EvalError(`cannot add ${showType(v)} to a float`, ipos);
    } else if (typeof v === 'string') {
      // What coerceToString does with a plain string (including its call-depth step).
      enter(ipos);
      this.s += v;
      leave();
    } else {
      this.s += coerceToString(ipos, v, (this.ctx ??= new Set()), 'while evaluating a path segment', false, this.type === T_STRING, !this.first);
    }
    this.first = false;
  }

  finish(): Value {
    switch (this.type) {
      case T_INT:
        return this.n;
      case T_FLOAT:
        return new NixFloat(this.f);
      case T_PATH:
        if (this.ctx !== undefined && this.ctx.size > 0) throw new EvalError('a string that refers to a store path cannot be appended to a path', this.pos);
        return new NixPath(canonPath(this.s));
      default:
        return mkStr(flatShort(this.s), this.ctx);
    }
  }
}

/**
 * A short string as one flat string. V8 represents a concatenation of 13 or more characters
 * as a cons (a node pointing at its two halves), so `"item-${toString i}-x"` is three or four
 * objects until something flattens it; interpolated strings are mostly stored (list elements,
 * attribute values), and the young-generation GC copies every one of those objects twice
 * (bench/eval strings: promoted bytes halved). `trim()` flattens its argument and returns
 * the flat string when nothing is trimmed, which the first and last character decide.
 * Longer strings stay ropes: flattening each step of a long `acc + x` chain would be quadratic.
 */
export function flatShort(s: string): string {
  const n = s.length;
  if (n < 13 || n > 512) return s;
  if (isJsSpace(s.charCodeAt(0)) || isJsSpace(s.charCodeAt(n - 1))) return s;
  return s.trim();
}

/** What String.prototype.trim removes, among one-byte characters: TAB, LF, VT, FF, CR, space, NBSP. */
function isJsSpace(c: number): boolean {
  return (c >= 9 && c <= 13) || c === 32 || c === 160;
}

/** `a + b` where both operands are evaluated: the fast paths, else the general rules. */
export function add2(a: Value, b: Value, pa: Pos, pb: Pos, pos: Pos): Value {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (r <= 9007199254740991 && r >= -9007199254740991) return r;
  } else if (typeof a === 'string' && typeof b === 'string') return a + b;
  const c = new Concat(false, pos);
  c.add(a, pa);
  c.add(b, pb);
  return c.finish();
}

/** Whether `a` can go through `add2` without its coercion happening before `b` is evaluated. */
export function addNeedsEarlyCoercion(a: Value): boolean {
  // Numbers and strings first: the operands of nearly every `+`.
  if (typeof a !== 'object') return typeof a === 'boolean';
  return a instanceof Attrs || a instanceof Lambda || Array.isArray(a) || a === null || typeof a === 'boolean';
}

// ---- Inlined arithmetic builtins (errors as from the primops) --------------------------

function arith(name: string, what: string, op: (a: int.NixInt, b: int.NixInt) => int.NixInt | undefined, fop: (a: number, b: number) => number, sym: string, a: Value, b: Value): Value {
  if (a instanceof Thunk) a = a.force();
  if (b instanceof Thunk) b = b.force();
  if (a instanceof NixFloat || b instanceof NixFloat) {
    // Upstream's float path of `mul` says "the first of the multiplication" (sic).
    const first = what === 'multiplication' ? 'while evaluating the first of the multiplication' : `while evaluating the first argument of the ${what}`;
    return new NixFloat(fop(forceFloat(a, undefined, first), forceFloat(b, undefined, `while evaluating the second argument of the ${what}`)));
  }
  const i1 = forceInt(a, undefined, `while evaluating the first argument of the ${what}`);
  const i2 = forceInt(b, undefined, `while evaluating the second argument of the ${what}`);
  const r = op(i1, i2);
  if (r === undefined) throw new EvalError(`integer overflow in ${name} ${i1} ${sym} ${i2}`);
  return r;
}

export function sub(a: Value, b: Value): Value {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (r <= 9007199254740991 && r >= -9007199254740991) return r;
  }
  return arith('subtracting', 'subtraction', int.sub, (x, y) => x - y, '-', a, b);
}

export function mul(a: Value, b: Value): Value {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    if (r <= 9007199254740991 && r >= -9007199254740991) return r + 0;
  }
  return arith('multiplying', 'multiplication', int.mul, (x, y) => x * y, '*', a, b);
}

export function div(a: Value, b: Value): Value {
  // Two (safe) ints and a non-zero divisor: what int.div does for numbers, without the checks.
  if (typeof a === 'number' && typeof b === 'number' && b !== 0) return Math.trunc(a / b) + 0;
  if (a instanceof Thunk) a = a.force();
  if (b instanceof Thunk) b = b.force();
  const f2 = forceFloat(b, undefined, 'while evaluating the second operand of the division');
  if (f2 === 0) throw new EvalError('division by zero');
  if (a instanceof NixFloat || b instanceof NixFloat) {
    return new NixFloat(forceFloat(a, undefined, 'while evaluating the first operand of the division') / f2);
  }
  const i1 = forceInt(a, undefined, 'while evaluating the first operand of the division');
  const i2 = forceInt(b, undefined, 'while evaluating the second operand of the division');
  const r = int.div(i1, i2);
  if (r === undefined) throw new EvalError(`integer overflow in dividing ${i1} / ${i2}`);
  return r;
}

export function lessThan(a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a < b;
  return compareLess(a, b, undefined, '');
}

// ---- //, ++ ---------------------------------------------------------------------------

/** The type error of an operand of `//` (the caller adds "in the left/right operand of '//'"). */
export function notASet(v: Value): NixTypeError {
  return typeError('a set', v);
}

export function update(a: Attrs, b: Attrs): Attrs {
  return updateAttrs(a, b);
}

export function concatLists(a: Value, b: Value, pos: Pos): Value[] {
  const la = forceList(a, pos, 'while evaluating one of the elements to concatenate');
  const lb = forceList(b, pos, 'while evaluating one of the elements to concatenate');
  if (la.length === 0) return lb;
  if (lb.length === 0) return la;
  return la.concat(lb);
}

// ---- Conditions, assertions, formals --------------------------------------------------

/** `if`/`assert`/`!`/`&&`… operand that is not a Boolean (the caller adds the context trace). */
export function notABool(v: Value, pos: Pos): NixTypeError {
  return new NixTypeError(`expected a Boolean but found ${showType(v)}: ${printErrorValue(v)}`, pos);
}

export function assertionFailed(exprText: string, pos: Pos): AssertionError {
  return new AssertionError(`assertion '${exprText}' failed`, pos);
}

function fnLabel(f: Lambda['info']): string {
  return f.name !== undefined ? f.name : 'anonymous lambda';
}

export function missingArgument(info: Lambda['info'], name: string, callPos: Pos | undefined): EvalError {
  const e = new NixTypeError(`function '${fnLabel(info)}' called without required argument '${name}'`, info.pos);
  if (callPos) e.addTrace(callPos, 'from call site');
  e.skipCallTrace = true;
  return e;
}

export function unexpectedArgument(info: Lambda['info'], args: Attrs, callPos: Pos | undefined): EvalError {
  const formals = new Set(info.formals);
  const name = args.keys.find((k) => !formals.has(k))!;
  const e = new NixTypeError(`function '${fnLabel(info)}' called with unexpected argument '${name}'`, info.pos);
  if (callPos) e.addTrace(callPos, 'from call site');
  e.suggestions = bestMatches(info.formals!, name);
  e.skipCallTrace = true;
  return e;
}

export { MissingArgumentError, tr };
