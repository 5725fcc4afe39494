/**
 * Upstream `Expr::show` (nixexpr.cc), the text of an expression in messages such as
 * "assertion '(arg == "y")' failed" and in `"${…}"` selection paths. The same form
 * `nix-instantiate --parse` prints.
 */

import type { AttrName, Expr, ExprAttrs } from '../ast.ts';
import { formatFloat, printIdentifier, printLiteralString } from '../print/literal.ts';

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function showAttrPath(path: readonly AttrName[]): string {
  return path.map((a) => (a.expr === undefined ? printIdentifier(a.name!) : `"\${${showExpr(a.expr)}}"`)).join('.');
}

function showBindings(a: ExprAttrs): string {
  let out = '';
  const sorted = [...a.attrs.entries()].sort((x, y) => byName(x[0], y[0]));
  const inherits = sorted.filter(([, d]) => d.kind === 'inherited').map(([n]) => n);
  const from = new Map<number, string[]>();
  for (const [n, d] of sorted) {
    if (d.kind !== 'inheritedFrom') continue;
    const sel = d.e as Extract<Expr, { type: 'Select' }>;
    const displ = (sel.e as Extract<Expr, { type: 'InheritFrom' }>).displ;
    if (!from.has(displ)) from.set(displ, []);
    from.get(displ)!.push(n);
  }
  if (inherits.length > 0) out += `inherit ${inherits.map(printIdentifier).join(' ')}; `;
  for (const displ of [...from.keys()].sort((x, y) => x - y)) {
    out += `inherit (${showExpr(a.inheritFromExprs[displ]!)}) ${from.get(displ)!.map(printIdentifier).join(' ')}; `;
  }
  for (const [n, d] of sorted) if (d.kind === 'plain') out += `${printIdentifier(n)} = ${showExpr(d.e)}; `;
  for (const d of a.dynamicAttrs) out += `"\${${showExpr(d.nameExpr)}}" = ${showExpr(d.valueExpr)}; `;
  return out;
}

export function showExpr(e: Expr): string {
  switch (e.type) {
    case 'Int':
      return String(e.value);
    case 'Float':
      return formatFloat(e.value);
    case 'String':
      return printLiteralString(e.value);
    case 'Path':
      return e.value;
    case 'Var':
      return printIdentifier(e.name);
    case 'InheritFrom':
      return `(inherit-from ${e.displ})`;
    case 'Select':
      return `(${showExpr(e.e)}).${showAttrPath(e.attrPath)}${e.def ? ` or (${showExpr(e.def)})` : ''}`;
    case 'HasAttr':
      return `((${showExpr(e.e)}) ? ${showAttrPath(e.attrPath)})`;
    case 'Attrs':
      return `${e.recursive ? 'rec ' : ''}{ ${showBindings(e)}}`;
    case 'List':
      return `[ ${e.elems.map((x) => `(${showExpr(x)}) `).join('')}]`;
    case 'Lambda': {
      let out = '(';
      if (e.formals) {
        const fs = [...e.formals.formals].sort((a, b) => byName(a.name, b.name));
        const parts = fs.map((f) => printIdentifier(f.name) + (f.def ? ` ? ${showExpr(f.def)}` : ''));
        if (e.formals.ellipsis) parts.push('...');
        out += `{ ${parts.join(', ')} }`;
        if (e.arg !== undefined) out += ' @ ';
      }
      if (e.arg !== undefined) out += printIdentifier(e.arg);
      return out + `: ${showExpr(e.body)})`;
    }
    case 'Call':
      return `(${showExpr(e.fn)}${e.args.map((a) => ' ' + showExpr(a)).join('')})`;
    case 'Let':
      return `(let ${showBindings(e.attrs)}in ${showExpr(e.body)})`;
    case 'With':
      return `(with ${showExpr(e.attrs)}; ${showExpr(e.body)})`;
    case 'If':
      return `(if ${showExpr(e.cond)} then ${showExpr(e.then)} else ${showExpr(e.else)})`;
    case 'Assert':
      return `assert ${showExpr(e.cond)}; ${showExpr(e.body)}`;
    case 'Not':
      return `(! ${showExpr(e.e)})`;
    case 'BinOp':
      return `(${showExpr(e.e1)} ${e.op} ${showExpr(e.e2)})`;
    case 'ConcatStrings':
      return `(${e.parts.map((p) => showExpr(p.e)).join(' + ')})`;
    case 'Pos':
      return '__curPos';
  }
}
