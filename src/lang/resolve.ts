/**
 * Static scope resolution: upstream's `Expr::bindVars` (libexpr/nixexpr.cc). Fills the
 * resolver fields of the AST so that the evaluator never looks a variable up by name except
 * through `with`, and reports undefined variables before evaluation ("undefined variable
 * 'x'", at the variable), in upstream's traversal order.
 *
 * ## The environments the evaluator must build (same layout as upstream's `Env`s)
 *
 * An environment is an array of slots plus a pointer to its parent. `ExprVar` with
 * `fromWith === undefined` reads slot `displ` of the environment `level` parents up from the
 * current one. Environments are created by exactly these nodes:
 *
 * - The base environment (outermost): slot `i` holds `baseEnv[i]` (the names passed to
 *   `resolve`, e.g. `builtins`, `true`, `import`, `__add`, …). With `extraScope` (for
 *   `scopedImport`), one more environment sits between the base and the file: slot `i` holds
 *   `extraScope[i]`, its parent is the base environment.
 * - `ExprLambda`: on each call, `envSize` slots, parent = the closure's environment. Slot 0 is
 *   `arg` when there is one, then the formals in `formals.formals` order (source order).
 *   Formal defaults and the body are evaluated in this environment.
 * - `ExprLet`: one environment of `attrs.attrs.size` slots, slot = `AttrDef.displ` (the
 *   binding's index in the `attrs` Map), parent = the let's environment. Plain bindings and the
 *   body are evaluated in it; `inherited` bindings (`inherit x;`) in the *parent* environment.
 * - `ExprAttrs` with `recursive`: the same, one environment of all static attributes (slot =
 *   `displ`); plain values and dynamic attributes (names and values) are evaluated in it,
 *   `inherited` ones in the parent. A non-recursive `ExprAttrs` creates no environment (all
 *   its values are evaluated in the current one).
 * - Inherit sources: when an `ExprAttrs` (or a let's `attrs`) has `inheritFromExprs`, those
 *   expressions are evaluated (lazily, once each) into one more environment of
 *   `inheritFromExprs.length` slots whose parent is the rec/let environment (or, for a
 *   non-recursive set, the current one). The `inheritedFrom` values — `ExprSelect`s on an
 *   `ExprInheritFrom` — are evaluated in that environment: `ExprInheritFrom` reads slot
 *   `displ` at `level` (always 0) from there. The source expressions themselves are resolved
 *   in the rec/let environment (current one for non-recursive sets).
 * - `ExprWith`: the `attrs` expression is evaluated in the current environment; the body in a
 *   new environment of one slot holding that (lazy) attribute set. A variable not bound
 *   lexically has `fromWith` = the innermost enclosing `with` and `level` = how many
 *   environments up that with's environment is; the lookup tries that set, then
 *   `fromWith.parentWith`, which is `fromWith.prevWith` environments further up, and so on.
 *   Lexical bindings always win over `with`, even an outer lexical binding over an inner with.
 */

import type { Expr, ExprAttrs, ExprLambda, ExprWith, ParsedFile } from './ast.ts';
import { NixSyntaxError } from './syntax-error.ts';

export interface ResolveOptions {
  /** Names of the base environment's slots, in slot order. */
  readonly baseEnv: readonly string[];
  /** Names of an extra environment above the base (`scopedImport`'s scope), in slot order. */
  readonly extraScope?: readonly string[];
}

/** A static environment: names → slots, or a `with`. */
class Scope {
  readonly up: Scope | undefined;
  readonly vars: Map<string, number> | undefined;
  readonly withExpr: ExprWith | undefined;

  constructor(up: Scope | undefined, vars: Map<string, number> | undefined, withExpr?: ExprWith) {
    this.up = up;
    this.vars = vars;
    this.withExpr = withExpr;
  }
}

const baseScopes = new WeakMap<readonly string[], Scope>();

function scopeOf(names: readonly string[], up: Scope | undefined): Scope {
  const vars = new Map<string, number>();
  names.forEach((n, i) => vars.set(n, i));
  return new Scope(up, vars);
}

/** Resolve every variable of `file` in place. Throws NixSyntaxError for an undefined variable. */
export function resolve(file: ParsedFile, options: ResolveOptions): void {
  let base = baseScopes.get(options.baseEnv);
  if (!base) baseScopes.set(options.baseEnv, (base = scopeOf(options.baseEnv, undefined)));
  const top = options.extraScope ? scopeOf(options.extraScope, base) : base;
  try {
    new Resolver(file).expr(file.root, top);
  } catch (e) {
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      throw new NixSyntaxError('E_NIX_TOO_DEEP', 'stack overflow; expression nested too deeply', file.source, 0);
    }
    throw e;
  }
}

class Resolver {
  readonly file: ParsedFile;

  constructor(file: ParsedFile) {
    this.file = file;
  }

  expr(e: Expr, env: Scope): void {
    switch (e.type) {
      case 'Int':
      case 'Float':
      case 'String':
      case 'Path':
      case 'Pos':
      case 'InheritFrom':
        return;
      case 'Var': {
        let level = 0;
        let withLevel = -1;
        for (let s: Scope | undefined = env; s; s = s.up, level++) {
          if (s.withExpr) {
            if (withLevel < 0) withLevel = level;
          } else {
            const d = s.vars!.get(e.name);
            if (d !== undefined) {
              e.level = level;
              e.displ = d;
              e.fromWith = undefined;
              return;
            }
          }
        }
        if (withLevel < 0) {
          throw new NixSyntaxError('E_NIX_UNDEFINED_VAR', `undefined variable '${e.name}'`, this.file.source, e.pos);
        }
        e.level = withLevel;
        e.displ = 0;
        e.fromWith = innermostWith(env);
        return;
      }
      case 'Select':
        this.expr(e.e, env);
        if (e.def) this.expr(e.def, env);
        for (const a of e.attrPath) if (a.expr) this.expr(a.expr, env);
        return;
      case 'HasAttr':
        this.expr(e.e, env);
        for (const a of e.attrPath) if (a.expr) this.expr(a.expr, env);
        return;
      case 'Attrs':
        this.attrs(e, env);
        return;
      case 'List':
        for (const x of e.elems) this.expr(x, env);
        return;
      case 'Lambda':
        this.lambda(e, env);
        return;
      case 'Call':
        this.expr(e.fn, env);
        for (const a of e.args) this.expr(a, env);
        return;
      case 'Let': {
        const inner = this.recScope(e.attrs, env);
        const from = this.inheritSources(e.attrs, inner);
        for (const def of e.attrs.attrs.values()) {
          this.expr(def.e, def.kind === 'plain' ? inner : def.kind === 'inherited' ? env : from!);
        }
        this.expr(e.body, inner);
        return;
      }
      case 'With': {
        e.parentWith = innermostWith(env);
        let prev = 0;
        let level = 1;
        for (let s: Scope | undefined = env; s; s = s.up, level++) {
          if (s.withExpr) {
            prev = level;
            break;
          }
        }
        e.prevWith = prev;
        this.expr(e.attrs, env);
        this.expr(e.body, new Scope(env, undefined, e));
        return;
      }
      case 'If':
        this.expr(e.cond, env);
        this.expr(e.then, env);
        this.expr(e.else, env);
        return;
      case 'Assert':
        this.expr(e.cond, env);
        this.expr(e.body, env);
        return;
      case 'Not':
        this.expr(e.e, env);
        return;
      case 'BinOp':
        this.expr(e.e1, env);
        this.expr(e.e2, env);
        return;
      case 'ConcatStrings':
        for (const p of e.parts) this.expr(p.e, env);
        return;
    }
  }

  attrs(e: ExprAttrs, env: Scope): void {
    const inner = e.recursive ? this.recScope(e, env) : env;
    const from = this.inheritSources(e, inner);
    for (const def of e.attrs.values()) {
      this.expr(def.e, def.kind === 'plain' ? inner : def.kind === 'inherited' ? env : from!);
    }
    for (const d of e.dynamicAttrs) {
      this.expr(d.nameExpr, inner);
      this.expr(d.valueExpr, inner);
    }
  }

  /** The environment of a rec set or let: one slot per static attribute, in Map order. */
  recScope(e: ExprAttrs, env: Scope): Scope {
    const vars = new Map<string, number>();
    let displ = 0;
    for (const [name, def] of e.attrs) {
      def.displ = displ;
      vars.set(name, displ++);
    }
    return new Scope(env, vars);
  }

  /** Resolve the `inherit (e)` sources in `env`; returns the (nameless) environment holding them. */
  inheritSources(e: ExprAttrs, env: Scope): Scope | undefined {
    if (e.inheritFromExprs.length === 0) return undefined;
    const inner = new Scope(env, EMPTY);
    for (const x of e.inheritFromExprs) this.expr(x, env);
    return inner;
  }

  lambda(e: ExprLambda, env: Scope): void {
    const vars = new Map<string, number>();
    let displ = 0;
    if (e.arg !== undefined) vars.set(e.arg, displ++);
    if (e.formals) for (const f of e.formals.formals) vars.set(f.name, displ++);
    e.envSize = displ;
    const inner = new Scope(env, vars);
    if (e.formals) for (const f of e.formals.formals) if (f.def) this.expr(f.def, inner);
    this.expr(e.body, inner);
  }
}

const EMPTY: Map<string, number> = new Map();

function innermostWith(env: Scope): ExprWith | undefined {
  for (let s: Scope | undefined = env; s; s = s.up) if (s.withExpr) return s.withExpr;
  return undefined;
}
