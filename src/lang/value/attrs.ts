/**
 * Building attribute sets: from unsorted entries (listToAttrs, dynamic attributes,
 * builtins), `//` (a merge of two sorted name lists, like upstream's), and removal.
 * Names are compared as byte strings, the order `builtins.attrNames` returns.
 */

import type { Pos } from '../source.ts';
import { Attrs, EMPTY_ATTRS, EMPTY_SHAPE, NO_POSITIONS, Shape, type Value } from './value.ts';

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Accumulates attributes in any order; later `set`s of a name win. */
export class AttrsBuilder {
  readonly names: string[] = [];
  readonly vals: Value[] = [];
  readonly poss: (Pos | undefined)[] = [];

  add(name: string, v: Value, pos?: Pos): this {
    this.names.push(name);
    this.vals.push(v);
    this.poss.push(pos);
    return this;
  }

  get length(): number {
    return this.names.length;
  }

  /** Build the set. With duplicate names, the first occurrence wins (as listToAttrs does). */
  finish(pos?: Pos): Attrs {
    const n = this.names.length;
    if (n === 0) return pos === undefined ? EMPTY_ATTRS : new Attrs(EMPTY_SHAPE, [], pos);
    const idx = Array.from({ length: n }, (_, i) => i);
    const names = this.names;
    // Stable sort keeps the first definition of a duplicate name first (insertion sort for
    // the small sets builtins return: the engine's sort allocates a work array per call).
    if (n > 16) idx.sort((a, b) => cmp(names[a]!, names[b]!));
    else {
      for (let i = 1; i < n; i++) {
        const x = idx[i]!;
        const k = names[x]!;
        let j = i - 1;
        for (; j >= 0 && names[idx[j]!]! > k; j--) idx[j + 1] = idx[j]!;
        idx[j + 1] = x;
      }
    }
    const keys: string[] = [];
    const vals: Value[] = [];
    const poss: (Pos | undefined)[] = [];
    let last: string | undefined;
    let anyPos = false;
    for (const i of idx) {
      const k = names[i]!;
      if (k === last) continue;
      last = k;
      keys.push(k);
      vals.push(this.vals[i]!);
      const p = this.poss[i];
      if (p !== undefined) anyPos = true;
      poss.push(p);
    }
    return new Attrs(new Shape(keys, anyPos ? poss : NO_POSITIONS), vals, pos);
  }
}

/** A set from names that are already sorted and unique. */
export function attrsSorted(keys: readonly string[], vals: Value[], poss?: readonly (Pos | undefined)[]): Attrs {
  return new Attrs(new Shape(keys, poss ?? NO_POSITIONS), vals);
}

/** A set from a plain list of [name, value] pairs in any order. */
export function attrsFrom(entries: Iterable<readonly [string, Value]>): Attrs {
  const b = new AttrsBuilder();
  for (const [k, v] of entries) b.add(k, v);
  return b.finish();
}

/** `a // b`: names of both, values of `b` winning. */
export function update(a: Attrs, b: Attrs): Attrs {
  if (a.size === 0) return b;
  if (b.size === 0) return a;
  const ka = a.keys;
  const kb = b.keys;
  const pa = a.shape.pos;
  const pb = b.shape.pos;
  const na = ka.length;
  const nb = kb.length;
  // One side much smaller (`acc // { x = …; }` in a fold): place its names by binary search
  // and copy the runs between them, instead of comparing every name of the big side.
  if (nb * 8 < na || na * 8 < nb) return updateRuns(a, b);
  // Count first so the result arrays are allocated once at their final size: `acc // { … }`
  // in a fold is the hot path of module-system code, and growing arrays is mostly garbage.
  let common = 0;
  for (let i = 0, j = 0; i < na && j < nb; ) {
    const x = ka[i]!;
    const y = kb[j]!;
    if (x === y) {
      common++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  const n = na + nb - common;
  const keys = new Array<string>(n);
  const vals = new Array<Value>(n);
  if (pa === NO_POSITIONS && pb === NO_POSITIONS) return updateNoPos(a, b, keys, vals);
  const poss = new Array<Pos | undefined>(n);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < na && j < nb) {
    const x = ka[i]!;
    const y = kb[j]!;
    if (x < y) {
      keys[k] = x;
      vals[k] = a.vals[i]!;
      poss[k++] = pa[i++];
    } else {
      if (x === y) i++;
      keys[k] = y;
      vals[k] = b.vals[j]!;
      poss[k++] = pb[j++];
    }
  }
  for (; i < na; i++, k++) {
    keys[k] = ka[i]!;
    vals[k] = a.vals[i]!;
    poss[k] = pa[i];
  }
  for (; j < nb; j++, k++) {
    keys[k] = kb[j]!;
    vals[k] = b.vals[j]!;
    poss[k] = pb[j];
  }
  // Upstream's result keeps the position of neither operand's set expression.
  return new Attrs(new Shape(keys, poss), vals, b.pos ?? a.pos);
}

/** The merge of `update` for two sets without positions (only names and values to copy). */
function updateNoPos(a: Attrs, b: Attrs, keys: string[], vals: Value[]): Attrs {
  const ka = a.keys;
  const kb = b.keys;
  const na = ka.length;
  const nb = kb.length;
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < na && j < nb) {
    const x = ka[i]!;
    const y = kb[j]!;
    if (x < y) {
      keys[k] = x;
      vals[k++] = a.vals[i++]!;
    } else {
      if (x === y) i++;
      keys[k] = y;
      vals[k++] = b.vals[j++]!;
    }
  }
  for (; i < na; i++, k++) {
    keys[k] = ka[i]!;
    vals[k] = a.vals[i]!;
  }
  for (; j < nb; j++, k++) {
    keys[k] = kb[j]!;
    vals[k] = b.vals[j]!;
  }
  return new Attrs(new Shape(keys, NO_POSITIONS), vals, b.pos ?? a.pos);
}

/** Index of the first name in `keys[lo..]` that is not below `name` (binary search). */
function lowerBound(keys: readonly string[], lo: number, name: string): number {
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `update` when one side is small: the small side's names are found in the big side by
 * binary search, and the runs of the big side between them are copied without comparing.
 * When every name of `b` is already in `a`, the result shares `a`'s names (and its Shape,
 * with its lookup index, when neither side has positions).
 */
function updateRuns(a: Attrs, b: Attrs): Attrs {
  const bSmall = b.size <= a.size;
  const big = bSmall ? a : b;
  const small = bSmall ? b : a;
  const kl = big.keys;
  const ks = small.keys;
  const nl = kl.length;
  const ns = ks.length;
  // at[j]: where small name j goes in the big side; same[j]: whether it is there already.
  const at = new Int32Array(ns);
  const same = new Uint8Array(ns);
  let common = 0;
  for (let j = 0, lo = 0; j < ns; j++) {
    const name = ks[j]!;
    lo = lowerBound(kl, lo, name);
    at[j] = lo;
    if (lo < nl && kl[lo] === name) {
      same[j] = 1;
      common++;
    }
  }
  const pl = big.shape.pos;
  const ps = small.shape.pos;
  const noPos = pl === NO_POSITIONS && ps === NO_POSITIONS;
  const pos = b.pos ?? a.pos;
  if (bSmall && common === ns) {
    // Only replacements: a's names, b's values (and positions) at their places.
    const vals = big.vals.slice();
    for (let j = 0; j < ns; j++) vals[at[j]!] = small.vals[j]!;
    if (noPos) return new Attrs(big.shape, vals, pos);
    const poss: (Pos | undefined)[] = pl === NO_POSITIONS ? new Array<Pos | undefined>(nl).fill(undefined) : pl.slice();
    for (let j = 0; j < ns; j++) poss[at[j]!] = ps[j];
    return new Attrs(new Shape(kl, poss), vals, pos);
  }
  const n = nl + ns - common;
  const keys = new Array<string>(n);
  const vals = new Array<Value>(n);
  const poss = noPos ? undefined : new Array<Pos | undefined>(n);
  const vl = big.vals;
  const vs = small.vals;
  let i = 0;
  let k = 0;
  for (let j = 0; j < ns; j++) {
    const stop = at[j]!;
    for (; i < stop; i++, k++) {
      keys[k] = kl[i]!;
      vals[k] = vl[i]!;
      if (poss !== undefined) poss[k] = pl[i];
    }
    // On a common name the value (and position) of `b` wins.
    const fromSmall = !same[j] || bSmall;
    keys[k] = ks[j]!;
    vals[k] = fromSmall ? vs[j]! : vl[i]!;
    if (poss !== undefined) poss[k] = fromSmall ? ps[j] : pl[i];
    k++;
    if (same[j]) i++;
  }
  for (; i < nl; i++, k++) {
    keys[k] = kl[i]!;
    vals[k] = vl[i]!;
    if (poss !== undefined) poss[k] = pl[i];
  }
  return new Attrs(new Shape(keys, poss ?? NO_POSITIONS), vals, pos);
}

/** `a` without the given names. */
export function removeAttrs(a: Attrs, names: ReadonlySet<string>): Attrs {
  const keys: string[] = [];
  const vals: Value[] = [];
  const poss: (Pos | undefined)[] = [];
  const ka = a.keys;
  for (let i = 0; i < ka.length; i++) {
    if (names.has(ka[i]!)) continue;
    keys.push(ka[i]!);
    vals.push(a.vals[i]!);
    poss.push(a.shape.pos[i]);
  }
  if (keys.length === ka.length) return a;
  return new Attrs(new Shape(keys, poss), vals, a.pos);
}

/** A set with the same names (and positions) as `a` and new values. */
export function withValues(a: Attrs, vals: Value[]): Attrs {
  return new Attrs(a.shape, vals, a.pos);
}
