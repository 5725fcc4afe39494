/**
 * Bindings and formals (parser.y: `binds`, `binds1`, `attrpath`, `attrs`, `formal_set`,
 * `formals`) with upstream's semantic actions (parser-state.hh): nested attribute paths
 * (`a.b = 1; a.c = 2;`) merged into nested sets, merging with a later or earlier explicit
 * `a = { … };`, "attribute 'a.b' already defined at FILE:L:C", `inherit` and `inherit (e)`
 * with one shared source per clause, lambda names from bindings (`setName`), and
 * `validateFormals`' duplicate checks.
 */

import type { AttrDef, AttrName, Expr, ExprAttrs, ExprInheritFrom, Formal, Formals } from './ast.ts';
import { showPos } from './diagnostic.ts';
import { parseStringParts } from './parse-string.ts';
import type { Parser } from './parser.ts';
import { printIdentifier } from './print/literal.ts';
import { showExpr } from './print/parse-print.ts';
import { NixSyntaxError } from './syntax-error.ts';
import * as T from './tokens.ts';

export function newAttrs(pos: number): ExprAttrs {
  return { type: 'Attrs', pos, recursive: false, attrs: new Map(), inheritFromExprs: [], dynamicAttrs: [] };
}

/** Bindings up to (not including) `closing` (`}` or `in`). */
export function parseBinds(p: Parser, closing: number): ExprAttrs {
  const attrs = newAttrs(p.start());
  for (;;) {
    const k = p.kind();
    if (k === T.T_INHERIT) parseInherit(p, attrs);
    else if (k === T.T_ID || k === T.T_OR_KW || k === T.T_QUOTE || k === T.T_DOLLAR_CURLY) {
      const pos = p.start();
      const path = parseAttrPath(p);
      p.expect(T.T_ASSIGN);
      const e = p.expr();
      p.expect(T.T_SEMI);
      addAttr(p, attrs, path, pos, e);
    } else if (k === closing) return attrs;
    else p.syntaxError();
  }
}

/** `a.b."c".${d}` */
export function parseAttrPath(p: Parser): AttrName[] {
  const path = [parseAttrName(p)];
  while (p.kind() === T.T_DOT) {
    p.advance();
    path.push(parseAttrName(p));
  }
  return path;
}

/** One attribute name: `a`, `or`, `"a"`, `"${e}"`, `${e}` — static when it is a plain string. */
function parseAttrName(p: Parser): AttrName {
  const k = p.kind();
  if (k === T.T_ID) {
    const name = p.value() as string;
    p.advance();
    return { name };
  }
  if (k === T.T_OR_KW) {
    p.advance();
    return { name: 'or' };
  }
  if (k === T.T_QUOTE) {
    p.advance();
    const s = parseStringParts(p);
    return typeof s === 'string' ? { name: s } : { expr: s };
  }
  if (k === T.T_DOLLAR_CURLY) {
    p.advance();
    const e = p.expr();
    p.expect(T.T_RBRACE);
    // `${"a"}` is the static name "a" (upstream's ToBeStringyExpr).
    return e.type === 'String' ? { name: e.value } : { expr: e };
  }
  p.syntaxError();
}

function parseInherit(p: Parser, attrs: ExprAttrs): void {
  p.advance();
  let from: Expr | undefined;
  let fromPos = 0;
  if (p.kind() === T.T_LPAREN) {
    p.advance();
    fromPos = p.start();
    from = p.expr();
    p.expect(T.T_RPAREN);
  }
  const names: { name: string; pos: number }[] = [];
  for (;;) {
    const k = p.kind();
    const pos = p.start();
    if (k === T.T_ID) {
      names.push({ name: p.value() as string, pos });
      p.advance();
    } else if (k === T.T_OR_KW) {
      names.push({ name: 'or', pos });
      p.advance();
    } else if (k === T.T_QUOTE || k === T.T_DOLLAR_CURLY) {
      const an = parseAttrName(p);
      if (an.name === undefined) throw new NixSyntaxError('E_NIX_DYNAMIC_ATTR', 'dynamic attributes not allowed in inherit', p.source, pos);
      names.push({ name: an.name, pos });
    } else if (k === T.T_SEMI) {
      p.advance();
      break;
    } else p.syntaxError();
  }
  let source: ExprInheritFrom | undefined;
  if (from) {
    attrs.inheritFromExprs.push(from);
    source = { type: 'InheritFrom', pos: fromPos, displ: attrs.inheritFromExprs.length - 1, level: 0 };
  }
  for (const { name, pos } of names) {
    const prev = attrs.attrs.get(name);
    if (prev) dupAttr(p, printIdentifier(name), pos, prev.pos);
    const e: Expr = source
      ? { type: 'Select', pos, e: source, attrPath: [{ name }], def: undefined }
      : { type: 'Var', pos, name, level: 0, displ: 0, fromWith: undefined };
    attrs.attrs.set(name, { kind: source ? 'inheritedFrom' : 'inherited', e, pos, displ: 0 });
  }
}

/** upstream's `ParserState::addAttr` for `path = e;` at `pos`. */
function addAttr(p: Parser, attrs: ExprAttrs, path: AttrName[], pos: number, e: Expr): void {
  let i = 0;
  for (; i + 1 < path.length; i++) {
    const an = path[i]!;
    let nested: ExprAttrs;
    if (an.name !== undefined) {
      const j = attrs.attrs.get(an.name);
      if (j) {
        if (j.e.type !== 'Attrs') dupAttr(p, showAttrPath(path.slice(0, i + 1)), pos, j.pos);
        nested = j.e;
      } else {
        nested = newAttrs(pos);
        attrs.attrs.set(an.name, { kind: 'plain', e: nested, pos, displ: 0 });
      }
    } else {
      nested = newAttrs(pos);
      attrs.dynamicAttrs.push({ nameExpr: an.expr, valueExpr: nested, pos });
    }
    attrs = nested;
  }
  const last = path[i]!;
  if (last.name !== undefined) addAttrDef(p, attrs, path.slice(), last.name, { kind: 'plain', e, pos, displ: 0 });
  else attrs.dynamicAttrs.push({ nameExpr: last.expr, valueExpr: e, pos });
}

/** Define `name` in `attrs`, merging two attribute-set values as upstream does (NixOS/nix#9020). */
function addAttrDef(p: Parser, attrs: ExprAttrs, path: AttrName[], name: string, def: AttrDef): void {
  const j = attrs.attrs.get(name);
  if (!j) {
    attrs.attrs.set(name, def);
    setName(def.e, name);
    return;
  }
  const ae = def.e;
  const jAttrs = j.e;
  if (ae.type !== 'Attrs' || jAttrs.type !== 'Attrs') return dupAttr(p, showAttrPath(path), def.pos, j.pos);
  // The merged `inherit (…)` sources go after jAttrs' own. Upstream shifts a shared source once
  // per attribute inherited from it, corrupting clauses with several names; shift each once.
  const shift = jAttrs.inheritFromExprs.length;
  const shifted = new Set<ExprInheritFrom>();
  for (const [n, ad] of ae.attrs) {
    if (ad.kind === 'inheritedFrom' && ad.e.type === 'Select' && ad.e.e.type === 'InheritFrom' && !shifted.has(ad.e.e)) {
      shifted.add(ad.e.e);
      (ad.e.e as { displ: number }).displ += shift;
    }
    path.push({ name: n });
    addAttrDef(p, jAttrs, path, n, ad);
    path.pop();
  }
  ae.attrs.clear();
  jAttrs.dynamicAttrs.push(...ae.dynamicAttrs);
  ae.dynamicAttrs.length = 0;
  jAttrs.inheritFromExprs.push(...ae.inheritFromExprs);
  ae.inheritFromExprs.length = 0;
}

/** upstream's `setName`: a lambda bound directly to a name (and lambdas directly in its body) take that name. */
function setName(e: Expr, name: string): void {
  while (e.type === 'Lambda') {
    e.name = name;
    e = e.body;
  }
}

function dupAttr(p: Parser, shown: string, pos: number, prevPos: number): never {
  const where = showPos({ source: p.source, offset: prevPos });
  throw new NixSyntaxError('E_NIX_DUP_ATTR', `attribute '${shown}' already defined at ${where}`, p.source, pos);
}

/** `a.b."c d"."${e}"` as upstream's showAttrSelectionPath prints it. */
export function showAttrPath(path: readonly AttrName[]): string {
  return path.map((a) => (a.name !== undefined ? printIdentifier(a.name) : '"${' + showExpr(a.expr) + '}"')).join('.');
}

// ---- formals -----------------------------------------------------------------------------------

/** `{ a, b ? e, ... }` */
export function parseFormalSet(p: Parser): Formals {
  p.expect(T.T_LBRACE);
  const formals: Formal[] = [];
  let ellipsis = false;
  if (p.kind() === T.T_RBRACE) {
    p.advance();
    return { formals, ellipsis };
  }
  if (p.kind() === T.T_ELLIPSIS) {
    p.advance();
    p.expect(T.T_RBRACE);
    return { formals, ellipsis: true };
  }
  for (;;) {
    if (p.kind() !== T.T_ID) p.syntaxError();
    const pos = p.start();
    const name = p.value() as string;
    p.advance();
    let def: Expr | undefined;
    if (p.kind() === T.T_QUESTION) {
      p.advance();
      def = p.expr();
    }
    formals.push({ name, pos, def });
    const k = p.kind();
    if (k === T.T_COMMA) {
      p.advance();
      const n = p.kind();
      if (n === T.T_ELLIPSIS) {
        p.advance();
        p.expect(T.T_RBRACE);
        ellipsis = true;
        break;
      }
      if (n === T.T_RBRACE) {
        p.advance();
        break;
      }
    } else if (k === T.T_RBRACE) {
      p.advance();
      break;
    } else p.syntaxError();
  }
  return { formals, ellipsis };
}

/**
 * upstream's `validateFormals`, run after the lambda's body as there: the first duplicate
 * (by name in order of first appearance, then by position) is reported at its second
 * occurrence; then an `@` name that is also a formal, at the lambda.
 */
export function validateFormals(p: Parser, formals: Formals, lambdaPos: number, arg: string | undefined): void {
  const firstIndex = new Map<string, number>();
  let best: { order: number; pos: number; name: string } | undefined;
  for (const f of formals.formals) {
    const order = firstIndex.get(f.name);
    if (order === undefined) firstIndex.set(f.name, firstIndex.size);
    else if (!best || order < best.order || (order === best.order && f.pos < best.pos)) best = { order, pos: f.pos, name: f.name };
  }
  if (best) throw dupFormal(p, best.name, best.pos);
  if (arg !== undefined && firstIndex.has(arg)) throw dupFormal(p, arg, lambdaPos);
}

function dupFormal(p: Parser, name: string, pos: number): NixSyntaxError {
  return new NixSyntaxError('E_NIX_DUP_FORMAL', `duplicate formal function argument '${printIdentifier(name)}'`, p.source, pos);
}
