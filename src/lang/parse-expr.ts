/**
 * Expressions (parser.y: `expr_function`, `expr_if`, the pipes, `expr_op`, `expr_app`,
 * `expr_select`, `expr_simple`, `list`). Operators are parsed by precedence climbing over the
 * table in tokens.ts, which encodes bison's `%left/%right/%nonassoc` resolution; the
 * desugarings are upstream's: `-`, `*`, `/` call `__sub`/`__mul`/`__div`, comparisons call
 * `__lessThan` (under a `!` for `<=`/`>=`), unary minus is `__sub 0 e`, `<p>` is
 * `__findFile __nixPath "p"`, `let { … }` selects `body` from a rec set, and applications
 * extend an existing call node (`(f a) b` is one call with two arguments, as `makeCall` does).
 */

import type { AttrName, Expr, ExprAttrs, ExprCall, ExprVar, Formals } from './ast.ts';
import { showPos } from './diagnostic.ts';
import { newAttrs, parseAttrPath, parseBinds, parseFormalSet, validateFormals } from './parse-binds.ts';
import { parseIndString, parsePath, parseString, str } from './parse-string.ts';
import type { Parser } from './parser.ts';
import { NixSyntaxError } from './syntax-error.ts';
import * as T from './tokens.ts';

/** `expr: expr_function` */
export function parseExpr(p: Parser): Expr {
  const k = p.kind();
  switch (k) {
    case T.T_ID: {
      const n = p.peek(1);
      if (n === T.T_COLON) {
        const pos = p.start();
        const arg = p.value() as string;
        p.advance();
        p.advance();
        const body = parseExpr(p);
        return lambda(pos, arg, undefined, body);
      }
      if (n === T.T_AT) {
        const pos = p.start();
        const arg = p.value() as string;
        p.advance();
        p.advance();
        if (p.kind() !== T.T_LBRACE) p.syntaxError();
        const formals = parseFormalSet(p);
        p.expect(T.T_COLON);
        return lambdaWithFormals(p, pos, arg, formals);
      }
      return parseExprIf(p);
    }
    case T.T_LBRACE:
      if (startsFormals(p)) {
        const pos = p.start();
        const formals = parseFormalSet(p);
        let arg: string | undefined;
        if (p.kind() === T.T_AT) {
          p.advance();
          if (p.kind() !== T.T_ID) p.syntaxError();
          arg = p.value() as string;
          p.advance();
        }
        p.expect(T.T_COLON);
        return lambdaWithFormals(p, pos, arg, formals);
      }
      return parseExprIf(p);
    case T.T_ASSERT: {
      const pos = p.start();
      p.advance();
      const cond = parseExpr(p);
      p.expect(T.T_SEMI);
      return { type: 'Assert', pos, cond, body: parseExpr(p) };
    }
    case T.T_WITH: {
      const pos = p.start();
      p.advance();
      const attrs = parseExpr(p);
      p.expect(T.T_SEMI);
      return { type: 'With', pos, attrs, body: parseExpr(p), parentWith: undefined, prevWith: 0 };
    }
    case T.T_LET: {
      if (p.peek(1) === T.T_LBRACE) return parseExprIf(p); // `let { … }`
      const pos = p.start();
      p.advance();
      const attrs = parseBinds(p, T.T_IN);
      p.advance();
      const body = parseExpr(p);
      if (attrs.dynamicAttrs.length > 0) throw new NixSyntaxError('E_NIX_DYNAMIC_ATTR', 'dynamic attributes not allowed in let', p.source, pos);
      attrs.pos = pos;
      return { type: 'Let', pos, attrs, body };
    }
    default:
      return parseExprIf(p);
  }
}

function lambda(pos: number, arg: string | undefined, formals: Formals | undefined, body: Expr): Expr {
  return { type: 'Lambda', pos, arg, formals, body, name: undefined, envSize: 0 };
}

function lambdaWithFormals(p: Parser, pos: number, arg: string | undefined, formals: Formals): Expr {
  const body = parseExpr(p);
  validateFormals(p, formals, pos, arg);
  return lambda(pos, arg, formals, body);
}

/** At `{`: does a formal set start here (rather than an attribute set)? Decided as bison's look-ahead does. */
function startsFormals(p: Parser): boolean {
  const n = p.peek(1);
  if (n === T.T_ELLIPSIS) return true;
  if (n === T.T_RBRACE) {
    const m = p.peek(2);
    return m === T.T_COLON || m === T.T_AT;
  }
  if (n === T.T_ID) {
    const m = p.peek(2);
    return m === T.T_COMMA || m === T.T_QUESTION || m === T.T_RBRACE;
  }
  return false;
}

/** `expr_if`: `if … then … else …`, or operators with the pipe operators below them. */
function parseExprIf(p: Parser): Expr {
  if (p.kind() === T.T_IF) {
    const pos = p.start();
    p.advance();
    const cond = parseExpr(p);
    p.expect(T.T_THEN);
    const then = parseExpr(p);
    p.expect(T.T_ELSE);
    return { type: 'If', pos, cond, then, else: parseExpr(p) };
  }
  const first = parseOp(p, 0);
  const k = p.kind();
  if (k === T.T_PIPE_INTO) {
    // Left-associative: a |> f |> g = g (f a).
    let acc = first;
    while (p.kind() === T.T_PIPE_INTO) {
      const pos = p.start();
      p.advance();
      acc = makeCall(pos, parseOp(p, 0), acc);
    }
    return acc;
  }
  if (k === T.T_PIPE_FROM) {
    // Right-associative: f <| g <| a = f (g a).
    const fns: { pos: number; e: Expr }[] = [];
    let last = first;
    while (p.kind() === T.T_PIPE_FROM) {
      fns.push({ pos: p.start(), e: last });
      p.advance();
      last = parseOp(p, 0);
    }
    for (let i = fns.length - 1; i >= 0; i--) last = makeCall(fns[i]!.pos, fns[i]!.e, last);
    return last;
  }
  return first;
}

const varOf = (pos: number, name: string): ExprVar => ({ type: 'Var', pos, name, level: 0, displ: 0, fromWith: undefined });

/** Precedence climbing over `expr_op`; `minPrec` is the loosest operator this call may take. */
function parseOp(p: Parser, minPrec: number): Expr {
  const start = p.start();
  let lhs: Expr;
  const k0 = p.kind();
  if (k0 === T.T_BANG) {
    const pos = p.start();
    p.advance();
    lhs = { type: 'Not', pos, e: parseOp(p, T.PREC_NOT + 1) };
  } else if (k0 === T.T_MINUS) {
    const pos = p.start();
    p.advance();
    const e = parseOp(p, T.PREC_NEGATE + 1);
    lhs = { type: 'Call', pos, fn: varOf(pos, '__sub'), args: [{ type: 'Int', pos, value: 0 }, e] };
  } else lhs = parseApp(p);
  let lhsStart = start;
  let nonassocPrec = -1;
  for (;;) {
    const k = p.kind();
    const info = T.BINOPS[k];
    if (info === undefined || info.prec < minPrec) return lhs;
    const pos = p.start();
    if (k === T.T_QUESTION) {
      p.advance();
      const attrPath = parseAttrPath(p);
      lhs = { type: 'HasAttr', pos: lhs.pos, e: lhs, attrPath };
      continue;
    }
    if (info.prec === nonassocPrec) p.syntaxError();
    p.advance();
    const rhsStart = p.start();
    const rhs = parseOp(p, info.assoc === T.ASSOC.right ? info.prec : info.prec + 1);
    lhs = binary(k, pos, lhs, lhsStart, rhs, rhsStart);
    if (info.assoc === T.ASSOC.nonassoc) nonassocPrec = info.prec;
    lhsStart = start;
  }
}

function binary(k: number, pos: number, a: Expr, aStart: number, b: Expr, bStart: number): Expr {
  const call = (name: string, x: Expr, y: Expr): ExprCall => ({ type: 'Call', pos, fn: varOf(pos, name), args: [x, y] });
  switch (k) {
    case T.T_EQ:
      return { type: 'BinOp', pos, op: '==', e1: a, e2: b };
    case T.T_NEQ:
      return { type: 'BinOp', pos, op: '!=', e1: a, e2: b };
    case T.T_AND:
      return { type: 'BinOp', pos, op: '&&', e1: a, e2: b };
    case T.T_OR:
      return { type: 'BinOp', pos, op: '||', e1: a, e2: b };
    case T.T_IMPL:
      return { type: 'BinOp', pos, op: '->', e1: a, e2: b };
    case T.T_UPDATE:
      return { type: 'BinOp', pos, op: '//', e1: a, e2: b };
    case T.T_CONCAT:
      return { type: 'BinOp', pos, op: '++', e1: a, e2: b };
    case T.T_LT:
      return call('__lessThan', a, b);
    case T.T_GT:
      return call('__lessThan', b, a);
    case T.T_LEQ:
      return { type: 'Not', pos, e: call('__lessThan', b, a) };
    case T.T_GEQ:
      return { type: 'Not', pos, e: call('__lessThan', a, b) };
    case T.T_PLUS:
      return { type: 'ConcatStrings', pos, forceString: false, parts: [{ pos: aStart, e: a }, { pos: bStart, e: b }] };
    case T.T_MINUS:
      return call('__sub', a, b);
    case T.T_STAR:
      return call('__mul', a, b);
    default:
      return call('__div', a, b);
  }
}

/** upstream's makeCall: applying a call adds an argument to it. */
function makeCall(pos: number, fn: Expr, arg: Expr): Expr {
  if (fn.type === 'Call') {
    fn.args.push(arg);
    return fn;
  }
  return { type: 'Call', pos, fn, args: [arg] };
}

/** Tokens that can start an `expr_select` (and so an argument or a list element). */
const STARTS_SELECT = (() => {
  const t = new Uint8Array(T.N_TERMINALS);
  for (const k of [T.T_ID, T.T_INT, T.T_FLOAT, T.T_QUOTE, T.T_IND_STRING_OPEN, T.T_PATH, T.T_HPATH, T.T_SPATH, T.T_URI, T.T_LPAREN, T.T_LET, T.T_REC, T.T_LBRACE, T.T_LBRACKET]) t[k] = 1;
  return t;
})();

/** Calls whose last argument is a "cursed or" (`f or`), with where that `or` ends. */
const cursedOr = new WeakMap<Expr, number>();

/** `expr_app`: `f a b …` */
function parseApp(p: Parser): Expr {
  const pos = p.start();
  let fn = parseSelect(p);
  cursedOr.delete(fn); // upstream's resetCursedOr
  while (STARTS_SELECT[p.kind()]) {
    const arg = parseSelect(p);
    warnIfCursedOr(p, arg);
    fn = makeCall(pos, fn, arg);
  }
  return fn;
}

/** `expr_select`: `e.a.b`, `e.a.b or def`, and the backwards-compatible `f or` call. */
function parseSelect(p: Parser): Expr {
  const pos = p.start();
  const e = parseSimple(p);
  const k = p.kind();
  if (k === T.T_DOT) {
    p.advance();
    const attrPath = parseAttrPath(p);
    let def: Expr | undefined;
    if (p.kind() === T.T_OR_KW) {
      p.advance();
      def = parseSelect(p);
      warnIfCursedOr(p, def);
    }
    return { type: 'Select', pos, e, attrPath, def };
  }
  if (k === T.T_OR_KW) {
    const orPos = p.start();
    const end = p.ends[p.i]!;
    p.advance();
    const call: Expr = { type: 'Call', pos, fn: e, args: [varOf(orPos, 'or')] };
    cursedOr.set(call, end);
    return call;
  }
  return e;
}

function warnIfCursedOr(p: Parser, e: Expr): void {
  const end = cursedOr.get(e);
  if (end === undefined || !p.options.warn) return;
  const snippet = p.source.text.slice(e.pos, end);
  p.options.warn(
    `at ${showPos({ source: p.source, offset: e.pos })}: This expression uses \`or\` as an identifier in a way that will change in a future Nix release.\n` +
      `Wrap this entire expression in parentheses to preserve its current meaning:\n    (${snippet})\n` +
      'Give feedback at https://github.com/NixOS/nix/pull/11121',
  );
}

const BODY: readonly AttrName[] = [{ name: 'body' }];

/** `expr_simple` */
function parseSimple(p: Parser): Expr {
  const k = p.kind();
  const pos = p.start();
  switch (k) {
    case T.T_ID: {
      const name = p.value() as string;
      p.advance();
      if (name === '__curPos') return { type: 'Pos', pos };
      return varOf(pos, name);
    }
    case T.T_INT: {
      const value = p.value() as number | bigint;
      p.advance();
      return { type: 'Int', pos, value };
    }
    case T.T_FLOAT: {
      const value = p.value() as number;
      p.advance();
      return { type: 'Float', pos, value };
    }
    case T.T_QUOTE:
      return parseString(p);
    case T.T_IND_STRING_OPEN:
      return parseIndString(p);
    case T.T_PATH:
    case T.T_HPATH:
      return parsePath(p);
    case T.T_SPATH: {
      const text = p.value() as string;
      p.advance();
      return { type: 'Call', pos, fn: varOf(pos, '__findFile'), args: [varOf(pos, '__nixPath'), str(pos, text.slice(1, -1))] };
    }
    case T.T_URI: {
      const text = p.value() as string;
      p.advance();
      return str(pos, text);
    }
    case T.T_LPAREN: {
      p.advance();
      const e = parseExpr(p);
      p.expect(T.T_RPAREN);
      return e;
    }
    case T.T_LET: {
      p.advance();
      const attrs = recSet(p, pos);
      return { type: 'Select', pos, e: attrs, attrPath: BODY, def: undefined };
    }
    case T.T_REC:
      p.advance();
      return recSet(p, pos);
    case T.T_LBRACE: {
      p.advance();
      const attrs = p.kind() === T.T_RBRACE ? newAttrs(pos) : parseBinds(p, T.T_RBRACE);
      p.expect(T.T_RBRACE);
      attrs.pos = pos;
      return attrs;
    }
    case T.T_LBRACKET: {
      p.advance();
      const elems: Expr[] = [];
      while (STARTS_SELECT[p.kind()]) {
        const e = parseSelect(p);
        warnIfCursedOr(p, e);
        elems.push(e);
      }
      p.expect(T.T_RBRACKET);
      return { type: 'List', pos, elems };
    }
    default:
      p.syntaxError();
  }
}

function recSet(p: Parser, pos: number): ExprAttrs {
  p.expect(T.T_LBRACE);
  const attrs = parseBinds(p, T.T_RBRACE);
  p.advance();
  attrs.recursive = true;
  attrs.pos = pos;
  return attrs;
}
