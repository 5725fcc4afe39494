/**
 * The `nix-instantiate --eval` printer (upstream print-ambiguous.cc `printAmbiguous`):
 * `<LAMBDA>`, `<PRIMOP>`, `<PRIMOP-APP>`, `<CODE>` for unevaluated values,
 * `«potential infinite recursion»` for a value under evaluation, `«repeated»` for a
 * non-empty set or list printed before (by identity), attribute names sorted and printed
 * as identifiers (quoted when they are not), floats as C++ streams print them.
 * Deeper than max-call-depth is upstream's stack overflow error.
 */

import { StackOverflowError } from '../eval/errors.ts';
import { canonicalPath } from '../eval/coerce.ts';
import { determinePos } from '../eval/deep.ts';
import { Attrs, Lambda, NixFloat, NixPath, NixStr, PrimOp, PrimOpApp, Thunk, type Value } from '../value/value.ts';
import { formatFloatNix as formatFloat } from '../lib/float-format.ts';
import { printIdentifier, printLiteralString } from './literal.ts';

export function printAmbiguous(v: Value, maxDepth: number, ctx?: Set<string>): string {
  const seen = new Set<object>();
  const parts: string[] = [];
  // Lists are identified by their slot (a thunk, or the list itself), as upstream tracks `Value *`.
  const rec = (x: Value, depth: number): void => {
    if (depth > maxDepth) throw new StackOverflowError(determinePos(x));
    const slot = x;
    if (x instanceof Thunk) {
      if (x.isDone) x = x.force();
      else {
        parts.push(x.isBlackhole ? '\xc2\xabpotential infinite recursion\xc2\xbb' : '<CODE>');
        return;
      }
    }
    switch (typeof x) {
      case 'number':
      case 'bigint':
        parts.push(String(x));
        return;
      case 'boolean':
        parts.push(x ? 'true' : 'false');
        return;
      case 'string':
        parts.push(printLiteralString(x));
        return;
    }
    if (x === null) parts.push('null');
    else if (x instanceof NixStr) {
      parts.push(printLiteralString(x.s));
      if (ctx) for (const c of x.ctx) ctx.add(c);
    } else if (x instanceof NixFloat) parts.push(formatFloat(x.v));
    else if (x instanceof NixPath) parts.push(canonicalPath(x));
    else if (x instanceof Attrs) {
      if (x.size > 0 && seen.has(x)) parts.push('\xc2\xabrepeated\xc2\xbb');
      else {
        seen.add(x);
        parts.push('{ ');
        for (let i = 0; i < x.size; i++) {
          parts.push(printIdentifier(x.keys[i]!) + ' = ');
          rec(x.vals[i]!, depth + 1);
          parts.push('; ');
        }
        parts.push('}');
      }
    } else if (Array.isArray(x)) {
      if (x.length > 0 && seen.has(slot as object)) parts.push('\xc2\xabrepeated\xc2\xbb');
      else {
        seen.add(slot as object);
        parts.push('[ ');
        for (const e of x) {
          rec(e, depth + 1);
          parts.push(' ');
        }
        parts.push(']');
      }
    } else if (x instanceof Lambda) parts.push('<LAMBDA>');
    else if (x instanceof PrimOp) parts.push('<PRIMOP>');
    else if (x instanceof PrimOpApp) parts.push('<PRIMOP-APP>');
  };
  rec(v, 0);
  return parts.join('');
}
