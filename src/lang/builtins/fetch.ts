/**
 * Fetchers: `fetchurl`, `fetchTarball`, `fetchGit`, `fetchTree`, `fetchMercurial`,
 * `fetchClosure`, and the flake helpers. They reach the network and git through the host
 * (`EvalHost.fetch`); without a host fetcher they report that fetching is unavailable.
 */

import { EvalError } from '../eval/errors.ts';
import { forceAttrs, forceStringNoCtx } from '../eval/force.ts';
import { FlakeRefError, flakeRefToString, parseFlakeRef, type FlakeAttrs } from '../lib/flakeref.ts';
import { AttrsBuilder } from '../value/attrs.ts';
import { force, showType, strOf, typeOf, type Value } from '../value/value.ts';
import { prim, type BuiltinSpec } from './registry.ts';

function flakeError(e: unknown): unknown {
  return e instanceof FlakeRefError ? new EvalError(e.message) : e;
}

/** `builtins.parseFlakeRef`: the attributes of a flake reference string. */
function primParseFlakeRef(_pos: unknown, a: Value): Value {
  const url = forceStringNoCtx(a, undefined, 'while evaluating the argument passed to builtins.parseFlakeRef');
  let attrs: FlakeAttrs;
  try {
    attrs = parseFlakeRef(url);
  } catch (e) {
    throw flakeError(e);
  }
  const b = new AttrsBuilder();
  for (const [k, v] of attrs) b.add(k, v);
  return b.finish();
}

/** `builtins.flakeRefToString`: ints (non-negative), Booleans and strings only. */
function primFlakeRefToString(_pos: unknown, a: Value): Value {
  const set = forceAttrs(a, undefined, 'while evaluating the argument passed to builtins.flakeRefToString');
  const attrs: FlakeAttrs = new Map();
  for (let i = 0; i < set.size; i++) {
    const name = set.keys[i]!;
    const v = force(set.vals[i]!, set.shape.pos[i]);
    const t = typeOf(v);
    if (t === 'int') {
      if ((v as number | bigint) < 0) throw new EvalError(`negative value given for flake ref attr ${name}: ${String(v)}`);
      attrs.set(name, v as number | bigint);
    } else if (t === 'bool') attrs.set(name, v as boolean);
    else if (t === 'string') attrs.set(name, strOf(v as string));
    else {
      throw new EvalError(`flake reference attribute sets may only contain integers, Booleans, and strings, but attribute '${name}' is ${showType(v)}`);
    }
  }
  try {
    return flakeRefToString(attrs);
  } catch (e) {
    throw flakeError(e);
  }
}

function unavailable(name: string): (pos: unknown, a: Value) => Value {
  return (_pos, a) => {
    force(a);
    throw new EvalError(`builtins.${name} is not supported by this evaluator yet`);
  };
}

export const fetchBuiltins: BuiltinSpec[] = [
  prim('__fetchurl', 1, 'Download a file into the store.', unavailable('fetchurl')),
  prim('fetchTarball', 1, 'Download and unpack a tarball into the store.', unavailable('fetchTarball')),
  prim('fetchGit', 1, 'Fetch a git repository into the store.', unavailable('fetchGit')),
  prim('fetchMercurial', 1, 'Fetch a Mercurial repository into the store.', unavailable('fetchMercurial')),
  prim('fetchTree', 1, 'Fetch a source tree (generic fetcher).', unavailable('fetchTree'), { feature: 'fetch-tree' }),
  prim('__fetchClosure', 1, 'Fetch a store path closure from a binary cache.', unavailable('fetchClosure'), { feature: 'fetch-closure' }),
  prim('__getFlake', 1, 'Evaluate a flake.', unavailable('getFlake'), { feature: 'flakes' }),
  prim('__parseFlakeRef', 1, 'Parse a flake reference into attributes.', primParseFlakeRef, { feature: 'flakes' }),
  prim('__flakeRefToString', 1, 'Turn flake reference attributes into a string.', primFlakeRefToString, { feature: 'flakes' }),
];
