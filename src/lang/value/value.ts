/**
 * The runtime representation of Nix values (upstream `Value`, value.hh), chosen for V8:
 *
 *   null, true/false        JS null / booleans
 *   int                     JS number when |n| ≤ 2^53-1, else a bigint within int64 (always
 *                           normalised: a bigint never holds a safe integer). Arithmetic checks
 *                           int64 overflow as upstream does (int.ts).
 *   float                   NixFloat (boxed, so `1` and `1.0` stay distinct)
 *   string                  a JS string of latin1 "bytes" (one char per byte) without context,
 *                           or NixStr when the context is non-empty
 *   path                    NixPath
 *   list                    a JS array of values (elements may be thunks)
 *   set                     Attrs: sorted names in a (shared) Shape + a values array
 *   function                Lambda, PrimOp, PrimOpApp
 *   (internal) thunk        Thunk; never the result of forcing
 *
 * Measured in bench/eval/micro.ts (Node 24, shared 2-core box): fib 25 with number ints and
 * overflow checks ~11 ms vs ~95 ms with bigint everywhere, hence numbers with a bigint slow path.
 */

import type { Pos } from '../source.ts';
import type { ExprLambda } from '../ast.ts';
import { EvalError, InfiniteRecursionError } from '../eval/errors.ts';

export type Value =
  | null
  | boolean
  | number
  | bigint
  | string
  | NixStr
  | NixFloat
  | NixPath
  | Value[]
  | Attrs
  | Lambda
  | PrimOp
  | PrimOpApp
  | Thunk;

/** A float. Immutable; shared freely. */
export class NixFloat {
  readonly v: number;
  constructor(v: number) {
    this.v = v;
  }
}

/**
 * A string with a non-empty context. Context elements are encoded as upstream encodes them:
 * `/nix/store/…` (opaque path), `=/nix/store/….drv` (derivation with its whole closure),
 * `!out!/nix/store/….drv` (an output of a derivation).
 */
export class NixStr {
  readonly s: string;
  readonly ctx: ReadonlySet<string>;
  constructor(s: string, ctx: ReadonlySet<string>) {
    this.s = s;
    this.ctx = ctx;
  }
}

/** A path value: absolute and canonical (latin1 bytes). */
export class NixPath {
  readonly path: string;
  constructor(path: string) {
    this.path = path;
  }
}

/** Static information about a lambda expression, shared by all closures made from it. */
export interface LambdaInfo {
  /** Mutable: a lambda bound to a dynamic attribute takes that attribute's name, as upstream. */
  name: string | undefined;
  readonly pos: Pos;
  readonly ast: ExprLambda;
  /** Formal names in source order (undefined for a plain `x: ...` lambda). */
  readonly formals: readonly string[] | undefined;
  readonly ellipsis: boolean;
  /** Which formals have defaults (same order as `formals`). */
  readonly hasDefault: readonly boolean[] | undefined;
}

/**
 * A closure. `fn` takes the argument (maybe a thunk) and, for lambdas with formals, also
 * the forced argument set and the call position (for "called without required argument").
 * It returns a forced value.
 */
export class Lambda {
  readonly fn: (arg: Value, attrs: Attrs, callPos: Pos | undefined) => Value;
  readonly info: LambdaInfo;
  constructor(fn: (arg: Value, attrs: Attrs, callPos: Pos | undefined) => Value, info: LambdaInfo) {
    this.fn = fn;
    this.info = info;
  }
}

/**
 * A curried lambda `a: b: body`: `fn2` takes both arguments at once, so a two-argument
 * call (`foldl'`, `mapAttrs`, `sort` comparators, `f x y`) makes no intermediate closure.
 * Applied to one argument it is an ordinary Lambda.
 */
export class Lambda2 extends Lambda {
  readonly fn2: (a: Value, b: Value) => Value;
  constructor(fn: (arg: Value, attrs: Attrs, callPos: Pos | undefined) => Value, info: LambdaInfo, fn2: (a: Value, b: Value) => Value) {
    super(fn, info);
    this.fn2 = fn2;
  }
}

/** A builtin's implementation: the call position, then exactly `arity` (unforced) arguments; returns a forced value. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PrimFn = (pos: Pos | undefined, ...args: any[]) => Value;

/** A builtin function of fixed arity (upstream `PrimOp`). */
export class PrimOp {
  readonly name: string;
  readonly arity: number;
  readonly fn: PrimFn;
  /** Upstream's `addTrace`: whether errors get "while calling the 'NAME' builtin". */
  readonly addTrace: boolean;
  /** One-line description (upstream's `doc`, shortened). */
  readonly doc: string;
  constructor(name: string, arity: number, fn: PrimFn, doc = '', addTrace = true) {
    this.name = name;
    this.arity = arity;
    this.fn = fn;
    this.doc = doc;
    this.addTrace = addTrace;
  }
}

/** A primop applied to fewer arguments than its arity. */
export class PrimOpApp {
  readonly op: PrimOp;
  readonly args: Value[];
  constructor(op: PrimOp, args: Value[]) {
    this.op = op;
    this.args = args;
  }
}

/**
 * The names of an attribute set, sorted by byte order, with the position of each definition.
 * Literal sets share one Shape per expression; `mapAttrs` results share their input's.
 */
export class Shape {
  readonly keys: readonly string[];
  readonly pos: readonly (Pos | undefined)[];
  #index: Map<string, number> | undefined;

  constructor(keys: readonly string[], pos: readonly (Pos | undefined)[]) {
    this.keys = keys;
    this.pos = pos;
    this.#index = undefined;
  }

  /** Lookups answered by binary search so far (a Map index is built after enough of them). */
  #searches = 0;

  /**
   * Index of `name`, or -1. Linear for small sets; for larger ones binary search over the
   * sorted names, and a Map once the set has proved long-lived (many lookups): building a
   * Map for every fresh `acc // { … }` result would cost O(n) per step.
   */
  find(name: string): number {
    const keys = this.keys;
    const n = keys.length;
    if (n <= 8) {
      for (let i = 0; i < n; i++) if (keys[i] === name) return i;
      return -1;
    }
    // Walking a set in order (`attrNames` then `s.${n}`) asks for the name after the last one found.
    const next = this.#last + 1;
    if (next < n && keys[next] === name) return (this.#last = next);
    let idx = this.#index;
    if (idx === undefined) {
      if (++this.#searches <= 64) {
        let lo = 0;
        let hi = n - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          const k = keys[mid]!;
          if (k === name) return (this.#last = mid);
          if (k < name) lo = mid + 1;
          else hi = mid - 1;
        }
        return -1;
      }
      idx = new Map();
      for (let i = 0; i < n; i++) idx.set(keys[i]!, i);
      this.#index = idx;
    }
    const i = idx.get(name);
    return i === undefined ? -1 : (this.#last = i);
  }

  /** Index of the last name found in a larger set (see `find`). */
  #last = -1;

  get size(): number {
    return this.keys.length;
  }

  #noPos: Shape | undefined;

  /** The same names without positions (results of builtins such as mapAttrs). */
  withoutPositions(): Shape {
    return (this.#noPos ??= new Shape(this.keys, NO_POSITIONS));
  }
}

/**
 * The positions of a set whose attributes have none (builtin results): an empty array, as
 * `pos[i]` reads undefined for every i. `//` of two such sets then copies no positions,
 * which halves the garbage of module-system folds over `mapAttrs` results.
 */
export const NO_POSITIONS: readonly (Pos | undefined)[] = Object.freeze([]);

export const EMPTY_SHAPE = new Shape([], []);

/** An attribute set: a Shape and one value slot per name (slots are updated in place when forced). */
export class Attrs {
  readonly shape: Shape;
  readonly vals: Value[];
  /** Position of the expression that built the set (upstream `Bindings::pos`), if any. */
  pos: Pos | undefined;

  constructor(shape: Shape, vals: Value[], pos?: Pos) {
    this.shape = shape;
    this.vals = vals;
    this.pos = pos;
  }

  get size(): number {
    return this.vals.length;
  }

  has(name: string): boolean {
    return this.shape.find(name) >= 0;
  }

  /** The (possibly unforced) value of `name`, or undefined. */
  get(name: string): Value | undefined {
    const i = this.shape.find(name);
    return i < 0 ? undefined : this.vals[i];
  }

  /** The forced value of `name` (the slot is updated), or undefined when absent. */
  getForced(name: string, pos?: Pos): Value | undefined {
    const i = this.shape.find(name);
    if (i < 0) return undefined;
    return this.forceAt(i, pos);
  }

  forceAt(i: number, pos?: Pos): Value {
    const v = this.vals[i]!;
    if (v instanceof Thunk) return (this.vals[i] = v.force(pos));
    return v;
  }

  /** Position of the definition of `name`, if known. */
  posOf(name: string): Pos | undefined {
    const i = this.shape.find(name);
    return i < 0 ? undefined : this.shape.pos[i];
  }

  get keys(): readonly string[] {
    return this.shape.keys;
  }
}

export const EMPTY_ATTRS = new Attrs(EMPTY_SHAPE, []);

/**
 * The states of a thunk other than pending, kept in its `fn` slot (a pending thunk holds its
 * computation there): one field fewer in every thunk, the most numerous objects of an
 * evaluation (a Thunk is 40 bytes instead of 48, an AppThunk 48 instead of 56).
 */
const BLACKHOLE: unknown = Object.freeze({ state: 'blackhole' });
const DONE: unknown = Object.freeze({ state: 'done' });
const FAILED: unknown = Object.freeze({ state: 'failed' });

/**
 * A suspended computation. Forcing blackholes it (re-entry is infinite recursion), then
 * stores the result; a failure is memoised, and every later force throws a fresh copy of
 * that error (so traces added on the way out of one force do not leak into the next), as
 * upstream does since Nix 2.34 (tryeval-failed-thunk-reeval, memoised-error-trace-not-mutated).
 *
 * The computation receives the position the thunk is forced at: compiled thunks ignore
 * it, function applications made by builtins (`AppThunk`) use it as the call site, like
 * upstream's `tApp` values.
 */
export class Thunk {
  /**
   * While pending, what to run: the computation (called with the thunk as `this`), or for an
   * AppThunk the function to apply. Then the state: BLACKHOLE, DONE or FAILED.
   */
  fn: unknown;
  /** The value when DONE, the error when FAILED (an AppThunk's argument while pending). */
  v: unknown;

  constructor(fn: (this: Thunk, pos: Pos | undefined) => Value) {
    this.fn = fn;
    this.v = undefined;
  }

  force(pos?: Pos): Value {
    if (this.fn === DONE) return this.v as Value;
    return this.slow(pos);
  }

  protected slow(pos: Pos | undefined): Value {
    const fn = this.enter(pos) as (this: Thunk, pos: Pos | undefined) => Value;
    try {
      return this.done(fn.call(this, pos));
    } catch (e) {
      throw this.failed(e);
    }
  }

  /** Start forcing: rethrow a memoised failure, detect re-entry, blackhole. Returns what was pending. */
  protected enter(pos: Pos | undefined): unknown {
    const fn = this.fn;
    if (fn === BLACKHOLE) throw new InfiniteRecursionError(this, pos);
    if (fn === FAILED) throw cloneError(this.v);
    this.fn = BLACKHOLE;
    return fn;
  }

  protected done(v: Value): Value {
    this.v = v;
    this.fn = DONE;
    return v;
  }

  protected failed(e: unknown): unknown {
    if (e instanceof InfiniteRecursionError && e.thunk === this) e.markEntry();
    this.v = e;
    this.fn = FAILED;
    return e;
  }

  get isDone(): boolean {
    return this.fn === DONE;
  }

  get isBlackhole(): boolean {
    return this.fn === BLACKHOLE;
  }

  get isFailed(): boolean {
    return this.fn === FAILED;
  }
}

/**
 * A lambda in a lazy position (attribute value, list element, argument, binding): upstream
 * makes it a thunk like any other expression there, so non-strict printing shows `<CODE>`
 * until something forces it. The closure is built at once (it cannot fail and costs the
 * same); the thunk only records whether it was forced. A plain Thunk (not a subclass), so
 * the places that force thunks see no more kinds of them than before.
 */
export function lambdaThunk(l: Lambda): Thunk {
  const t = new Thunk(returnLambda);
  t.v = l;
  return t;
}

function returnLambda(this: Thunk): Value {
  return this.v as Value;
}

/** The lambda of a `lambdaThunk` not forced yet, else undefined. */
export function pendingLambda(v: Value): Lambda | undefined {
  return v instanceof Thunk && v.fn === returnLambda ? (v.v as Lambda) : undefined;
}

/** How builtins' applications are made (call.ts's `call1`/`call2`, set there: value.ts cannot import it). */
let apply1: (f: Value, a: Value, pos: Pos | undefined) => Value;
let apply2: (f: Value, a: Value, b: Value, pos: Pos | undefined) => Value;

export function setAppliers(one: typeof apply1, two: typeof apply2): void {
  apply1 = one;
  apply2 = two;
}

/**
 * `f a` made lazily by `map` or `genList`: upstream's `tApp`. Its position (`fpos`,
 * upstream `determinePos`: the function's own, a lambda's or a set's) is the call site when
 * the value is forced deeply; it is read off the function, which the thunk holds until done.
 *
 * One small object per element: the function sits in `fn` and the argument in `v` until
 * forced (then both are dropped, as a spent closure's references are), 40 bytes in all —
 * a list of a million of them is what the GC copies in `genList` folds.
 */
export class AppThunk extends Thunk {
  constructor(f: Value, a: Value) {
    super(undefined as never);
    this.fn = f;
    this.v = a;
  }

  /** The function's position while pending or being forced (it is kept in `v` meanwhile); undefined once failed. */
  get fpos(): Pos | undefined {
    const f = this.fn === BLACKHOLE ? this.v : this.fn;
    return f instanceof Lambda ? f.info.pos : f instanceof Attrs ? f.pos : undefined;
  }

  protected override slow(pos: Pos | undefined): Value {
    const f = this.enter(pos) as Value;
    const a = this.v as Value;
    this.v = f;
    try {
      return this.done(apply1(f, a, pos));
    } catch (e) {
      throw this.failed(e);
    }
  }
}

/** `f a b` made lazily by a builtin (mapAttrs, zipAttrsWith), with the position it is given. */
export class AppThunk2 extends Thunk {
  readonly fpos: Pos | undefined;
  b: Value;
  constructor(fpos: Pos | undefined, f: Value, a: Value, b: Value) {
    super(undefined as never);
    this.fn = f;
    this.v = a;
    this.fpos = fpos;
    this.b = b;
  }

  protected override slow(pos: Pos | undefined): Value {
    const f = this.enter(pos) as Value;
    const a = this.v as Value;
    const b = this.b;
    this.v = this.b = undefined as never;
    try {
      return this.done(apply2(f, a, b, pos));
    } catch (e) {
      throw this.failed(e);
    }
  }
}

/** A copy of a memoised error to rethrow (evaluation errors are cloned with their traces). */
function cloneError(e: unknown): unknown {
  return e instanceof EvalError ? e.clone() : e;
}

/** Force a value to weak head normal form. */
export function force(v: Value, pos?: Pos): Value {
  return v instanceof Thunk ? v.force(pos) : v;
}

/** Upstream's `ValueType`, as `builtins.typeOf` names it. */
export type NixType = 'int' | 'float' | 'bool' | 'string' | 'path' | 'null' | 'set' | 'list' | 'lambda';

/** The type name of a forced value, as `builtins.typeOf` returns it. */
export function typeOf(v: Value): NixType {
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return 'int';
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
  }
  if (v === null) return 'null';
  if (v instanceof NixStr) return 'string';
  if (Array.isArray(v)) return 'list';
  if (v instanceof NixFloat) return 'float';
  if (v instanceof NixPath) return 'path';
  if (v instanceof Attrs) return 'set';
  return 'lambda';
}

/** Upstream `showType(ValueType)`: "an integer", "a set"... */
export function showTypeName(t: NixType, withArticle = true): string {
  const names: Record<NixType, [string, string]> = {
    int: ['an', 'integer'],
    bool: ['a', 'Boolean'],
    string: ['a', 'string'],
    path: ['a', 'path'],
    null: ['', 'null'],
    set: ['a', 'set'],
    list: ['a', 'list'],
    lambda: ['a', 'function'],
    float: ['a', 'float'],
  };
  const [a, w] = names[t];
  return withArticle && a ? `${a} ${w}` : w;
}

/** Upstream `showType(const Value &)`: like showTypeName but with detail for primops and context strings. */
export function showType(v: Value): string {
  if (v instanceof Thunk) return v.isBlackhole ? 'a black hole' : 'a thunk';
  if (v instanceof NixStr) return 'a string with context';
  if (v instanceof PrimOp) return `the built-in function '${v.name}'`;
  if (v instanceof PrimOpApp) return `the partially applied built-in function '${v.op.name}'`;
  return showTypeName(typeOf(v));
}

export function isString(v: Value): v is string | NixStr {
  return typeof v === 'string' || v instanceof NixStr;
}

export function isFunction(v: Value): v is Lambda | PrimOp | PrimOpApp {
  return v instanceof Lambda || v instanceof PrimOp || v instanceof PrimOpApp;
}

/** The characters of a string value (its context dropped). */
export function strOf(v: string | NixStr): string {
  return typeof v === 'string' ? v : v.s;
}

/** The context of a string value (empty for a plain string). */
export const EMPTY_CONTEXT: ReadonlySet<string> = new Set();

export function ctxOf(v: string | NixStr): ReadonlySet<string> {
  return typeof v === 'string' ? EMPTY_CONTEXT : v.ctx;
}

/** A string value with the given context (a plain string when the context is empty). */
export function mkStr(s: string, ctx: ReadonlySet<string> | undefined): string | NixStr {
  return ctx === undefined || ctx.size === 0 ? s : new NixStr(s, ctx);
}
