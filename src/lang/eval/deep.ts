/**
 * Deep forcing (upstream `forceValueDeep`, used by `deepSeq` and `--strict`): every list
 * element and attribute value, each level counting towards max-call-depth, with
 * "while evaluating the attribute 'x'" / "while evaluating list element at index N" traces.
 */

import type { Pos } from '../source.ts';
import { AppThunk, AppThunk2, Attrs, Lambda, Thunk, type Value } from '../value/value.ts';
import { tr } from './force.ts';
import { symbolOrder } from './symbols.ts';
import { enter, leave } from './state.ts';

/** Upstream `Value::determinePos`: a set's or lambda's own position. */
export function determinePos(v: Value, fallback?: Pos): Pos | undefined {
  if (v instanceof Thunk) {
    if (v.isDone) v = v.force();
    else return v instanceof AppThunk || v instanceof AppThunk2 ? (v.fpos ?? fallback) : fallback;
  }
  if (v instanceof Attrs) return v.pos ?? fallback;
  if (v instanceof Lambda) return v.info.pos;
  return fallback;
}

export function forceValueDeep(v: Value): Value {
  const seen = new Set<object>();
  const rec = (slot: Value): Value => {
    enter(determinePos(slot));
    if (typeof slot === 'object' && slot !== null && seen.has(slot)) {
      leave();
      return slot instanceof Thunk ? slot.force() : slot;
    }
    const x = slot instanceof Thunk ? slot.force(determinePos(slot)) : slot;
    // Only slots holding sets and lists are remembered: a leaf seen again would just be
    // forced again (a no-op), and a list of a million numbers need not fill the set.
    if (x instanceof Attrs) {
      seen.add(slot as object);
      if (x !== slot) seen.add(x);
      const keys = x.keys;
      for (const i of symbolOrder(keys)) {
        try {
          rec(x.vals[i]!);
        } catch (e) {
          throw tr(e, x.shape.pos[i], `while evaluating the attribute '${keys[i]}'`);
        }
      }
    } else if (Array.isArray(x)) {
      seen.add(slot as object);
      if (x !== slot) seen.add(x);
      for (let i = 0; i < x.length; i++) {
        try {
          rec(x[i]!);
        } catch (e) {
          throw tr(e, undefined, `while evaluating list element at index ${i}`);
        }
      }
    }
    leave();
    return x;
  };
  return rec(v);
}
