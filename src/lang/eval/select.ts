/**
 * Attribute selection `e.a.b`, `e.a or d`, `e ? a.b` and `with` lookups, with upstream's
 * traces (ExprSelect::eval): "while evaluating the attribute 'a.b'" at the selection,
 * "from the definition of 'a'" at the attribute's definition, "attribute 'x' missing" with
 * "Did you mean …" suggestions.
 *
 * A path is an array of static names and, for `${e}` components, closures that evaluate
 * the name expression (evaluated lazily, in order, as upstream does).
 */

import type { AttrName } from '../ast.ts';
import type { Pos } from '../source.ts';
import { printLiteralString } from '../print/literal.ts';
import { Attrs, Thunk, type Value } from '../value/value.ts';
import { EvalError, UndefinedVarError } from './errors.ts';
import { forceAttrs, forceStringNoCtx } from './force.ts';
import { bestMatches } from './suggestions.ts';

export type PathElem = string | (() => Value);

/** Static information about one selection site. */
export interface SelectInfo {
  /** Position of the select expression. */
  readonly pos: Pos;
  /** Position of each dynamic component's expression (for "while evaluating an attribute name"). */
  readonly namePos: readonly (Pos | undefined)[];
  readonly attrPath: readonly AttrName[];
  /** Shows an expression as `--parse` does (for dynamic names that fail to evaluate). */
  readonly show: (i: number) => string;
}

/** Whether a position is inside the internal derivation wrapper (its definitions are not shown). */
export let isInternalPos: (p: Pos) => boolean = () => false;
export function setInternalPosCheck(f: (p: Pos) => boolean): void {
  isInternalPos = f;
}

function nameOf(e: PathElem, i: number, S: SelectInfo): string {
  if (typeof e === 'string') return e;
  return forceStringNoCtx(e(), S.namePos[i], 'while evaluating an attribute name');
}

/** Upstream `showAttrSelectionPath`: names printed as identifiers; unevaluable ones as `"${expr}"`. */
function showPath(path: readonly PathElem[], n: number, S: SelectInfo): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = path[i]!;
    let name: string;
    try {
      name = nameOf(e, i, S);
    } catch {
      parts.push(`"\${${S.show(i)}}"`);
      continue;
    }
    parts.push(printIdent(name));
  }
  return parts.join('.');
}

function printIdent(s: string): string {
  // Same rules as the symbol printer (printIdentifier) used for selection paths.
  if (/^[a-zA-Z_][a-zA-Z0-9_'-]*$/.test(s) && !['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit'].includes(s)) return s;
  return printLiteralString(s);
}

function missing(a: Attrs, name: string): EvalError {
  const e = new EvalError(`attribute '${name}' missing`);
  e.suggestions = bestMatches(a.keys, name);
  return e;
}

/** Sentinel returned by `selOr` when the path does not resolve. */
export const NONE: unique symbol = Symbol('none');

/** Progress of the last `selOr` that returned NONE: resolved components and the last definition's position. */
export let lastResolved = 0;
export let lastAttrPos: Pos | undefined;

function addSelectTraces(e: unknown, path: readonly PathElem[], S: SelectInfo, resolved: number, attrPos: Pos | undefined): unknown {
  if (!(e instanceof EvalError)) return e;
  if (attrPos !== undefined && !isInternalPos(attrPos)) e.addTrace(attrPos, `from the definition of '${showPath(path, resolved, S)}'`);
  e.addTrace(S.pos, `while evaluating the attribute '${showPath(path, path.length, S)}'`);
  return e;
}

/** `o.a.b.c` where `o` is the evaluated left-hand side. Returns the forced value. */
export function sel(o: Value, path: readonly PathElem[], S: SelectInfo): Value {
  let cur = o;
  let attrPos: Pos | undefined;
  let resolved = 0;
  try {
    for (let i = 0; i < path.length; i++) {
      const name = nameOf(path[i]!, i, S);
      const a = forceAttrs(cur, S.pos, 'while selecting an attribute');
      const j = a.shape.find(name);
      if (j < 0) throw missing(a, name);
      cur = a.vals[j]!;
      attrPos = a.shape.pos[j];
      resolved = i + 1;
      if (cur instanceof Thunk && i + 1 < path.length) cur = a.vals[j] = cur.force(S.pos);
    }
    if (cur instanceof Thunk) cur = cur.force(attrPos ?? S.pos);
    return cur;
  } catch (e) {
    throw addSelectTraces(e, path, S, resolved, attrPos);
  }
}

/** `o.name` with one static name: the hot path. */
export function sel1(o: Value, name: string, path: readonly PathElem[], S: SelectInfo): Value {
  if (o instanceof Attrs) {
    const j = o.shape.find(name);
    if (j >= 0) {
      const v = o.vals[j]!;
      if (!(v instanceof Thunk)) return v;
      if (v.isDone) return (o.vals[j] = v.force());
    }
  }
  return sel(o, path, S);
}

/** `o.a.b or …`: the forced value, or NONE (then `lastResolved`/`lastAttrPos` say how far it got). */
export function selOr(o: Value, path: readonly PathElem[], S: SelectInfo): Value | typeof NONE {
  let cur = o;
  let attrPos: Pos | undefined;
  let resolved = 0;
  try {
    for (let i = 0; i < path.length; i++) {
      const name = nameOf(path[i]!, i, S);
      if (cur instanceof Thunk) cur = cur.force(S.pos);
      const j = cur instanceof Attrs ? cur.shape.find(name) : -1;
      if (j < 0) {
        lastResolved = resolved;
        lastAttrPos = attrPos;
        return NONE;
      }
      const a = cur as Attrs;
      cur = a.vals[j]!;
      attrPos = a.shape.pos[j];
      resolved = i + 1;
      if (cur instanceof Thunk && i + 1 < path.length) cur = a.vals[j] = cur.force(S.pos);
    }
    if (cur instanceof Thunk) cur = cur.force(attrPos ?? S.pos);
    return cur;
  } catch (e) {
    throw addSelectTraces(e, path, S, resolved, attrPos);
  }
}

/** Traces for an error raised while evaluating the `or` default (it is inside upstream's try block). */
export function selDefaultTrace(e: unknown, path: readonly PathElem[], S: SelectInfo, resolved: number, attrPos: Pos | undefined): unknown {
  return addSelectTraces(e, path, S, resolved, attrPos);
}

/**
 * `o.${e}` (one dynamic name) with the name already evaluated by the caller, in the same
 * order `sel` evaluates it: the name, then the set. Saves the path array and closure per
 * evaluation; traces as `sel`'s (the path shows the name, or `"${…}"` if it is no string).
 */
export function selDyn1(o: Value, nameVal: Value, S: SelectInfo): Value {
  let attrPos: Pos | undefined;
  let resolved = 0;
  let name: string | undefined;
  try {
    name = forceStringNoCtx(nameVal, S.namePos[0], 'while evaluating an attribute name');
    const a = forceAttrs(o, S.pos, 'while selecting an attribute');
    const j = a.shape.find(name);
    if (j < 0) throw missing(a, name);
    let cur: Value = a.vals[j] as Value;
    attrPos = a.shape.pos[j];
    resolved = 1;
    if (cur instanceof Thunk) cur = cur.force(attrPos ?? S.pos);
    return cur;
  } catch (e) {
    throw addSelectTraces(e, [name ?? (() => nameVal)], S, resolved, attrPos);
  }
}

/** Traces for an error while evaluating the dynamic name of `o.${e}` (see `selDyn1`): the name shows as `"${e}"`. */
export function selNameTrace(e: unknown, S: SelectInfo): unknown {
  return addSelectTraces(
    e,
    [
      () => {
        throw e;
      },
    ],
    S,
    0,
    undefined,
  );
}

/** `o ? ${e}` with the name already evaluated (as `hasAttrPath` evaluates it: after the set). */
export function hasDyn1(o: Value, nameVal: Value, S: SelectInfo): boolean {
  if (o instanceof Thunk) o = o.force(S.pos);
  const name = forceStringNoCtx(nameVal, S.namePos[0], 'while evaluating an attribute name');
  return o instanceof Attrs && o.shape.find(name) >= 0;
}

/** `o ? a.b.c` where `o` is the evaluated left-hand side. */
export function hasAttrPath(o: Value, path: readonly PathElem[], S: SelectInfo): boolean {
  let cur = o;
  for (let i = 0; i < path.length; i++) {
    if (cur instanceof Thunk) cur = cur.force(S.pos);
    const name = nameOf(path[i]!, i, S);
    if (!(cur instanceof Attrs)) return false;
    const j = cur.shape.find(name);
    if (j < 0) return false;
    cur = cur.vals[j]!;
  }
  return true;
}

/** A `with` scope at run time: its (lazily forced) set and the enclosing `with`. */
export class With {
  v: Value;
  readonly parent: With | null;
  readonly pos: Pos;
  constructor(v: Value, parent: With | null, pos: Pos) {
    this.v = v;
    this.parent = parent;
    this.pos = pos;
  }

  attrs(): Attrs {
    const v = this.v;
    if (v instanceof Attrs) return v;
    return (this.v = forceAttrs(v, this.pos, 'while evaluating the first subexpression of a with expression'));
  }
}

/** A variable bound by no lexical scope: search the `with`s, innermost first. Returns the unforced value. */
export function lookupWith(w: With, name: string, pos: Pos): Value {
  for (let s: With | null = w; s !== null; s = s.parent) {
    const a = s.attrs();
    const j = a.shape.find(name);
    if (j >= 0) return a.vals[j]!;
  }
  throw new UndefinedVarError(`undefined variable '${name}'`, pos);
}
