/**
 * The Nix abstract syntax tree: the contract between the parser (parse-*.ts), the scope
 * resolver (resolve.ts) and the evaluator's compiler (eval/).
 *
 * It mirrors upstream Nix's `Expr*` classes (libexpr/nixexpr.hh) so that desugaring,
 * `--parse` printing and error positions match: `a - b` is a call of `__sub`, `<p>` is
 * `__findFile __nixPath "p"`, `let { ... }` is `(rec { ... }).body`, `a.b = 1;` is a
 * nested attribute set, and `"${x}"`-style strings are `ConcatStrings` nodes.
 *
 * Text: sources are decoded as latin1 ("binary"), so one JS char is one source byte. Every
 * string in the AST (literals, attribute names, paths) is such a byte string, and every
 * `pos` is a byte offset into its `Source` (source.ts), turned into line/column only
 * for messages — exactly how Nix counts columns.
 *
 * Scope fields (`level`, `displ`, `fromWith`, `envSize`...) are filled by the resolver,
 * never by the parser; the evaluator relies on them and never looks variables up by name,
 * except through `with`.
 */

import type { Source } from './source.ts';

/** Byte offset into the source of the enclosing `ParsedFile`. */
export type Offset = number;

/** An attribute name in a path: static (`a`, `"a"` without interpolation) or dynamic (`${e}`, `"${e}"`). */
export type AttrName = { readonly name: string; readonly expr?: undefined } | { readonly name?: undefined; readonly expr: Expr };

export type Expr =
  | ExprInt
  | ExprFloat
  | ExprString
  | ExprPath
  | ExprVar
  | ExprInheritFrom
  | ExprSelect
  | ExprOpHasAttr
  | ExprAttrs
  | ExprList
  | ExprLambda
  | ExprCall
  | ExprLet
  | ExprWith
  | ExprIf
  | ExprAssert
  | ExprOpNot
  | ExprBinOp
  | ExprConcatStrings
  | ExprPos;

/** Integer literal. `value` is a JS number when safe (|v| ≤ 2^53-1), else a bigint within int64. */
export interface ExprInt {
  readonly type: 'Int';
  readonly pos: Offset;
  readonly value: number | bigint;
}

export interface ExprFloat {
  readonly type: 'Float';
  readonly pos: Offset;
  readonly value: number;
}

/** A string without interpolation (also URIs and the name in `<name>`). `value` is a byte string. */
export interface ExprString {
  readonly type: 'String';
  readonly pos: Offset;
  readonly value: string;
}

/**
 * A path literal without interpolation, already made absolute and canonical as upstream's
 * parser does (relative to the file's directory, or `$HOME` for `~/`), keeping a trailing
 * slash when the literal had one.
 */
export interface ExprPath {
  readonly type: 'Path';
  readonly pos: Offset;
  readonly value: string;
}

export interface ExprVar {
  readonly type: 'Var';
  readonly pos: Offset;
  readonly name: string;
  /** Resolver: environments to go up from the current one. */
  level: number;
  /** Resolver: slot in that environment. */
  displ: number;
  /**
   * Resolver: undefined for a lexically bound variable; otherwise the innermost enclosing
   * `with` to search (dynamic lookup), whose own `level` is then given in `level`
   * (relative to the current environment) — upstream's `fromWith`.
   */
  fromWith: ExprWith | undefined;
}

/**
 * The source of an `inherit (e) a b;` entry: slot `displ` of the environment that holds the
 * evaluated `inheritFromExprs` of the enclosing attrs/let (upstream's `ExprInheritFrom`).
 * The resolver sets `level` (that environment, counted from where the attr value is evaluated).
 */
export interface ExprInheritFrom {
  readonly type: 'InheritFrom';
  readonly pos: Offset;
  readonly displ: number;
  level: number;
}

/** `e.a.b.c` or `e.a.b or def`. */
export interface ExprSelect {
  readonly type: 'Select';
  readonly pos: Offset;
  readonly e: Expr;
  readonly attrPath: readonly AttrName[];
  readonly def: Expr | undefined;
}

/** `e ? a.b.c` */
export interface ExprOpHasAttr {
  readonly type: 'HasAttr';
  readonly pos: Offset;
  readonly e: Expr;
  readonly attrPath: readonly AttrName[];
}

export type AttrDefKind = 'plain' | 'inherited' | 'inheritedFrom';

/** One static attribute definition. */
export interface AttrDef {
  readonly kind: AttrDefKind;
  /**
   * The value: for `inherited`, an `ExprVar` of the same name (resolved in the *enclosing*
   * scope, even in `rec`); for `inheritedFrom`, an `ExprSelect` whose `e` is an
   * `ExprInheritFrom`.
   */
  e: Expr;
  /** Position of the attribute name (for `unsafeGetAttrPos`, errors). */
  readonly pos: Offset;
  /** Resolver: slot of this attribute in the recursive environment (rec sets and let). */
  displ: number;
}

export interface DynamicAttrDef {
  readonly nameExpr: Expr;
  readonly valueExpr: Expr;
  readonly pos: Offset;
}

/** `{ ... }` or `rec { ... }` (and the bindings of `let`). */
export interface ExprAttrs {
  readonly type: 'Attrs';
  pos: Offset;
  recursive: boolean;
  /** Static attributes, in order of first definition. Names are unique. */
  readonly attrs: Map<string, AttrDef>;
  /** `inherit (e)` sources, evaluated once each in their own environment. */
  readonly inheritFromExprs: Expr[];
  readonly dynamicAttrs: DynamicAttrDef[];
}

export interface ExprList {
  readonly type: 'List';
  readonly pos: Offset;
  readonly elems: readonly Expr[];
}

export interface Formal {
  readonly name: string;
  readonly pos: Offset;
  readonly def: Expr | undefined;
}

export interface Formals {
  /** In source order (upstream sorts them by name for printing and lookup). */
  readonly formals: readonly Formal[];
  readonly ellipsis: boolean;
}

/**
 * `x: body`, `{ a, b ? 1, ... }: body`, `args@{ ... }: body`. The lambda's environment
 * holds the `arg` (if any) in slot 0, then each formal in `formals` order.
 */
export interface ExprLambda {
  readonly type: 'Lambda';
  readonly pos: Offset;
  /** Name of the single argument or of the `@` binding. */
  readonly arg: string | undefined;
  readonly formals: Formals | undefined;
  readonly body: Expr;
  /** The attribute or let binding this lambda was defined as, for messages ("function 'foo'"); set by the parser. */
  name: string | undefined;
  /** Resolver: number of slots in the lambda's environment. */
  envSize: number;
}

/** Function application with one or more arguments: `f a b`. */
export interface ExprCall {
  readonly type: 'Call';
  readonly pos: Offset;
  readonly fn: Expr;
  readonly args: Expr[];
}

/** `let binds in body`: `attrs` is never recursive-flagged; its bindings form one environment. */
export interface ExprLet {
  readonly type: 'Let';
  readonly pos: Offset;
  readonly attrs: ExprAttrs;
  readonly body: Expr;
}

export interface ExprWith {
  readonly type: 'With';
  readonly pos: Offset;
  readonly attrs: Expr;
  readonly body: Expr;
  /** Resolver: the next enclosing `with` (searched after this one), and how many environments up it is. */
  parentWith: ExprWith | undefined;
  prevWith: number;
}

export interface ExprIf {
  readonly type: 'If';
  readonly pos: Offset;
  readonly cond: Expr;
  readonly then: Expr;
  readonly else: Expr;
}

export interface ExprAssert {
  readonly type: 'Assert';
  readonly pos: Offset;
  readonly cond: Expr;
  readonly body: Expr;
}

export interface ExprOpNot {
  readonly type: 'Not';
  readonly pos: Offset;
  readonly e: Expr;
}

/** Binary operators that are their own node upstream (the rest desugar to calls of `__sub`, `__lessThan`...). */
export type BinOp = '==' | '!=' | '&&' | '||' | '->' | '//' | '++';

export interface ExprBinOp {
  readonly type: 'BinOp';
  readonly pos: Offset;
  readonly op: BinOp;
  readonly e1: Expr;
  readonly e2: Expr;
}

/**
 * `a + b` (forceString false) and interpolated strings and paths (forceString true when
 * the parts come from a string literal with `${}`). Upstream's `ExprConcatStrings`.
 */
export interface ExprConcatStrings {
  readonly type: 'ConcatStrings';
  readonly pos: Offset;
  readonly forceString: boolean;
  readonly parts: readonly { readonly pos: Offset; readonly e: Expr }[];
}

/** `__curPos` */
export interface ExprPos {
  readonly type: 'Pos';
  readonly pos: Offset;
}

/** The result of parsing one file or string. */
export interface ParsedFile {
  readonly source: Source;
  readonly root: Expr;
}
