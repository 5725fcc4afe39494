/**
 * Attribute-set builtins: `attrNames`, `attrValues`, `getAttr`, `hasAttr`, `removeAttrs`,
 * `listToAttrs`, `intersectAttrs`, `catAttrs`, `functionArgs`, `mapAttrs`, `zipAttrsWith`,
 * `unsafeGetAttrPos`.
 */

import { NixTypeError } from '../eval/errors.ts';
import { forceAttrs, forceFunction, forceList, forceStringNoCtx } from '../eval/force.ts';
import { mkPosValue } from '../eval/position.ts';
import type { Pos } from '../source.ts';
import { AttrsBuilder, removeAttrs } from '../value/attrs.ts';
import { AppThunk2, Attrs, Lambda, PrimOp, PrimOpApp, Shape, force, type Value } from '../value/value.ts';
import { determinePos } from '../eval/deep.ts';
import { getAttrOrThrow } from './control.ts';
import { prim, type BuiltinSpec } from './registry.ts';

function listToAttrs(_pos: unknown, l: Value): Value {
  const list = forceList(l, undefined, 'while evaluating the argument passed to builtins.listToAttrs');
  const entries: { name: string; elem: Attrs; i: number }[] = [];
  for (let i = 0; i < list.length; i++) {
    const a = forceAttrs(list[i]!, undefined, 'while evaluating an element of the list passed to builtins.listToAttrs');
    const j = a.shape.find('name');
    if (j < 0) getAttrOrThrow(a, 'name', 'in a {name=...; value=...;} pair');
    const name = forceStringNoCtx(a.vals[j]!, a.shape.pos[j], 'while evaluating the `name` attribute of an element of the list passed to builtins.listToAttrs');
    entries.push({ name, elem: a, i });
  }
  entries.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : x.i - y.i));
  const keys: string[] = [];
  const vals: Value[] = [];
  const poss: (Pos | undefined)[] = [];
  let prev: string | undefined;
  for (const e of entries) {
    if (e.name === prev) continue;
    const j = e.elem.shape.find('value');
    if (j < 0) getAttrOrThrow(e.elem, 'value', 'in a {name=...; value=...;} pair');
    prev = e.name;
    keys.push(e.name);
    vals.push(e.elem.vals[j]!);
    poss.push(e.elem.shape.pos[j]);
  }
  return new Attrs(new Shape(keys, poss), vals);
}

function intersectAttrs(_pos: unknown, x: Value, y: Value): Value {
  const left = forceAttrs(x, undefined, 'while evaluating the first argument passed to builtins.intersectAttrs');
  const right = forceAttrs(y, undefined, 'while evaluating the second argument passed to builtins.intersectAttrs');
  const keys: string[] = [];
  const vals: Value[] = [];
  const poss: (Pos | undefined)[] = [];
  for (let i = 0; i < right.size; i++) {
    const k = right.keys[i]!;
    if (left.has(k)) {
      keys.push(k);
      vals.push(right.vals[i]!);
      poss.push(right.shape.pos[i]);
    }
  }
  return new Attrs(new Shape(keys, poss), vals);
}

function functionArgs(_pos: unknown, f: Value): Value {
  const v = force(f);
  if (v instanceof PrimOp || v instanceof PrimOpApp) return new Attrs(new Shape([], []), []);
  if (!(v instanceof Lambda)) throw new NixTypeError("'functionArgs' requires a function");
  const info = v.info;
  if (info.formals === undefined) return new Attrs(new Shape([], []), []);
  const b = new AttrsBuilder();
  const formals = info.ast.formals!.formals;
  for (let i = 0; i < formals.length; i++) b.add(formals[i]!.name, info.hasDefault![i]!, { source: info.pos.source, offset: formals[i]!.pos });
  return b.finish();
}

function mapAttrs(_pos: unknown, f: Value, s: Value): Value {
  const a = forceAttrs(s, undefined, 'while evaluating the second argument passed to builtins.mapAttrs');
  const keys = a.keys;
  const vals = new Array<Value>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    // mapAttrs does not evaluate f, so its applications have no position (as upstream).
    vals[i] = new AppThunk2(undefined, f, keys[i]!, a.vals[i]!);
  }
  return new Attrs(a.shape.withoutPositions(), vals);
}

function zipAttrsWith(_pos: unknown, f: Value, l: Value): Value {
  forceFunction(f, undefined, 'while evaluating the first argument passed to builtins.zipAttrsWith');
  const list = forceList(l, undefined, 'while evaluating the second argument passed to builtins.zipAttrsWith');
  const groups = new Map<string, Value[]>();
  for (const x of list) {
    const a = forceAttrs(x, undefined, 'while evaluating a value of the list passed as second argument to builtins.zipAttrsWith');
    for (let i = 0; i < a.size; i++) {
      const k = a.keys[i]!;
      let g = groups.get(k);
      if (g === undefined) groups.set(k, (g = []));
      g.push(a.vals[i]!);
    }
  }
  const b = new AttrsBuilder();
  const fpos = determinePos(force(f));
  for (const [k, vs] of groups) b.add(k, new AppThunk2(fpos, f, k, vs));
  return b.finish();
}

function catAttrs(_pos: unknown, n: Value, l: Value): Value {
  const name = forceStringNoCtx(n, undefined, 'while evaluating the first argument passed to builtins.catAttrs');
  const list = forceList(l, undefined, 'while evaluating the second argument passed to builtins.catAttrs');
  const out: Value[] = [];
  for (const x of list) {
    const a = forceAttrs(x, undefined, 'while evaluating an element in the list passed as second argument to builtins.catAttrs');
    const v = a.get(name);
    if (v !== undefined) out.push(v);
  }
  return out;
}

export const attrsBuiltins: BuiltinSpec[] = [
  prim('__attrNames', 1, 'The names of a set, sorted.', (_pos, s: Value) => [...forceAttrs(s, undefined, 'while evaluating the argument passed to builtins.attrNames').keys]),
  prim('__attrValues', 1, 'The values of a set, in the order of attrNames.', (_pos, s: Value) => [...forceAttrs(s, undefined, 'while evaluating the argument passed to builtins.attrValues').vals]),
  prim('__getAttr', 2, 'The attribute of a set with the given name (dynamic `.`).', (_pos, n: Value, s: Value) => {
    const name = forceStringNoCtx(n, undefined, 'while evaluating the first argument passed to builtins.getAttr');
    const a = forceAttrs(s, undefined, 'while evaluating the second argument passed to builtins.getAttr');
    const i = a.shape.find(name);
    if (i < 0) getAttrOrThrow(a, name, 'in the attribute set under consideration');
    return a.forceAt(i);
  }),
  prim('__hasAttr', 2, 'Whether a set has an attribute (dynamic `?`).', (_pos, n: Value, s: Value) => {
    const name = forceStringNoCtx(n, undefined, 'while evaluating the first argument passed to builtins.hasAttr');
    return forceAttrs(s, undefined, 'while evaluating the second argument passed to builtins.hasAttr').has(name);
  }),
  prim('removeAttrs', 2, 'A set without the listed attributes.', (_pos, s: Value, l: Value) => {
    const a = forceAttrs(s, undefined, 'while evaluating the first argument passed to builtins.removeAttrs');
    const list = forceList(l, undefined, 'while evaluating the second argument passed to builtins.removeAttrs');
    const names = new Set<string>();
    for (const x of list) names.add(forceStringNoCtx(x, undefined, 'while evaluating the values of the second argument passed to builtins.removeAttrs'));
    return removeAttrs(a, names);
  }),
  prim('__listToAttrs', 1, 'A set from a list of { name, value } pairs (first occurrence wins).', listToAttrs),
  prim('__intersectAttrs', 2, 'The attributes of the second set whose names are in the first.', intersectAttrs),
  prim('__catAttrs', 2, 'The values of the named attribute in each set of a list that has it.', catAttrs),
  prim('__functionArgs', 1, 'The formal arguments of a function: name → whether it has a default.', functionArgs),
  prim('__mapAttrs', 2, 'Apply f name value to every attribute (lazily).', mapAttrs),
  prim('__zipAttrsWith', 2, 'Merge a list of sets, applying f name [values] per name.', zipAttrsWith),
  prim('__unsafeGetAttrPos', 2, 'The { file, line, column } where an attribute is defined, or null.', (_pos, n: Value, s: Value) => {
    const name = forceStringNoCtx(n, undefined, 'while evaluating the first argument passed to builtins.unsafeGetAttrPos');
    const a = forceAttrs(s, undefined, 'while evaluating the second argument passed to builtins.unsafeGetAttrPos');
    const i = a.shape.find(name);
    if (i < 0) return null;
    return mkPosValue(a.shape.pos[i]);
  }),
];
