/**
 * The compiler: a resolved AST becomes JavaScript source, turned into a function once per
 * file with `new Function`. Nix variables become JS variables (closures capture them, so
 * environments cost nothing at run time); `with` is the only dynamic lookup; literals,
 * variables and lambdas never become thunks; every other lazily used expression becomes a
 * `Thunk` over a JS closure.
 *
 * The output is flat three-address code: `ev(e)` emits statements and returns a simple
 * JS expression (a name or a literal) holding e's *forced* value; `th(e)` returns one holding
 * e's value or a thunk, without evaluating anything. Keeping every step a statement preserves
 * Nix's evaluation order and lets each upstream error context ("while evaluating a branch
 * condition", "in the left operand of '//'"…) be a plain try/catch around exactly the
 * statements of the sub-expression it covers — free on the non-error path in V8.
 *
 * Scoping is resolved here by name with upstream's rules: lexical bindings (including the
 * global builtins) win over any `with`; the innermost `with` is searched first. A variable
 * that names a binding of the same `let`/`rec`/formals group not yet initialised becomes a
 * thunk (upstream's `maybeThunk` on an uninitialised slot) — which also makes `{ x ? y, y ? x }`
 * share one thunk exactly as upstream does.
 *
 * This file is over 400 lines because it is one tree walk; splitting it would scatter the
 * invariants above.
 */

import type { AttrDef, Expr, ExprAttrs, ExprLambda, ParsedFile } from '../ast.ts';
import type { Pos, Source } from '../source.ts';
import { Attrs, NixFloat, NixPath, Shape, Thunk, type LambdaInfo, type Value } from '../value/value.ts';
import { UndefinedVarError } from './errors.ts';
import type { PathElem, SelectInfo } from './select.ts';
import { RUNTIME } from './runtime.ts';
import { showExpr } from '../print/parse-print.ts';
import { internAll } from './symbols.ts';

interface Binding {
  readonly js: string;
  /** Group (let/rec/formals) and index in it, for the uninitialised-slot rule. */
  readonly group: Group | undefined;
  readonly index: number;
  /** A JS `let` that can be updated with its forced value. */
  readonly assignable: boolean;
}

interface Group {
  /** Function nesting depth of the code that initialises the group (only that code can see unset bindings). */
  readonly depth: number;
  /** Bindings [0, assigned) are initialised. */
  assigned: number;
  /** `rec` with `__overrides`: every same-group variable must stay a thunk. */
  allThunks: boolean;
}

type Scope = { readonly kind: 'lex'; readonly names: Map<string, Binding>; readonly parent: Scope | null } | { readonly kind: 'with'; readonly js: string; readonly parent: Scope | null };

export interface CompileOptions {
  /** Global names → values (builtins, `true`, `map`…). */
  readonly base: ReadonlyMap<string, Value>;
  /** `scopedImport`: extra lexical names above the base environment. */
  readonly scope?: Attrs;
  /** Dump the generated JavaScript to this callback (debugging). */
  readonly dump?: (js: string) => void;
}

const PLUS_CTX = "in an operand of '+'";

class Compiler {
  readonly source: Source;
  readonly opts: CompileOptions;
  lines: string[] = [];
  n = 0;
  /** Nesting of JS functions being compiled (closures run later than the code around them). */
  depth = 0;
  readonly consts: unknown[] = [];
  readonly constIds = new Map<unknown, string>();
  readonly posIds = new Map<number, string>();

  constructor(source: Source, opts: CompileOptions) {
    this.source = source;
    this.opts = opts;
  }

  id(prefix: string): string {
    return `${prefix}${this.n++}`;
  }

  k(value: unknown): string {
    let name = this.constIds.get(value);
    if (name === undefined) {
      name = `K${this.consts.length}`;
      this.consts.push(value);
      this.constIds.set(value, name);
    }
    return name;
  }

  pos(offset: number): string {
    let name = this.posIds.get(offset);
    if (name === undefined) {
      const p: Pos = { source: this.source, offset };
      name = this.k(p);
      this.posIds.set(offset, name);
    }
    return name;
  }

  posObj(offset: number): Pos {
    return this.consts[Number(this.pos(offset).slice(1))] as Pos;
  }

  emit(s: string): void {
    this.lines.push(s);
  }

  /** Compile statements into a separate buffer (for blocks, try bodies, closures). */
  block(f: () => string): { code: string; result: string } {
    const saved = this.lines;
    this.lines = [];
    const result = f();
    const code = this.lines.join('\n');
    this.lines = saved;
    return { code, result };
  }

  /** `() => { …; return X; }` evaluating e to WHNF. */
  closure(e: Expr, sc: Scope | null): string {
    this.depth++;
    const b = this.block(() => this.ev(e, sc));
    this.depth--;
    return `() => {\n${b.code}\nreturn ${b.result};\n}`;
  }

  tmp(expr: string): string {
    const t = this.id('t');
    this.emit(`const ${t} = ${expr};`);
    return t;
  }

  /** ev(e) wrapped so that an error while evaluating e gets the trace (msg at e's position). */
  evCtx(e: Expr, sc: Scope | null, msg: string): string {
    if (cannotFail(e)) return this.ev(e, sc);
    if (e.type === 'Var') {
      // The most common operand: one conditional call instead of a try block (smaller code
      // for V8 to parse; most of a big library's code runs once or never).
      const r = this.resolve(e.name, sc, e.pos);
      if (r.kind !== 'with') {
        const p = this.pos(e.pos);
        const m = JSON.stringify(msg);
        const js = r.kind === 'lex' ? r.b.js : /^K\d+$/.test(r.js) ? r.js : this.tmp(r.js);
        if (r.kind === 'lex' && r.b.assignable) return this.tmp(`${js} instanceof T ? (${js} = forceTr(${js}, ${p}, ${m})) : ${js}`);
        return this.tmp(`${js} instanceof T ? forceTr(${js}, ${p}, ${m}) : ${js}`);
      }
    }
    const r = this.id('t');
    const b = this.block(() => this.ev(e, sc));
    this.emit(`let ${r};\ntry {\n${b.code}\n${r} = ${b.result};\n} catch (e) { throw tr(e, ${this.pos(e.pos)}, ${JSON.stringify(msg)}); }`);
    return r;
  }

  /** A Boolean condition, as upstream `evalBool` (type check inside the context). */
  evBool(e: Expr, sc: Scope | null, msg: string): string {
    const r = this.id('t');
    const p = this.pos(e.pos);
    const b = this.block(() => this.ev(e, sc));
    this.emit(
      `let ${r};\ntry {\n${b.code}\n${r} = ${b.result};\nif (${r} !== true && ${r} !== false) throw notABool(${r}, ${p});\n} catch (e) { throw tr(e, ${p}, ${JSON.stringify(msg)}); }`,
    );
    return r;
  }

  resolve(name: string, sc: Scope | null, offset: number): { kind: 'lex'; b: Binding } | { kind: 'with'; js: string } | { kind: 'base'; js: string } {
    let innermostWith: string | undefined;
    for (let s = sc; s !== null; s = s.parent) {
      if (s.kind === 'with') {
        innermostWith ??= s.js;
        continue;
      }
      const b = s.names.get(name);
      if (b !== undefined) return { kind: 'lex', b };
    }
    const scope = this.opts.scope;
    if (scope !== undefined && scope.has(name)) return { kind: 'base', js: `${this.k(scope)}.get(${JSON.stringify(name)})` };
    if (this.opts.base.has(name)) return { kind: 'base', js: this.k(this.opts.base.get(name)) };
    if (innermostWith !== undefined) return { kind: 'with', js: innermostWith };
    throw new UndefinedVarError(`undefined variable '${name}'`, this.posObj(offset));
  }

  // ---- th: value or thunk, no evaluation ---------------------------------------------------

  th(e: Expr, sc: Scope | null): string {
    switch (e.type) {
      case 'Int':
      case 'Float':
      case 'String':
      case 'Path':
        return this.literal(e);
      case 'Var': {
        const r = this.resolve(e.name, sc, e.pos);
        if (r.kind === 'lex') {
          const g = r.b.group;
          if (g !== undefined && g.depth === this.depth && (g.allThunks || r.b.index >= g.assigned)) return `new T(() => force(${r.b.js}, ${this.pos(e.pos)}))`;
          return r.b.js;
        }
        if (r.kind === 'base') return r.js;
        return `new T(() => force(lookupWith(${r.js}, ${JSON.stringify(e.name)}, ${this.pos(e.pos)}), ${this.pos(e.pos)}))`;
      }
      case 'Lambda':
        return `LT(${this.lambda(e, sc)})`;
      case 'List':
        if (e.elems.length === 0) return 'EMPTY_LIST';
        break;
    }
    return `new T(${this.closure(e, sc)})`;
  }

  literal(e: Expr): string {
    switch (e.type) {
      case 'Int':
        return typeof e.value === 'bigint' ? this.k(e.value) : String(e.value);
      case 'Float':
        return this.k(new NixFloat(e.value));
      case 'String':
        return JSON.stringify(e.value);
      case 'Path':
        return this.k(new NixPath(e.value));
    }
    throw new Error('not a literal');
  }

  // ---- ev: evaluate to WHNF ----------------------------------------------------------------

  ev(e: Expr, sc: Scope | null): string {
    switch (e.type) {
      case 'Int':
      case 'Float':
      case 'String':
      case 'Path':
        return this.literal(e);
      case 'Var': {
        const r = this.resolve(e.name, sc, e.pos);
        const p = this.pos(e.pos);
        if (r.kind === 'lex') {
          const js = r.b.js;
          if (r.b.assignable) return this.tmp(`${js} instanceof T ? (${js} = ${js}.force(${p})) : ${js}`);
          return this.tmp(`force(${js}, ${p})`);
        }
        if (r.kind === 'base') return this.tmp(`force(${r.js}, ${p})`);
        return this.tmp(`force(lookupWith(${r.js}, ${JSON.stringify(e.name)}, ${p}), ${p})`);
      }
      case 'Lambda':
        return this.tmp(this.lambda(e, sc));
      case 'List':
        if (e.elems.length === 0) return 'EMPTY_LIST';
        return this.tmp(`[${e.elems.map((x) => this.th(x, sc)).join(', ')}]`);
      case 'Attrs':
        return this.attrs(e, sc);
      case 'Let':
        return this.let(e.attrs, e.body, sc);
      case 'With': {
        const w = this.id('w');
        const parent = innermostWith(sc);
        this.emit(`const ${w} = new With(${this.th(e.attrs, sc)}, ${parent ?? 'null'}, ${this.pos(e.pos)});`);
        return this.ev(e.body, { kind: 'with', js: w, parent: sc });
      }
      case 'If': {
        const c = this.evBool(e.cond, sc, 'while evaluating a branch condition');
        const r = this.id('t');
        const a = this.block(() => this.ev(e.then, sc));
        const b = this.block(() => this.ev(e.else, sc));
        this.emit(`let ${r};\nif (${c}) {\n${a.code}\n${r} = ${a.result};\n} else {\n${b.code}\n${r} = ${b.result};\n}`);
        return r;
      }
      case 'Assert':
        return this.assert(e, sc);
      case 'Not': {
        const c = this.evBool(e.e, sc, "in the argument of '!'");
        return this.tmp(`!${c}`);
      }
      case 'BinOp':
        return this.binop(e, sc);
      case 'Select':
        return this.select(e, sc);
      case 'HasAttr': {
        const o = this.evCtx(e.e, sc, "in the argument of '?'");
        const dyn = e.attrPath.length === 1 ? e.attrPath[0]!.expr : undefined;
        if (dyn !== undefined) {
          const { info } = this.selectPath(e.attrPath, e.pos, sc, false);
          return this.tmp(`hasDyn1(${o}, ${this.ev(dyn, sc)}, ${info})`);
        }
        const { path, info } = this.selectPath(e.attrPath, e.pos, sc);
        return this.tmp(`hasAttrPath(${o}, ${path}, ${info})`);
      }
      case 'Call':
        return this.call(e, sc);
      case 'ConcatStrings':
        return this.concat(e, sc);
      case 'Pos':
        return this.tmp(`mkPos(${this.pos(e.pos)})`);
      case 'InheritFrom':
        throw new Error('InheritFrom outside an inherit');
    }
  }

  assert(e: Extract<Expr, { type: 'Assert' }>, sc: Scope | null): string {
    const c = this.evBool(e.cond, sc, 'in the condition of the assert statement');
    const text = JSON.stringify(showExpr(e.cond));
    const p = this.pos(e.pos);
    const explain = this.block(() => {
      const cond = e.cond;
      if (cond.type === 'BinOp' && cond.op === '==') {
        const inner = this.block(() => {
          const a = this.ev(cond.e1, sc);
          const b = this.ev(cond.e2, sc);
          this.emit(`assertEqValues(${a}, ${b}, ${this.pos(cond.pos)}, "in an equality assertion", true);`);
          return '';
        });
        this.emit(`try {\n${inner.code}\n} catch (e) { if (e instanceof AssertionError) tr(e, ${p}, ${JSON.stringify(`while evaluating the condition of the assertion '${showExpr(cond)}'`)}); throw e; }`);
      }
      this.emit(`throw assertionFailed(${text}, ${p});`);
      return '';
    });
    this.emit(`if (!${c}) {\n${explain.code}\n}`);
    return this.ev(e.body, sc);
  }

  binop(e: Extract<Expr, { type: 'BinOp' }>, sc: Scope | null): string {
    switch (e.op) {
      case '==':
      case '!=': {
        const a = this.evCtx(e.e1, sc, `in the left operand of '${e.op}'`);
        const b = this.evCtx(e.e2, sc, `in the right operand of '${e.op}'`);
        const what = e.op === '==' ? 'while testing two values for equality' : 'while testing two values for inequality';
        return this.tmp(`${e.op === '!=' ? '!' : ''}opEq(${a}, ${b}, ${this.pos(e.pos)}, ${JSON.stringify(what)})`);
      }
      case '&&':
      case '||':
      case '->': {
        const a = this.evBool(e.e1, sc, `in the left operand of '${e.op}'`);
        const r = this.id('t');
        const b = this.block(() => this.evBool(e.e2, sc, `in the right operand of '${e.op}'`));
        const short = e.op === '&&' ? `!${a}` : e.op === '||' ? a : `!${a}`;
        const shortVal = e.op === '&&' ? 'false' : 'true';
        this.emit(`let ${r};\nif (${short}) ${r} = ${shortVal};\nelse {\n${b.code}\n${r} = ${b.result};\n}`);
        return r;
      }
      case '++': {
        const a = this.evCtx(e.e1, sc, "in the left operand of '++'");
        const b = this.evCtx(e.e2, sc, "in the right operand of '++'");
        return this.tmp(`concatLists(${a}, ${b}, ${this.pos(e.pos)})`);
      }
      case '//': {
        // Upstream flattens `//` chains and evaluates the rightmost operand first.
        const leaves: { e: Expr; msg: string }[] = [];
        const collect = (x: Expr, msg: string): void => {
          if (x.type === 'BinOp' && x.op === '//') {
            collect(x.e2, "in the right operand of '//'");
            collect(x.e1, "in the left operand of '//'");
          } else leaves.push({ e: x, msg });
        };
        collect(e, '');
        const vals = leaves.map(({ e: x, msg }) => {
          const r = this.id('t');
          const p = this.pos(x.pos);
          const b = this.block(() => this.ev(x, sc));
          this.emit(`let ${r};\ntry {\n${b.code}\n${r} = ${b.result};\nif (!(${r} instanceof Attrs)) throw notASet(${r});\n} catch (e) { throw tr(e, ${p}, ${JSON.stringify(msg)}); }`);
          return r;
        });
        let acc = vals[vals.length - 1]!;
        for (let i = vals.length - 2; i >= 0; i--) acc = this.tmp(`update(${acc}, ${vals[i]})`);
        return acc;
      }
    }
  }

  select(e: Extract<Expr, { type: 'Select' }>, sc: Scope | null): string {
    const folded = this.constantSelect(e, sc);
    if (folded !== undefined) return folded;
    const o = this.evCtx(e.e, sc, 'while selecting an attribute');
    const dyn = e.attrPath.length === 1 && e.def === undefined ? e.attrPath[0]!.expr : undefined;
    if (dyn !== undefined) {
      // `o.${e}`: the name evaluated here, inside sel's trace for a failing name.
      const { info } = this.selectPath(e.attrPath, e.pos, sc, false);
      const n = this.id('t');
      const b = this.block(() => this.ev(dyn, sc));
      this.emit(`let ${n};\ntry {\n${b.code}\n${n} = ${b.result};\n} catch (e) { throw selNameTrace(e, ${info}); }`);
      return this.tmp(`selDyn1(${o}, ${n}, ${info})`);
    }
    const { path, info, single } = this.selectPath(e.attrPath, e.pos, sc);
    if (e.def === undefined) {
      if (single !== undefined) return this.tmp(`sel1(${o}, ${JSON.stringify(single)}, ${path}, ${info})`);
      return this.tmp(`sel(${o}, ${path}, ${info})`);
    }
    const r = this.id('t');
    this.emit(`let ${r} = selOr(${o}, ${path}, ${info});`);
    const d = this.block(() => this.ev(e.def!, sc));
    this.emit(
      `if (${r} === NONE) {\nconst k = selK(), kp = selKPos();\ntry {\n${d.code}\n${r} = ${d.result};\n} catch (e) { throw selDefaultTrace(e, ${path}, ${info}, k, kp); }\n}`,
    );
    return r;
  }

  /**
   * `builtins.map`, `builtins.builtins.foo`…: a static path into a global set resolves at
   * compile time when every value on the way is already evaluated (builtins are; the few
   * lazy ones such as `derivation` are not, and keep the run-time selection with its traces).
   */
  constantSelect(e: Extract<Expr, { type: 'Select' }>, sc: Scope | null): string | undefined {
    if (e.e.type !== 'Var' || e.attrPath.some((a) => a.expr !== undefined)) return undefined;
    const r = this.resolve(e.e.name, sc, e.e.pos);
    if (r.kind !== 'base' || this.opts.scope?.has(e.e.name)) return undefined;
    let cur = this.opts.base.get(e.e.name);
    for (const a of e.attrPath) {
      if (!(cur instanceof Attrs)) return undefined;
      cur = cur.get(a.name!);
      if (cur === undefined || cur instanceof Thunk) return undefined;
    }
    return this.k(cur);
  }

  selectPath(attrPath: readonly import('../ast.ts').AttrName[], offset: number, sc: Scope | null, withPath = true): { path: string; info: string; single: string | undefined } {
    const info: SelectInfo = {
      pos: this.posObj(offset),
      namePos: attrPath.map((a) => (a.expr ? this.posObj(a.expr.pos) : undefined)),
      attrPath,
      show: (i) => showExpr(attrPath[i]!.expr!),
    };
    const infoJs = this.k(info);
    if (attrPath.every((a) => a.expr === undefined)) {
      const names: PathElem[] = attrPath.map((a) => a.name!);
      return { path: this.k(names), info: infoJs, single: names.length === 1 ? (names[0] as string) : undefined };
    }
    if (!withPath) return { path: '', info: infoJs, single: undefined };
    const elems = attrPath.map((a) => (a.expr === undefined ? JSON.stringify(a.name) : this.closure(a.expr, sc)));
    return { path: this.tmp(`[${elems.join(', ')}]`), info: infoJs, single: undefined };
  }

  call(e: Extract<Expr, { type: 'Call' }>, sc: Scope | null): string {
    const p = this.pos(e.pos);
    // Arithmetic and comparison builtins called through their global names: inline the number case.
    if (e.fn.type === 'Var' && e.args.length === 2 && INLINE_OPS[e.fn.name] !== undefined) {
      const r = this.resolve(e.fn.name, sc, e.fn.pos);
      if (r.kind === 'base') {
        const [fname, prim] = INLINE_OPS[e.fn.name]!;
        const out = this.id('t');
        const b = this.block(() => {
          const x = this.ev(e.args[0]!, sc);
          const y = this.ev(e.args[1]!, sc);
          return `${fname}(${x}, ${y})`;
        });
        this.emit(`let ${out};\nenter(${p});\ntry {\n${b.code}\n${out} = ${b.result};\n} catch (e) { throw tr(e, ${p}, "while calling the '${prim}' builtin"); }\nleave();`);
        return out;
      }
    }
    const f = this.ev(e.fn, sc);
    const args = e.args.map((a) => this.th(a, sc));
    if (args.length === 1) return this.tmp(`call1(${f}, ${args[0]}, ${p})`);
    if (args.length === 2) return this.tmp(`call2(${f}, ${args[0]}, ${args[1]}, ${p})`);
    if (args.length === 3) return this.tmp(`call3(${f}, ${args[0]}, ${args[1]}, ${args[2]}, ${p})`);
    return this.tmp(`callFunction(${f}, [${args.join(', ')}], ${p})`);
  }

  concat(e: Extract<Expr, { type: 'ConcatStrings' }>, sc: Scope | null): string {
    const p = this.pos(e.pos);
    const parts = e.parts;
    if (!e.forceString && parts.length === 2) {
      const a = this.evCtx(parts[0]!.e, sc, PLUS_CTX);
      // Coercing a set (its __toString/outPath) must happen before the second operand is
      // evaluated; the second operand's code is emitted once (twice, it doubled per level
      // of `a + (b + (c + …))`).
      const c = this.id('c');
      const pa = this.pos(parts[0]!.pos);
      const pb = this.pos(parts[1]!.pos);
      this.emit(`let ${c} = null;\nif (addNeedsEarlyCoercion(${a})) {\n${c} = new Concat(false, ${p});\n${c}.add(${a}, ${pa});\n}`);
      const b = this.evCtx(parts[1]!.e, sc, PLUS_CTX);
      return this.tmp(`${c} === null ? add2(${a}, ${b}, ${pa}, ${pb}, ${p}) : (${c}.add(${b}, ${pb}), ${c}.finish())`);
    }
    const c = this.id('c');
    this.emit(`const ${c} = new Concat(${e.forceString}, ${p});`);
    for (const part of parts) {
      const v = part.e.type === 'String' ? this.literal(part.e) : this.evCtx(part.e, sc, PLUS_CTX);
      this.emit(`${c}.add(${v}, ${this.pos(part.pos)});`);
    }
    return this.tmp(`${c}.finish()`);
  }

  // ---- Lambdas ------------------------------------------------------------------------------

  lambda(e: ExprLambda, sc: Scope | null): string {
    const formals = e.formals;
    if (e.arg !== undefined) internAll([e.arg]);
    if (formals) internAll(formals.formals.map((f) => f.name));
    const info: LambdaInfo = {
      name: e.name,
      pos: this.posObj(e.pos),
      ast: e,
      formals: formals?.formals.map((f) => f.name),
      ellipsis: formals?.ellipsis ?? false,
      hasDefault: formals?.formals.map((f) => f.def !== undefined),
    };
    const infoJs = this.k(info);
    const names = new Map<string, Binding>();
    const scope: Scope = { kind: 'lex', names, parent: sc };
    const argJs = this.id('a');
    if (e.arg !== undefined) names.set(e.arg, { js: argJs, group: undefined, index: 0, assignable: true });
    this.depth++;
    try {
      return this.lambdaBody(e, scope, names, argJs, infoJs);
    } finally {
      this.depth--;
    }
  }

  lambdaBody(e: ExprLambda, scope: Scope, names: Map<string, Binding>, argJs: string, infoJs: string): string {
    const formals = e.formals;
    if (formals === undefined) {
      const body = this.block(() => this.ev(e.body, scope));
      const one = `(${argJs}) => {\n${body.code}\nreturn ${body.result};\n}`;
      const inner = e.body;
      // `a: b: body` (body not a lambda again, so chains are not copied over and over):
      // also the inner body with both arguments as parameters, when that code is small —
      // the folds and comparators it is for are; big bodies would only cost parse time.
      if (inner.type !== 'Lambda' || inner.formals !== undefined || inner.arg === undefined || inner.body.type === 'Lambda') return `new Lambda(${one}, ${infoJs})`;
      const arg2 = this.id('a');
      const scope2: Scope = { kind: 'lex', names: new Map([[inner.arg, { js: arg2, group: undefined, index: 0, assignable: true }]]), parent: scope };
      const body2 = this.block(() => this.ev(inner.body, scope2));
      if (body2.code.length > MAX_FN2_CODE) return `new Lambda(${one}, ${infoJs})`;
      return `new Lambda2(${one}, ${infoJs}, (${argJs}, ${arg2}) => {\n${body2.code}\nreturn ${body2.result};\n})`;
    }
    const group: Group = { depth: this.depth, assigned: 0, allThunks: false };
    const js = formals.formals.map((f, i) => {
      const b: Binding = { js: this.id('f'), group, index: i, assignable: true };
      names.set(f.name, b);
      return b.js;
    });
    const body = this.block(() => {
      this.emit(`let used = 0;`);
      formals.formals.forEach((f, i) => {
        const v = js[i]!;
        this.emit(`let ${v} = A.get(${JSON.stringify(f.name)});`);
        if (f.def === undefined) this.emit(`if (${v} === undefined) throw missingArgument(${infoJs}, ${JSON.stringify(f.name)}, cp); else used++;`);
        else {
          const d = this.block(() => this.th(f.def!, scope));
          this.emit(`if (${v} === undefined) {\n${d.code}\n${v} = ${d.result};\n} else used++;`);
        }
        group.assigned = i + 1;
      });
      if (!formals.ellipsis) this.emit(`if (used !== A.size) throw unexpectedArgument(${infoJs}, A, cp);`);
      group.assigned = Infinity;
      return this.ev(e.body, scope);
    });
    return `new Lambda((${argJs}, A, cp) => {\n${body.code}\nreturn ${body.result};\n}, ${infoJs})`;
  }

  // ---- Attribute sets and let ---------------------------------------------------------------

  /** Declare the bindings of a let / rec set; returns the JS names in attrs order. */
  bindGroup(a: ExprAttrs, outer: Scope | null): { scope: Scope; js: Map<string, string> } {
    internAll(a.attrs.keys());
    const names = new Map<string, Binding>();
    const scope: Scope = { kind: 'lex', names, parent: outer };
    const group: Group = { depth: this.depth, assigned: 0, allThunks: a.recursive && a.attrs.has('__overrides') };
    const js = new Map<string, string>();
    let i = 0;
    for (const [name] of a.attrs) {
      const v = this.id('v');
      names.set(name, { js: v, group, index: i++, assignable: true });
      js.set(name, v);
    }
    if (js.size > 0) this.emit(`let ${[...js.values()].join(', ')};`);
    // inherit (e) sources are evaluated in the new scope, before any binding is set.
    const ih = this.inheritSources(a, scope);
    i = 0;
    for (const [name, def] of a.attrs) {
      this.emit(`${js.get(name)} = ${this.attrValue(def, scope, outer, ih)};`);
      group.assigned = ++i;
    }
    group.assigned = Infinity;
    return { scope, js };
  }

  inheritSources(a: ExprAttrs, sc: Scope | null): string[] {
    return a.inheritFromExprs.map((x) => this.tmp(this.th(x, sc)));
  }

  /** The value (or thunk) of one attribute definition. */
  attrValue(def: AttrDef, inner: Scope | null, outer: Scope | null, ih: string[]): string {
    if (def.kind === 'inherited') return this.th(def.e, outer);
    if (def.kind === 'inheritedFrom') {
      const sel = def.e as Extract<Expr, { type: 'Select' }>;
      const from = sel.e as Extract<Expr, { type: 'InheritFrom' }>;
      const src = ih[from.displ]!;
      const { path, info } = this.selectPath(sel.attrPath, sel.pos, inner);
      return `new T(() => sel(force(${src}, ${this.pos(from.pos)}), ${path}, ${info}))`;
    }
    return this.th(def.e, inner);
  }

  let(a: ExprAttrs, body: Expr, sc: Scope | null): string {
    const { scope } = this.bindGroup(a, sc);
    return this.ev(body, scope);
  }

  attrs(a: ExprAttrs, sc: Scope | null): string {
    internAll(a.attrs.keys());
    const sorted = [...a.attrs.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    const shape = new Shape(
      sorted,
      sorted.map((n) => this.posObj(a.attrs.get(n)!.pos)),
    );
    const shapeJs = this.k(shape);
    const p = this.pos(a.pos);
    let vals: string[];
    let dynScope: Scope | null = sc;
    let overrides = '';
    if (a.recursive) {
      const { scope, js } = this.bindGroup(a, sc);
      dynScope = scope;
      vals = sorted.map((n) => js.get(n)!);
      if (a.attrs.has('__overrides')) overrides = js.get('__overrides')!;
      if (overrides) {
        // `__overrides` replaces attributes *and* the variables other attributes see.
        const ov = this.tmp(`forceOverrides(${overrides})`);
        for (const [name, v] of js) this.emit(`{ const o = ${ov}.get(${JSON.stringify(name)}); if (o !== undefined) ${v} = o; }`);
        const base = this.tmp(`new Attrs(${shapeJs}, [${vals.join(', ')}], ${p})`);
        const merged = this.tmp(`mergeOverrides(${base}, ${ov}, ${p})`);
        return this.dynamic(a, merged, dynScope, p);
      }
    } else {
      const ih = this.inheritSources(a, sc);
      vals = sorted.map((n) => this.attrValue(a.attrs.get(n)!, sc, sc, ih));
    }
    if (a.dynamicAttrs.length === 0) return this.tmp(`new Attrs(${shapeJs}, [${vals.join(', ')}], ${p})`);
    const base = this.tmp(`new Attrs(${shapeJs}, [${vals.join(', ')}], ${p})`);
    return this.dynamic(a, base, dynScope, p);
  }

  /** Dynamic attributes are added after the static ones (and after `__overrides`), in the set's scope. */
  dynamic(a: ExprAttrs, base: string, sc: Scope | null, p: string): string {
    if (a.dynamicAttrs.length === 0) return base;
    const b = this.id('b');
    this.emit(`const ${b} = new DynAttrs(${base});`);
    for (const d of a.dynamicAttrs) {
      const name = this.ev(d.nameExpr, sc);
      const value = this.th(d.valueExpr, sc);
      this.emit(`${b}.add(${name}, ${value}, ${this.pos(d.pos)}, ${d.valueExpr.type === 'Lambda'});`);
    }
    return this.tmp(`${b}.finish(${p})`);
  }
}

/** Largest inner body (in generated characters) compiled a second time for a two-argument entry. */
const MAX_FN2_CODE = 1500;

/** Builtins inlined by the compiler: global name → [runtime function, builtin name for traces]. */
const INLINE_OPS: Record<string, [string, string]> = {
  __sub: ['sub', 'sub'],
  __mul: ['mul', 'mul'],
  __div: ['div', 'div'],
  __lessThan: ['lessThan', 'lessThan'],
};

function innermostWith(sc: Scope | null): string | undefined {
  for (let s = sc; s !== null; s = s.parent) if (s.kind === 'with') return s.js;
  return undefined;
}

function cannotFail(e: Expr): boolean {
  return e.type === 'Int' || e.type === 'Float' || e.type === 'String' || e.type === 'Path' || e.type === 'Lambda';
}

const RUNTIME_NAMES = Object.keys(RUNTIME);

/**
 * Compile a parsed file into a function that evaluates its root expression (to WHNF).
 * Throws UndefinedVarError for a variable that no scope binds.
 */
export function compile(file: ParsedFile, opts: CompileOptions): () => Value {
  const c = new Compiler(file.source, opts);
  const body = c.block(() => c.ev(file.root, null));
  const header = `"use strict";\nconst {${RUNTIME_NAMES.join(', ')}} = R;\n` + c.consts.map((_, i) => `const K${i} = K[${i}];`).join('\n');
  const src = `${header}\nreturn () => {\n${body.code}\nreturn ${body.result};\n};`;
  opts.dump?.(src);
  const factory = new Function('R', 'K', src) as (r: typeof RUNTIME, k: unknown[]) => () => Value;
  return factory(RUNTIME, c.consts);
}
