/**
 * List builtins: `map`, `filter`, `foldl'`, `genList`, `length`, `head`, `tail`, `elemAt`,
 * `elem`, `concatLists`, `concatMap`, `all`, `any`, `sort` (stable merge sort that tolerates
 * inconsistent comparators, like upstream's peeksort), `partition`, `groupBy`.
 * Arguments are forced in upstream's order, which decides which error is reported first.
 */

import { call1, call2 } from '../eval/call.ts';
import { eqValues, lessThan } from '../eval/equal.ts';
import { EvalError } from '../eval/errors.ts';
import { forceBool, forceFunction, forceInt, forceList, forceStringNoCtx } from '../eval/force.ts';
import { AttrsBuilder } from '../value/attrs.ts';
import { AppThunk, PrimOp, Thunk, force, type Value } from '../value/value.ts';
import { determinePos } from '../eval/deep.ts';
import { prim, type BuiltinSpec } from './registry.ts';

function forceElem(list: Value[], i: number): Value {
  const v = list[i]!;
  return v instanceof Thunk ? (list[i] = v.force()) : v;
}

function map(_pos: unknown, f: Value, l: Value): Value {
  const list = forceList(l, undefined, 'while evaluating the second argument passed to builtins.map');
  if (list.length === 0) return list;
  const fn = forceFunction(f, undefined, 'while evaluating the first argument passed to builtins.map');
  const out = new Array<Value>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = new AppThunk(fn, list[i]!);
  return out;
}

function filter(_pos: unknown, f: Value, l: Value): Value {
  const list = forceList(l, undefined, 'while evaluating the second argument passed to builtins.filter');
  if (list.length === 0) return list;
  const fn = forceFunction(f, undefined, 'while evaluating the first argument passed to builtins.filter');
  const out: Value[] = [];
  for (let i = 0; i < list.length; i++) {
    const r = call1(fn, list[i]!, undefined);
    if (forceBool(r, undefined, 'while evaluating the return value of the filtering function passed to builtins.filter')) out.push(list[i]!);
  }
  return out.length === list.length ? list : out;
}

function foldl(_pos: unknown, f: Value, nul: Value, l: Value): Value {
  const fn = forceFunction(f, undefined, 'while evaluating the first argument passed to builtins.foldlStrict');
  const list = forceList(l, undefined, 'while evaluating the third argument passed to builtins.foldlStrict');
  if (list.length === 0) return force(nul);
  let acc = nul;
  for (let i = 0; i < list.length; i++) acc = call2(fn, acc, list[i]!, undefined);
  return acc;
}

function genList(_pos: unknown, f: Value, n: Value): Value {
  const len = forceInt(n, undefined, 'while evaluating the second argument passed to builtins.genList');
  if (len < 0 || typeof len === 'bigint') throw new EvalError(`cannot create list of size ${len}`);
  const fn = forceFunction(f, undefined, 'while evaluating the first argument passed to builtins.genList');
  const out = new Array<Value>(len);
  for (let i = 0; i < len; i++) out[i] = new AppThunk(fn, i);
  return out;
}

function elemAt(_pos: unknown, l: Value, n: Value): Value {
  const i = forceInt(n, undefined, "while evaluating the second argument passed to 'builtins.elemAt'");
  const list = forceList(l, undefined, "while evaluating the first argument passed to 'builtins.elemAt'");
  if (i < 0 || i >= list.length) throw new EvalError(`'builtins.elemAt' called with index ${i} on a list of size ${list.length}`);
  return forceElem(list, Number(i));
}

function anyOrAll(any: boolean): BuiltinSpec {
  const name = any ? 'any' : 'all';
  return prim(`__${name}`, 2, any ? 'Whether the predicate holds for some element.' : 'Whether the predicate holds for every element.', (_pos, f: Value, l: Value) => {
    const fn = forceFunction(f, undefined, `while evaluating the first argument passed to builtins.${name}`);
    const list = forceList(l, undefined, `while evaluating the second argument passed to builtins.${name}`);
    const ctx = `while evaluating the return value of the function passed to builtins.${name}`;
    for (const x of list) if (forceBool(call1(fn, x, undefined), undefined, ctx) === any) return any;
    return !any;
  });
}

/** Stable merge sort calling `less` at most O(n log n) times; any comparator yields a permutation. */
function mergeSort(a: Value[], less: (x: Value, y: Value) => boolean): Value[] {
  if (a.length < 2) return a;
  const mid = a.length >> 1;
  const l = mergeSort(a.slice(0, mid), less);
  const r = mergeSort(a.slice(mid), less);
  const out = new Array<Value>(a.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < l.length && j < r.length) out[k++] = less(r[j]!, l[i]!) ? r[j++]! : l[i++]!;
  while (i < l.length) out[k++] = l[i++]!;
  while (j < r.length) out[k++] = r[j++]!;
  return out;
}

/**
 * `sort lessThan` over a list of only (number) ints or only context-free strings, by the
 * engine's sort: equal elements of these types are indistinguishable, so stability cannot
 * show, and both orders agree with `lessThan` (strings hold one char per byte, so UTF-16
 * code-unit order is byte order). Anything else (mixed types, bigints, floats, strings
 * with context) returns undefined and takes the general path, which reports errors as
 * upstream does.
 */
function sortPlain(elems: Value[]): Value[] | undefined {
  const t = typeof elems[0];
  if (t === 'number') {
    // Int32Array when every element fits (the usual case): its sort is 2-3x faster than doubles'.
    let small = true;
    for (let i = 0; i < elems.length; i++) {
      const x = elems[i];
      if (typeof x !== 'number') return undefined;
      if ((x | 0) !== x) small = false;
    }
    const xs = small ? new Int32Array(elems.length) : new Float64Array(elems.length);
    for (let i = 0; i < elems.length; i++) xs[i] = elems[i] as number;
    xs.sort();
    // Written back into the (fresh, generic) array: keeps lists one element kind for V8.
    for (let i = 0; i < elems.length; i++) elems[i] = xs[i]!;
    return elems;
  }
  if (t === 'string') {
    for (let i = 0; i < elems.length; i++) if (typeof elems[i] !== 'string') return undefined;
    return elems.sort();
  }
  return undefined;
}

function sort(_pos: unknown, f: Value, l: Value): Value {
  const list = forceList(l, undefined, 'while evaluating the second argument passed to builtins.sort');
  if (list.length === 0) return list;
  const fn = forceFunction(f, undefined, 'while evaluating the first argument passed to builtins.sort');
  const elems = list.map((_, i) => forceElem(list, i));
  if (fn instanceof PrimOp && fn.name === 'lessThan') {
    const fast = sortPlain(elems);
    if (fast !== undefined) return fast;
    return mergeSort(elems, (x, y) => lessThan(x, y, undefined, 'while evaluating the ordering function passed to builtins.sort'));
  }
  return mergeSort(elems, (x, y) =>
    forceBool(call2(fn, x, y, undefined), undefined, 'while evaluating the return value of the sorting function passed to builtins.sort'),
  );
}

function partition(_pos: unknown, f: Value, l: Value): Value {
  const fn = forceFunction(f, undefined, 'while evaluating the first argument passed to builtins.partition');
  const list = forceList(l, undefined, 'while evaluating the second argument passed to builtins.partition');
  const right: Value[] = [];
  const wrong: Value[] = [];
  for (let i = 0; i < list.length; i++) {
    const x = forceElem(list, i);
    if (forceBool(call1(fn, x, undefined), undefined, 'while evaluating the return value of the partition function passed to builtins.partition')) right.push(x);
    else wrong.push(x);
  }
  return new AttrsBuilder().add('right', right).add('wrong', wrong).finish();
}

function groupBy(_pos: unknown, f: Value, l: Value): Value {
  const fn = forceFunction(f, undefined, 'while evaluating the first argument passed to builtins.groupBy');
  const list = forceList(l, undefined, 'while evaluating the second argument passed to builtins.groupBy');
  const groups = new Map<string, Value[]>();
  for (const x of list) {
    const name = forceStringNoCtx(call1(fn, x, undefined), undefined, 'while evaluating the return value of the grouping function passed to builtins.groupBy');
    let g = groups.get(name);
    if (g === undefined) groups.set(name, (g = []));
    g.push(x);
  }
  const b = new AttrsBuilder();
  for (const [k, v] of groups) b.add(k, v);
  return b.finish();
}

function concatMap(_pos: unknown, f: Value, l: Value): Value {
  const fn = forceFunction(f, undefined, 'while evaluating the first argument passed to builtins.concatMap');
  const list = forceList(l, undefined, 'while evaluating the second argument passed to builtins.concatMap');
  const parts: Value[][] = [];
  let len = 0;
  for (const x of list) {
    const r = forceList(call1(fn, x, undefined), determinePos(fn), 'while evaluating the return value of the function passed to builtins.concatMap');
    parts.push(r);
    len += r.length;
  }
  return flatten(parts, len);
}

function concatLists(_pos: unknown, l: Value): Value {
  const lists = forceList(l, undefined, 'while evaluating the first argument passed to builtins.concatLists');
  let nonEmpty: Value[] | undefined;
  let len = 0;
  const parts: Value[][] = [];
  for (const x of lists) {
    const p = forceList(x, undefined, 'while evaluating a value of the list passed to builtins.concatLists');
    parts.push(p);
    len += p.length;
    if (p.length > 0) nonEmpty = p;
  }
  if (nonEmpty !== undefined && nonEmpty.length === len) return nonEmpty;
  return flatten(parts, len);
}

/** The lists of `parts` (`len` elements in all) in one array, allocated once at its final size. */
function flatten(parts: Value[][], len: number): Value[] {
  const out = new Array<Value>(len);
  let k = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    for (let j = 0; j < p.length; j++) out[k++] = p[j]!;
  }
  return out;
}

export const listBuiltins: BuiltinSpec[] = [
  prim('map', 2, 'Apply a function to every element of a list (lazily).', map),
  prim('__filter', 2, 'The elements of a list for which the predicate returns true.', filter),
  prim("__foldl'", 3, 'Left fold, forcing the accumulator at each step.', foldl),
  prim('__genList', 2, 'The list [ (f 0) … (f (n - 1)) ].', genList),
  prim('__length', 1, 'The number of elements of a list.', (_pos, l: Value) => forceList(l, undefined, 'while evaluating the first argument passed to builtins.length').length),
  prim('__head', 1, 'The first element of a list.', (_pos, l: Value) => {
    const list = forceList(l, undefined, "while evaluating the first argument passed to 'builtins.head'");
    if (list.length === 0) throw new EvalError("'builtins.head' called on an empty list");
    return forceElem(list, 0);
  }),
  prim('__tail', 1, 'A list without its first element.', (_pos, l: Value) => {
    const list = forceList(l, undefined, "while evaluating the first argument passed to 'builtins.tail'");
    if (list.length === 0) throw new EvalError("'builtins.tail' called on an empty list");
    return list.slice(1);
  }),
  prim('__elemAt', 2, 'The element of a list at an index.', elemAt),
  prim('__elem', 2, 'Whether a list contains a value.', (_pos, x: Value, l: Value) => {
    const list = forceList(l, undefined, 'while evaluating the second argument passed to builtins.elem');
    for (const y of list) if (eqValues(x, y, undefined, 'while searching for the presence of the given element in the list')) return true;
    return false;
  }),
  prim('__concatLists', 1, 'Concatenate a list of lists.', concatLists),
  prim('__concatMap', 2, 'Map a function returning lists and concatenate the results.', concatMap),
  anyOrAll(true),
  anyOrAll(false),
  prim('__sort', 2, 'Sort a list with a comparator (stable).', sort),
  prim('__partition', 2, 'Split a list into { right, wrong } by a predicate.', partition),
  prim('__groupBy', 2, 'Group list elements into a set by the name a function returns.', groupBy),
];
