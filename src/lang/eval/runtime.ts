/**
 * The runtime the generated code calls: one object whose members are destructured into
 * local constants at the top of every compiled file (compile.ts), so each call is a direct
 * call V8 can inline. Also the small helpers that exist only for generated code:
 * dynamic attributes, `__overrides`, `__curPos`.
 */

import type { Pos } from '../source.ts';
import { AttrsBuilder } from '../value/attrs.ts';
import { Attrs, Lambda, Lambda2, Thunk, lambdaThunk, pendingLambda, type Value } from '../value/value.ts';
import { call1, call2, call3, callFunction } from './call.ts';
import { assertEqValues, opEq } from './equal.ts';
import { AssertionError, EvalError } from './errors.ts';
import { forceAttrs, forceStringNoCtx, forceValue, tr } from './force.ts';
import {
  Concat,
  add2,
  addNeedsEarlyCoercion,
  assertionFailed,
  concatLists,
  div,
  lessThan,
  missingArgument,
  mul,
  notABool,
  notASet,
  sub,
  unexpectedArgument,
  update,
} from './ops.ts';
import { NONE, With, hasAttrPath, hasDyn1, lastAttrPos, lastResolved, lookupWith, sel, sel1, selDefaultTrace, selDyn1, selNameTrace, selOr } from './select.ts';
import { enter, leave } from './state.ts';
import { mkPosValue } from './position.ts';
import { formatPos } from '../source.ts';

export const EMPTY_LIST: Value[] = Object.freeze([]) as unknown as Value[];

/** Dynamic attributes (`"${n}" = v;`), added in order after the static ones. */
export class DynAttrs {
  readonly base: Attrs;
  readonly b = new AttrsBuilder();
  readonly seen = new Map<string, Pos | undefined>();

  constructor(base: Attrs) {
    this.base = base;
  }

  add(nameVal: Value, v: Value, pos: Pos, isLambda: boolean): void {
    if (nameVal === null) return;
    const name = forceStringNoCtx(nameVal, pos, 'while evaluating the name of a dynamic attribute');
    const i = this.base.shape.find(name);
    if (i >= 0 || this.seen.has(name)) {
      const prev = i >= 0 ? this.base.shape.pos[i] : this.seen.get(name);
      throw new EvalError(`dynamic attribute '${name}' already defined at ${prev ? formatPos(prev) : '\xc2\xabnone\xc2\xbb:0'}`, pos);
    }
    if (isLambda) {
      const l = v instanceof Lambda ? v : pendingLambda(v);
      if (l !== undefined) l.info.name = name;
    }
    this.seen.set(name, pos);
    this.b.add(name, v, pos);
  }

  finish(pos: Pos): Attrs {
    if (this.b.length === 0) return this.base;
    const base = this.base;
    for (let i = 0; i < base.size; i++) this.b.add(base.keys[i]!, base.vals[i]!, base.shape.pos[i]);
    return this.b.finish(pos);
  }
}

function forceOverrides(v: Value): Attrs {
  return forceAttrs(v, undefined, 'while evaluating the `__overrides` attribute');
}

/** A rec set with its `__overrides` applied (same names replaced, new names added). */
function mergeOverrides(base: Attrs, ov: Attrs, pos: Pos): Attrs {
  const b = new AttrsBuilder();
  for (let i = 0; i < ov.size; i++) b.add(ov.keys[i]!, ov.vals[i]!, ov.shape.pos[i]);
  for (let i = 0; i < base.size; i++) if (!ov.has(base.keys[i]!)) b.add(base.keys[i]!, base.vals[i]!, base.shape.pos[i]);
  return b.finish(pos);
}

function selK(): number {
  return lastResolved;
}

function selKPos(): Pos | undefined {
  return lastAttrPos;
}

/** Force a thunk; an error gets the trace `msg` at `pos` (evCtx of a variable, in one call instead of a try block in the generated code). */
function forceTr(t: Thunk, pos: Pos, msg: string): Value {
  try {
    return t.force(pos);
  } catch (e) {
    throw tr(e, pos, msg);
  }
}

export const RUNTIME = {
  T: Thunk,
  LT: lambdaThunk,
  Attrs,
  Lambda,
  Lambda2,
  With,
  DynAttrs,
  Concat,
  AssertionError,
  EMPTY_LIST,
  NONE,
  force: forceValue,
  forceTr,
  tr,
  notABool,
  notASet,
  lookupWith,
  sel,
  sel1,
  selOr,
  selK,
  selKPos,
  selDefaultTrace,
  hasAttrPath,
  hasDyn1,
  selDyn1,
  selNameTrace,
  call1,
  call2,
  call3,
  callFunction,
  enter,
  leave,
  sub,
  mul,
  div,
  lessThan,
  add2,
  addNeedsEarlyCoercion,
  opEq,
  concatLists,
  update,
  assertEqValues,
  assertionFailed,
  missingArgument,
  unexpectedArgument,
  forceOverrides,
  mergeOverrides,
  mkPos: mkPosValue,
};
