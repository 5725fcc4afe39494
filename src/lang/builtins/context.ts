/**
 * String-context builtins (upstream primops/context.cc): `getContext`, `appendContext`,
 * `hasContext`, `unsafeDiscardStringContext`, `unsafeDiscardOutputDependency`,
 * `addDrvOutputDependencies`. Context elements are strings: `/nix/store/…` (opaque),
 * `=/nix/store/….drv` (derivation closure), `!out!/nix/store/….drv` (an output).
 */

import { coerceToString } from '../eval/coerce.ts';
import { EvalError } from '../eval/errors.ts';
import { forceAttrs, forceBool, forceList, forceString, forceStringNoCtx } from '../eval/force.ts';
import { S } from '../eval/state.ts';
import { AttrsBuilder } from '../value/attrs.ts';
import { ctxOf, mkStr, strOf, type Value } from '../value/value.ts';
import { prim, type BuiltinSpec } from './registry.ts';

export function isStorePathString(p: string): boolean {
  const dir = S().host.storeDir + '/';
  if (!p.startsWith(dir)) return false;
  const base = p.slice(dir.length);
  return /^[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-._?=]+$/.test(base) && !base.includes('/');
}

function getContext(_pos: unknown, a: Value): Value {
  const s = forceString(a, undefined, 'while evaluating the argument passed to builtins.getContext');
  const infos = new Map<string, { path: boolean; all: boolean; outputs: string[] }>();
  const info = (p: string) => {
    let i = infos.get(p);
    if (i === undefined) infos.set(p, (i = { path: false, all: false, outputs: [] }));
    return i;
  };
  for (const c of ctxOf(s)) {
    if (c.startsWith('=')) info(c.slice(1)).all = true;
    else if (c.startsWith('!')) {
      const j = c.indexOf('!', 1);
      info(c.slice(j + 1)).outputs.push(c.slice(1, j));
    } else info(c).path = true;
  }
  const b = new AttrsBuilder();
  for (const [p, i] of infos) {
    const ib = new AttrsBuilder();
    if (i.path) ib.add('path', true);
    if (i.all) ib.add('allOutputs', true);
    if (i.outputs.length > 0) ib.add('outputs', i.outputs.sort());
    b.add(p, ib.finish());
  }
  return b.finish();
}

function appendContext(_pos: unknown, a: Value, c: Value): Value {
  const orig = forceString(a, undefined, 'while evaluating the first argument passed to builtins.appendContext');
  const ctx = new Set(ctxOf(orig));
  const attrs = forceAttrs(c, undefined, 'while evaluating the second argument passed to builtins.appendContext');
  for (let k = 0; k < attrs.size; k++) {
    const name = attrs.keys[k]!;
    const ipos = attrs.shape.pos[k];
    if (!isStorePathString(name)) throw new EvalError(`context key '${name}' is not a store path`, ipos);
    const v = forceAttrs(attrs.vals[k]!, ipos, 'while evaluating the value of a string context');
    const pi = v.shape.find('path');
    if (pi >= 0 && forceBool(v.vals[pi]!, v.shape.pos[pi], 'while evaluating the `path` attribute of a string context')) ctx.add(name);
    const ai = v.shape.find('allOutputs');
    if (ai >= 0 && forceBool(v.vals[ai]!, v.shape.pos[ai], 'while evaluating the `allOutputs` attribute of a string context')) {
      if (!name.endsWith('.drv')) throw new EvalError(`tried to add all-outputs context of ${name}, which is not a derivation, to a string`, ipos);
      ctx.add('=' + name);
    }
    const oi = v.shape.find('outputs');
    if (oi >= 0) {
      const opos = v.shape.pos[oi];
      const outs = forceList(v.vals[oi]!, opos, 'while evaluating the `outputs` attribute of a string context');
      if (outs.length > 0 && !name.endsWith('.drv')) throw new EvalError(`tried to add derivation output context of ${name}, which is not a derivation, to a string`, ipos);
      for (const o of outs) ctx.add(`!${forceStringNoCtx(o, opos, 'while evaluating an output name within a string context')}!${name}`);
    }
  }
  return mkStr(strOf(orig), ctx);
}

function addDrvOutputDependencies(_pos: unknown, a: Value): Value {
  const ctx = new Set<string>();
  const s = coerceToString(undefined, a, ctx, 'while evaluating the argument passed to builtins.addDrvOutputDependencies');
  if (ctx.size !== 1) throw new EvalError(`context of string '${s}' must have exactly one element, but has ${ctx.size}`);
  const c = [...ctx][0]!;
  if (c.startsWith('!')) {
    const j = c.indexOf('!', 1);
    throw new EvalError(`\`addDrvOutputDependencies\` can only act on derivations, not on a derivation output such as '${c.slice(1, j)}'`);
  }
  if (c.startsWith('=')) return mkStr(s, ctx);
  if (!c.endsWith('.drv')) throw new EvalError(`path '${c}' is not a derivation`);
  return mkStr(s, new Set(['=' + c]));
}

export const contextBuiltins: BuiltinSpec[] = [
  prim('__unsafeDiscardStringContext', 1, 'The string without its context.', (_pos, a: Value) =>
    coerceToString(undefined, a, new Set(), 'while evaluating the argument passed to builtins.unsafeDiscardStringContext'),
  ),
  prim('__hasContext', 1, 'Whether a string has a non-empty context.', (_pos, a: Value) => ctxOf(forceString(a, undefined, 'while evaluating the argument passed to builtins.hasContext')).size > 0),
  prim('__unsafeDiscardOutputDependency', 1, 'Turn "all outputs of this .drv" context into a plain reference to the .drv.', (_pos, a: Value) => {
    const ctx = new Set<string>();
    const s = coerceToString(undefined, a, ctx, 'while evaluating the argument passed to builtins.unsafeDiscardOutputDependency');
    return mkStr(s, new Set([...ctx].map((c) => (c.startsWith('=') ? c.slice(1) : c))));
  }),
  prim('__addDrvOutputDependencies', 1, 'Turn a plain .drv reference into an "all outputs" dependency.', addDrvOutputDependencies),
  prim('__getContext', 1, 'The context of a string as a set: path → { path, allOutputs, outputs }.', getContext),
  prim('__appendContext', 2, 'Add context (in getContext form) to a string.', appendContext),
];
