/**
 * Control and debugging builtins: `throw`, `abort`, `addErrorContext`, `tryEval`, `seq`,
 * `deepSeq`, `trace`, `warn`, `traceVerbose`, `break`, `getEnv`, `genericClosure`.
 */

import { callFunction } from '../eval/call.ts';
import { coerceToString } from '../eval/coerce.ts';
import { forceValueDeep } from '../eval/deep.ts';
import { lessThan } from '../eval/equal.ts';
import { AbortError, EvalError, ThrownError, isCatchable } from '../eval/errors.ts';
import { forceAttrs, forceFunction, forceList, forceString, forceStringNoCtx, tr } from '../eval/force.ts';
import { S, getDepth, setDepth } from '../eval/state.ts';
import { printErrorValue, printValue } from '../print/value-printer.ts';
import { attrsSorted } from '../value/attrs.ts';
import { Attrs, NixStr, force, type Value } from '../value/value.ts';
import { prim, type BuiltinSpec } from './registry.ts';

/** Upstream `EvalState::getAttr`: the attribute or "attribute 'x' missing" with the context as a trace. */
export function getAttrOrThrow(a: Attrs, name: string, ctx: string): Value {
  const i = a.shape.find(name);
  if (i < 0) throw new EvalError(`attribute '${name}' missing`).addTrace(undefined, ctx);
  return a.vals[i]!;
}

/** `warning: …`-style lines as upstream's logger prints them (continuation lines indented under the prefix). */
export function formatLogLine(prefix: string, msg: string, noIndent = false): string {
  if (noIndent) return prefix.trimEnd() + msg.replace(/[ \n\r\t]+$/, '');
  const pad = ' '.repeat(prefix.length);
  return msg
    .replace(/[ \n\r\t]+$/, '')
    .split('\n')
    .map((l, i) => ((i === 0 ? prefix : pad) + l).replace(/[ \t]+$/, ''))
    .join('\n');
}

function trace(_pos: unknown, a: Value, b: Value): Value {
  const v = force(a);
  const text = typeof v === 'string' ? v : v instanceof NixStr ? v.s : printValue(v);
  S().host.log(`trace: ${text}`);
  return force(b);
}

function genericClosure(_pos: unknown, arg: Value): Value {
  const args = forceAttrs(arg, undefined, 'while evaluating the first argument passed to builtins.genericClosure');
  const startSet = getAttrOrThrow(args, 'startSet', 'in the attrset passed as argument to builtins.genericClosure');
  const start = forceList(startSet, undefined, "while evaluating the 'startSet' attribute passed as argument to builtins.genericClosure");
  if (start.length === 0) return start;
  const op = getAttrOrThrow(args, 'operator', 'in the attrset passed as argument to builtins.genericClosure');
  forceFunction(op, undefined, "while evaluating the 'operator' attribute passed as argument to builtins.genericClosure");
  const work: Value[] = [...start];
  const res: Value[] = [];
  // Keys seen so far, kept sorted by upstream's ordering (CompareValues) for a binary search.
  const keys: { k: Value; e: Value }[] = [];
  while (work.length > 0) {
    const e = work.shift()!;
    let ea: Attrs;
    let key: Value;
    try {
      ea = forceAttrs(e, undefined, '');
      key = getAttrOrThrow(ea, 'key', '');
    } catch (err) {
      throw tr(err, undefined, `in genericClosure element ${printErrorValue(force(e))}`);
    }
    key = force(key);
    let lo = 0;
    let hi = keys.length;
    let found = false;
    try {
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const other = keys[mid]!.k;
        if (lessThan(key, other, undefined, '')) hi = mid;
        else if (lessThan(other, key, undefined, '')) lo = mid + 1;
        else {
          found = true;
          break;
        }
      }
    } catch (err) {
      let otherElem: Value | undefined;
      for (const { k, e: oe } of keys) {
        try {
          lessThan(key, k, undefined, '');
        } catch {
          otherElem = oe;
          break;
        }
      }
      if (otherElem !== undefined) {
        tr(err, undefined, `with element ${printErrorValue(force(otherElem))}`);
        tr(err, undefined, `while comparing element ${printErrorValue(force(e))}`);
      } else tr(err, undefined, `while checking key of element ${printErrorValue(force(e))}`);
      throw err;
    }
    if (found) continue;
    keys.splice(lo, 0, { k: key, e });
    res.push(e);
    try {
      const next = forceList(callFunction(op, [e], undefined), undefined, 'while evaluating the return value of the `operator` passed to builtins.genericClosure');
      for (const x of next) {
        force(x);
        work.push(x);
      }
    } catch (err) {
      throw tr(err, undefined, `while calling operator on genericClosure element ${printErrorValue(force(e))}`);
    }
  }
  return res;
}

export const controlBuiltins: BuiltinSpec[] = [
  prim('throw', 1, 'Throw an error message (caught by tryEval).', (_pos, s: Value) => {
    const msg = coerceToString(undefined, s, new Set(), 'while evaluating the error message passed to builtin.throw');
    throw new ThrownError(msg);
  }),
  prim('abort', 1, 'Abort evaluation with an error message.', (_pos, s: Value) => {
    const msg = coerceToString(undefined, s, new Set(), 'while evaluating the error message passed to builtins.abort');
    throw new AbortError(`evaluation aborted with the following error message: '${msg}'`);
  }),
  prim(
    '__addErrorContext',
    2,
    'Evaluate the second argument; if it fails, add the first as context to the error.',
    (_pos, ctx: Value, v: Value) => {
      try {
        return force(v);
      } catch (e) {
        if (!(e instanceof EvalError)) throw e;
        const msg = coerceToString(undefined, ctx, new Set(), 'while evaluating the error message passed to builtins.addErrorContext', false, false);
        e.addTrace(undefined, msg, true);
        throw e;
      }
    },
    { addTrace: false },
  ),
  prim('__tryEval', 1, 'Evaluate shallowly; { success, value } catching only throw and assert failures.', (_pos, e: Value) => {
    const depth = getDepth();
    try {
      force(e);
      return attrsSorted(['success', 'value'], [true, e]);
    } catch (err) {
      if (!isCatchable(err)) throw err;
      setDepth(depth);
      return attrsSorted(['success', 'value'], [false, false]);
    }
  }),
  prim('__seq', 2, 'Evaluate the first argument (shallowly), return the second.', (_pos, a: Value, b: Value) => {
    force(a);
    return force(b);
  }),
  prim('__deepSeq', 2, 'Evaluate the first argument deeply, return the second.', (_pos, a: Value, b: Value) => {
    forceValueDeep(a);
    return force(b);
  }),
  prim('__trace', 2, 'Print the first argument on stderr ("trace: …"), return the second.', trace),
  prim('__warn', 2, 'Print an evaluation warning, return the second argument.', (_pos, m: Value, b: Value) => {
    const s = forceString(m, undefined, 'while evaluating the first argument; the message passed to builtins.warn');
    const msg = typeof s === 'string' ? s : s.s;
    const st = S();
    st.host.log(formatLogLine('evaluation warning: ', msg, msg.startsWith('\n')));
    if (st.settings.abortOnWarn) throw new EvalError('aborting to reveal stack trace of warning, as abort-on-warn is set');
    return force(b);
  }),
  prim('__traceVerbose', 2, 'Like trace when --trace-verbose is set; otherwise return the second argument.', (pos, a: Value, b: Value) =>
    S().settings.traceVerbose ? trace(pos, a, b) : force(b),
  ),
  prim('break', 1, 'A breakpoint for the debugger; returns its argument.', (_pos, v: Value) => force(v)),
  prim('__getEnv', 1, 'The value of an environment variable ("" when unset, and in pure mode).', (_pos, n: Value) => {
    const name = forceStringNoCtx(n, undefined, 'while evaluating the first argument passed to builtins.getEnv');
    const st = S();
    if (st.settings.pureEval || st.settings.restrictEval) return '';
    return st.host.getEnv(name) ?? '';
  }),
  prim('__genericClosure', 1, 'The closure of a start set under an operator, keyed by `key`.', genericClosure),
];
