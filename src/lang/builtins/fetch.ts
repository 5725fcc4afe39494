/**
 * Fetchers: `fetchurl`, `fetchTarball`, `fetchGit`, `fetchTree`, `fetchMercurial`,
 * `fetchClosure`, and the flake helpers. They reach the network and git through the host
 * (`EvalHost.fetch`); without a host fetcher they report that fetching is unavailable.
 */

import { EvalError } from '../eval/errors.ts';
import { force, type Value } from '../value/value.ts';
import { prim, type BuiltinSpec } from './registry.ts';

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
  prim('__parseFlakeRef', 1, 'Parse a flake reference into attributes.', unavailable('parseFlakeRef'), { feature: 'flakes' }),
  prim('__flakeRefToString', 1, 'Turn flake reference attributes into a string.', unavailable('flakeRefToString'), { feature: 'flakes' }),
];
