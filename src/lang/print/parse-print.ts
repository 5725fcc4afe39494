/**
 * `nix-instantiate --parse` output: upstream's `Expr::show` (libexpr/nixexpr.cc), current
 * upstream rather than Nix 2.8 — lambda formals and attributes sorted by name, `inherit a b;`
 * and `inherit (e) c d;` grouped (see notes-nix28-vs-upstream.md §2.3). Every compound
 * expression is parenthesised, so the output re-parses to the same tree.
 */

import type { Expr, ExprAttrs } from '../ast.ts';
import { formatFloat } from './float.ts';
import { printIdentifier, printLiteralString } from './literal.ts';

export function showExpr(e: Expr): string {
  const out: string[] = [];
  show(e, out);
  return out.join('');
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function show(e: Expr, o: string[]): void {
  switch (e.type) {
    case 'Int':
      o.push(String(e.value));
      return;
    case 'Float':
      o.push(formatFloat(e.value));
      return;
    case 'String':
      o.push(printLiteralString(e.value));
      return;
    case 'Path':
      o.push(e.value);
      return;
    case 'Var':
      o.push(printIdentifier(e.name));
      return;
    case 'InheritFrom':
      o.push('""'); // a nameless variable; never printed on its own upstream
      return;
    case 'Select':
      o.push('(');
      show(e.e, o);
      o.push(').');
      showAttrPath(e.attrPath, o);
      if (e.def) {
        o.push(' or (');
        show(e.def, o);
        o.push(')');
      }
      return;
    case 'HasAttr':
      o.push('((');
      show(e.e, o);
      o.push(') ? ');
      showAttrPath(e.attrPath, o);
      o.push(')');
      return;
    case 'Attrs':
      o.push(e.recursive ? 'rec { ' : '{ ');
      showBindings(e, o);
      o.push('}');
      return;
    case 'List':
      o.push('[ ');
      for (const x of e.elems) {
        o.push('(');
        show(x, o);
        o.push(') ');
      }
      o.push(']');
      return;
    case 'Lambda': {
      o.push('(');
      if (e.formals) {
        o.push('{ ');
        const sorted = [...e.formals.formals].sort((a, b) => byName(a.name, b.name));
        sorted.forEach((f, i) => {
          if (i > 0) o.push(', ');
          o.push(printIdentifier(f.name));
          if (f.def) {
            o.push(' ? ');
            show(f.def, o);
          }
        });
        if (e.formals.ellipsis) o.push(sorted.length ? ', ...' : '...');
        o.push(' }');
        if (e.arg !== undefined) o.push(' @ ');
      }
      if (e.arg !== undefined) o.push(printIdentifier(e.arg));
      o.push(': ');
      show(e.body, o);
      o.push(')');
      return;
    }
    case 'Call':
      o.push('(');
      show(e.fn, o);
      for (const a of e.args) {
        o.push(' ');
        show(a, o);
      }
      o.push(')');
      return;
    case 'Let':
      o.push('(let ');
      showBindings(e.attrs, o);
      o.push('in ');
      show(e.body, o);
      o.push(')');
      return;
    case 'With':
      o.push('(with ');
      show(e.attrs, o);
      o.push('; ');
      show(e.body, o);
      o.push(')');
      return;
    case 'If':
      o.push('(if ');
      show(e.cond, o);
      o.push(' then ');
      show(e.then, o);
      o.push(' else ');
      show(e.else, o);
      o.push(')');
      return;
    case 'Assert':
      o.push('assert ');
      show(e.cond, o);
      o.push('; ');
      show(e.body, o);
      return;
    case 'Not':
      o.push('(! ');
      show(e.e, o);
      o.push(')');
      return;
    case 'BinOp':
      o.push('(');
      show(e.e1, o);
      o.push(` ${e.op} `);
      show(e.e2, o);
      o.push(')');
      return;
    case 'ConcatStrings':
      o.push('(');
      e.parts.forEach((part, i) => {
        if (i > 0) o.push(' + ');
        show(part.e, o);
      });
      o.push(')');
      return;
    case 'Pos':
      o.push('__curPos');
      return;
  }
}

function showAttrPath(path: readonly ({ name: string; expr?: undefined } | { name?: undefined; expr: Expr })[], o: string[]): void {
  path.forEach((a, i) => {
    if (i > 0) o.push('.');
    if (a.name !== undefined) o.push(printIdentifier(a.name));
    else {
      o.push('"${');
      show(a.expr, o);
      o.push('}"');
    }
  });
}

/** upstream's `showBindings`: `inherit …;`, then `inherit (e) …;` by source, then `name = e;`, then dynamic ones. */
function showBindings(attrs: ExprAttrs, o: string[]): void {
  const names = [...attrs.attrs.keys()].sort(byName);
  const inherits: string[] = [];
  const inheritsFrom = new Map<number, string[]>();
  for (const n of names) {
    const def = attrs.attrs.get(n)!;
    if (def.kind === 'inherited') inherits.push(n);
    else if (def.kind === 'inheritedFrom' && def.e.type === 'Select' && def.e.e.type === 'InheritFrom') {
      const d = def.e.e.displ;
      let l = inheritsFrom.get(d);
      if (!l) inheritsFrom.set(d, (l = []));
      l.push(n);
    }
  }
  if (inherits.length) o.push('inherit', ...inherits.map((n) => ' ' + printIdentifier(n)), '; ');
  for (const d of [...inheritsFrom.keys()].sort((a, b) => a - b)) {
    o.push('inherit (');
    show(attrs.inheritFromExprs[d]!, o);
    o.push(')', ...inheritsFrom.get(d)!.map((n) => ' ' + printIdentifier(n)), '; ');
  }
  for (const n of names) {
    const def = attrs.attrs.get(n)!;
    if (def.kind !== 'plain') continue;
    o.push(printIdentifier(n), ' = ');
    show(def.e, o);
    o.push('; ');
  }
  for (const d of attrs.dynamicAttrs) {
    o.push('"${');
    show(d.nameExpr, o);
    o.push('}" = ');
    show(d.valueExpr, o);
    o.push('; ');
  }
}
