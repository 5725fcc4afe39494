/**
 * Forcing with a type check, as upstream's `forceInt`, `forceAttrs`, `forceString`… do,
 * including exactly where each adds its `errorCtx` trace: the `forceInt` family wraps the
 * force *and* the check (so a failure while evaluating the value also gets the context),
 * while `forceAttrs`/`forceList` add the context only to the type error.
 */

import type { Pos } from '../source.ts';
import { printErrorValue } from '../print/value-printer.ts';
import { Attrs, Lambda, NixFloat, NixStr, PrimOp, PrimOpApp, Thunk, showType, type Value } from '../value/value.ts';
import type { NixInt } from '../value/int.ts';
import { EvalError, NixTypeError } from './errors.ts';

/** `expected a set but found a list: [ 1 2 ]` */
export function typeError(expected: string, v: Value, pos?: Pos): NixTypeError {
  return new NixTypeError(`expected ${expected} but found ${showType(v)}: ${printErrorValue(v)}`, pos);
}

/** Add a trace to an evaluation error (other exceptions pass untouched) and return it for rethrowing. */
export function tr(e: unknown, pos: Pos | undefined, msg: string): unknown {
  if (e instanceof EvalError) e.addTrace(pos, msg);
  return e;
}

export function forceValue(v: Value, pos?: Pos): Value {
  return v instanceof Thunk ? v.force(pos) : v;
}

export function forceAttrs(v: Value, pos: Pos | undefined, ctx: string): Attrs {
  if (v instanceof Thunk) v = v.force(pos);
  if (v instanceof Attrs) return v;
  throw typeError('a set', v).addTrace(pos, ctx);
}

export function forceList(v: Value, pos: Pos | undefined, ctx: string): Value[] {
  if (v instanceof Thunk) v = v.force(pos);
  if (Array.isArray(v)) return v;
  throw typeError('a list', v).addTrace(pos, ctx);
}

export function forceInt(v: Value, pos: Pos | undefined, ctx: string): NixInt {
  try {
    if (v instanceof Thunk) v = v.force(pos);
    if (typeof v === 'number' || typeof v === 'bigint') return v;
    throw typeError('an integer', v, pos);
  } catch (e) {
    throw tr(e, pos, ctx);
  }
}

/** A float or an int (converted), as upstream `forceFloat`. */
export function forceFloat(v: Value, pos: Pos | undefined, ctx: string): number {
  try {
    if (v instanceof Thunk) v = v.force(pos);
    if (v instanceof NixFloat) return v.v;
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    throw typeError('a float', v, pos);
  } catch (e) {
    throw tr(e, pos, ctx);
  }
}

export function forceBool(v: Value, pos: Pos | undefined, ctx: string): boolean {
  try {
    if (v instanceof Thunk) v = v.force(pos);
    if (typeof v === 'boolean') return v;
    throw typeError('a Boolean', v, pos);
  } catch (e) {
    throw tr(e, pos, ctx);
  }
}

/** A string value (context kept). */
export function forceString(v: Value, pos: Pos | undefined, ctx: string): string | NixStr {
  try {
    if (v instanceof Thunk) v = v.force(pos);
    if (typeof v === 'string' || v instanceof NixStr) return v;
    throw typeError('a string', v, pos);
  } catch (e) {
    throw tr(e, pos, ctx);
  }
}

/** The characters of a string value, context dropped. */
export function forceStr(v: Value, pos: Pos | undefined, ctx: string): string {
  const s = forceString(v, pos, ctx);
  return typeof s === 'string' ? s : s.s;
}

/** A string that must not carry context (attribute names, file names…). */
export function forceStringNoCtx(v: Value, pos: Pos | undefined, ctx: string): string {
  const s = forceString(v, pos, ctx);
  if (typeof s === 'string') return s;
  const first = s.ctx.values().next().value as string;
  throw new EvalError(`the string '${s.s}' is not allowed to refer to a store path (such as '${displayContextElem(first)}')`).addTrace(pos, ctx);
}

/** How upstream's `NixStringContextElem::display` shows a context element. */
export function displayContextElem(elem: string): string {
  if (elem.startsWith('=')) return elem.slice(1);
  if (elem.startsWith('!')) {
    const j = elem.indexOf('!', 1);
    return `${elem.slice(j + 1)}^${elem.slice(1, j)}`;
  }
  return elem;
}

export function isFunctor(v: Value): boolean {
  return v instanceof Attrs && v.has('__functor');
}

export function forceFunction(v: Value, pos: Pos | undefined, ctx: string): Value {
  try {
    if (v instanceof Thunk) v = v.force(pos);
    if (v instanceof Lambda || v instanceof PrimOp || v instanceof PrimOpApp || isFunctor(v)) return v;
    throw typeError('a function', v, pos);
  } catch (e) {
    throw tr(e, pos, ctx);
  }
}
