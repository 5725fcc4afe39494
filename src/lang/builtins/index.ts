/**
 * The base environment (upstream `EvalState::createBaseEnv`): constants (`true`,
 * `builtins`, `__currentTime`…), every builtin of the group files (registered globally as
 * `__name` or `name`, and in `builtins` without the `__`), gated by experimental features
 * and pure mode as upstream gates them, and `derivation` (the Nix wrapper, evaluated
 * lazily on first use).
 */

import type { EvalState } from '../eval/state.ts';
import { symbolRank } from '../eval/symbols.ts';
import { AttrsBuilder } from '../value/attrs.ts';
import { PrimOp, Thunk, type Value } from '../value/value.ts';
import { arithBuiltins } from './arith.ts';
import { attrsBuiltins } from './attrs.ts';
import { contextBuiltins } from './context.ts';
import { controlBuiltins } from './control.ts';
import { derivationBuiltins } from './derivation.ts';
import { fetchBuiltins } from './fetch.ts';
import { fsBuiltins } from './fs.ts';
import { listBuiltins } from './list.ts';
import type { BuiltinSpec } from './registry.ts';
import { regexVersionBuiltins } from './regex-version.ts';
import { serialiseBuiltins } from './serialise.ts';
import { stringBuiltins } from './string.ts';
import { typeBuiltins } from './types.ts';

/** The version `builtins.nixVersion` reports: the upstream release whose language tix follows. */
export const NIX_VERSION = '2.36.0';

export const ALL_BUILTINS: readonly BuiltinSpec[] = [
  ...typeBuiltins,
  ...controlBuiltins,
  ...arithBuiltins,
  ...listBuiltins,
  ...attrsBuiltins,
  ...stringBuiltins,
  ...contextBuiltins,
  ...regexVersionBuiltins,
  ...serialiseBuiltins,
  ...fsBuiltins,
  ...derivationBuiltins,
  ...fetchBuiltins,
];

function featureEnabled(st: EvalState, feature: string | undefined): boolean {
  if (feature === undefined) return true;
  const f = st.settings.experimentalFeatures;
  if (f.has(feature)) return true;
  // `flakes` implies `fetch-tree`.
  return feature === 'fetch-tree' && f.has('flakes');
}

/** Fill `st.baseEnv` and `st.builtins`. `derivation` is a thunk over `evalDerivationWrapper`. */
export function createBaseEnv(st: EvalState, evalDerivationWrapper: () => Value): void {
  const env = st.baseEnv;
  const b = new AttrsBuilder();
  const add = (name: string, v: Value): void => {
    symbolRank(name);
    symbolRank(name.startsWith('__') ? name.slice(2) : name);
    env.set(name, v);
    b.add(name.startsWith('__') ? name.slice(2) : name, v);
  };
  // `builtins` refers to the set being built; it is patched in below.
  const host = st.host;
  add('true', true);
  add('false', false);
  add('null', null);
  if (!st.settings.pureEval) {
    add('__currentTime', new Thunk(() => host.currentTime()));
    add('__currentSystem', host.currentSystem);
  }
  add('__nixVersion', NIX_VERSION);
  add('__storeDir', host.storeDir);
  add('__langVersion', 6);
  const nixPath: Value[] = host.nixPath.map((entry) => {
    const eq = entry.indexOf('=');
    const [prefix, path] = eq < 0 ? ['', entry] : [entry.slice(0, eq), entry.slice(eq + 1)];
    return new AttrsBuilder().add('path', path).add('prefix', prefix).finish();
  });
  add('__nixPath', nixPath);
  for (const spec of ALL_BUILTINS) {
    if (!featureEnabled(st, spec.feature)) continue;
    add(spec.name, new PrimOp(spec.name.startsWith('__') ? spec.name.slice(2) : spec.name, spec.arity, spec.fn, spec.doc, spec.addTrace));
  }
  add('derivation', new Thunk(evalDerivationWrapper));
  b.add('builtins', null);
  const builtins = b.finish();
  const i = builtins.shape.find('builtins');
  builtins.vals[i] = builtins;
  env.set('builtins', builtins);
  st.builtins = builtins;
}
