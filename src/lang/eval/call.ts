/**
 * Function application (upstream `EvalState::callFunction`): lambdas one argument at a
 * time, primops once they have `arity` arguments (partial applications otherwise),
 * functors (`__functor`), and upstream's traces: "while calling the 'map' builtin" always,
 * "while calling 'f'" / "from call site" with --show-trace.
 *
 * `call1` is the fast path for the most common case: one argument to a lambda.
 */

import type { Pos } from '../source.ts';
import { printErrorValue } from '../print/value-printer.ts';
import { Attrs, Lambda, Lambda2, PrimOp, PrimOpApp, Thunk, pendingLambda, setAppliers, showType, type Value } from '../value/value.ts';
import { EvalError, NixTypeError } from './errors.ts';
import { forceAttrs, tr } from './force.ts';
import { enter, leave, showTrace } from './state.ts';

const FUNCTOR_CTX = "while calling a functor (an attribute set with a '__functor' attribute)";

function lambdaLabel(f: Lambda): string {
  const n = f.info.name;
  return n !== undefined ? `'${n}'` : 'anonymous lambda';
}

/** Apply a lambda to one argument. */
export function callLambda(f: Lambda, arg: Value, pos: Pos | undefined): Value {
  const info = f.info;
  let attrs: Attrs | undefined;
  if (info.formals !== undefined) {
    try {
      attrs = forceAttrs(arg, info.pos, 'while evaluating the value passed for the lambda argument');
    } catch (e) {
      if (pos) tr(e, pos, 'from call site');
      throw e;
    }
  }
  if (!showTrace) return f.fn(arg, attrs!, pos);
  try {
    return f.fn(arg, attrs!, pos);
  } catch (e) {
    // Argument errors happen before upstream's body try block: no "while calling" frame.
    if (e instanceof EvalError && e.skipCallTrace) {
      e.skipCallTrace = false;
      throw e;
    }
    tr(e, info.pos, `while calling ${lambdaLabel(f)}`);
    if (pos) tr(e, pos, 'from call site');
    throw e;
  }
}

/** Call a primop with exactly `arity` arguments. */
export function callPrimOp(op: PrimOp, args: readonly Value[], pos: Pos | undefined): Value {
  try {
    switch (args.length) {
      case 1:
        return op.fn(pos, args[0]);
      case 2:
        return op.fn(pos, args[0], args[1]);
      case 3:
        return op.fn(pos, args[0], args[1], args[2]);
      default:
        return op.fn(pos, ...args);
    }
  } catch (e) {
    primOpFailed(op, e, pos);
  }
}

/** Rethrow a builtin's error, with upstream's "while calling the 'NAME' builtin" frame where it adds one. */
function primOpFailed(op: PrimOp, e: unknown, pos: Pos | undefined): never {
  if (op.addTrace) tr(e, pos, `while calling the '${op.name}' builtin`);
  throw e;
}

function notAFunction(v: Value, pos: Pos | undefined): NixTypeError {
  return new NixTypeError(`attempt to call something which is not a function but ${showType(v)}: ${printErrorValue(v)}`, pos);
}

/** Upstream `callFunction(fun, args, pos)`. Returns a forced value. */
export function callFunction(fun: Value, args: readonly Value[], pos: Pos | undefined): Value {
  enter(pos);
  const r = applyArgs(fun instanceof Thunk ? fun.force(pos) : fun, args, pos);
  leave();
  return r;
}

/** The loop of callFunction, without the depth accounting. */
function applyArgs(cur: Value, args: readonly Value[], pos: Pos | undefined): Value {
  let i = 0;
  const n = args.length;
  while (i < n) {
    if (cur instanceof Lambda) {
      cur = callLambda(cur, args[i]!, pos);
      i++;
    } else if (cur instanceof PrimOp) {
      const arity = cur.arity;
      if (n - i < arity) {
        cur = new PrimOpApp(cur, args.slice(i));
        break;
      }
      cur = callPrimOp(cur, i === 0 && n === arity ? args : args.slice(i, i + arity), pos);
      i += arity;
    } else if (cur instanceof PrimOpApp) {
      const need = cur.op.arity - cur.args.length;
      if (n - i < need) {
        cur = new PrimOpApp(cur.op, cur.args.concat(args.slice(i)));
        break;
      }
      cur = callPrimOp(cur.op, cur.args.concat(args.slice(i, i + need)), pos);
      i += need;
    } else if (cur instanceof Attrs && cur.has('__functor')) {
      const fi = cur.shape.find('__functor');
      try {
        cur = callFunction(cur.vals[fi]!, [cur, args[i]!], cur.shape.pos[fi]);
      } catch (e) {
        throw tr(e, pos, FUNCTOR_CTX);
      }
      i++;
    } else {
      throw notAFunction(cur, pos);
    }
  }
  return cur;
}

/** `f a`: the common cases (a lambda, a one-argument builtin), without allocating an argument array. */
export function call1(f: Value, a: Value, pos: Pos | undefined): Value {
  if (f instanceof Lambda) {
    enter(pos);
    const r = callLambda(f, a, pos);
    leave();
    return r;
  }
  if (f instanceof PrimOp && f.arity === 1) {
    enter(pos);
    let r: Value;
    try {
      r = f.fn(pos, a);
    } catch (e) {
      primOpFailed(f, e, pos);
    }
    leave();
    return r;
  }
  return callFunction(f, [a], pos);
}

/** `f a b`. */
export function call2(f: Value, a: Value, b: Value, pos: Pos | undefined): Value {
  // Both arguments at once (the same depth accounting; with --show-trace the general path, for its per-lambda frames).
  if (f instanceof Lambda2 && !showTrace) {
    enter(pos);
    const r = f.fn2(a, b);
    leave();
    return r;
  }
  if (f instanceof Lambda) {
    enter(pos);
    const g = callLambda(f, a, pos);
    const r = g instanceof Lambda ? callLambda(g, b, pos) : applyArgs(g, [b], pos);
    leave();
    return r;
  }
  if (f instanceof PrimOp && f.arity === 2) {
    enter(pos);
    let r: Value;
    try {
      r = f.fn(pos, a, b);
    } catch (e) {
      primOpFailed(f, e, pos);
    }
    leave();
    return r;
  }
  // mapAttrs and zipAttrsWith apply their function unforced: a lambda written in place is
  // still a thunk here (a lambdaThunk: forcing cannot fail), and then takes the paths above.
  if (f instanceof Thunk && (f.isDone || pendingLambda(f) !== undefined)) return call2(f.force(), a, b, pos);
  return callFunction(f, [a, b], pos);
}

/** `f a b c`: a three-argument builtin (`substring`, `foldl'`, `replaceStrings`…) without an argument array. */
export function call3(f: Value, a: Value, b: Value, c: Value, pos: Pos | undefined): Value {
  if (f instanceof PrimOp && f.arity === 3) {
    enter(pos);
    let r: Value;
    try {
      r = f.fn(pos, a, b, c);
    } catch (e) {
      primOpFailed(f, e, pos);
    }
    leave();
    return r;
  }
  return callFunction(f, [a, b, c], pos);
}

// The builtins' lazy applications (AppThunk, AppThunk2) call through these.
setAppliers(call1, call2);
