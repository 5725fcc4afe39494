/**
 * How builtins are declared: each group file (list.ts, attrs.ts, string.ts…) exports an array
 * of `BuiltinSpec`s made with `prim(name, arity, doc, fn)`, the one-line doc beside the
 * implementation. Names follow upstream's registration: `__foo` is global as `__foo` and
 * `builtins.foo`; a name without `__` (`map`, `toString`) is global under that name too.
 */

import type { PrimFn } from '../value/value.ts';

export interface BuiltinSpec {
  readonly name: string;
  readonly arity: number;
  readonly doc: string;
  readonly fn: PrimFn;
  /** Upstream `addTrace` (default true): errors get "while calling the 'NAME' builtin". */
  readonly addTrace: boolean;
  /** Experimental feature that must be enabled for the builtin to exist. */
  readonly feature?: string;
}

export function prim(name: string, arity: number, doc: string, fn: PrimFn, opts: { addTrace?: boolean; feature?: string } = {}): BuiltinSpec {
  return { name, arity, doc, fn, addTrace: opts.addTrace ?? true, feature: opts.feature };
}

/** "first", "second"… as upstream's messages count arguments. */
export const ORDINAL = ['first', 'second', 'third', 'fourth'] as const;
