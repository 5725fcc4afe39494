/**
 * Strings, indented strings and path literals (parser.y: `'"' string_parts '"'`,
 * `IND_STRING_OPEN ind_string_parts IND_STRING_CLOSE`, `path_start … PATH_END`), including
 * upstream's indentation stripping for `''…''` (parser-state.hh, `stripIndentation`) and
 * path literals made absolute at parse time.
 */

import type { Expr, ExprConcatStrings, ExprString } from './ast.ts';
import { canonPath } from './canon-path.ts';
import { diagnose } from './lint.ts';
import type { Parser } from './parser.ts';
import { NixSyntaxError } from './syntax-error.ts';
import * as T from './tokens.ts';

type Part = { readonly pos: number; readonly e: Expr };

/**
 * After the opening `"`: the parts up to and including the closing `"`. A string without
 * interpolation comes back as its text; otherwise a `ConcatStrings` (forceString) of the
 * parts, positioned at its first part.
 */
export function parseStringParts(p: Parser): string | ExprConcatStrings {
  const k = p.kind();
  if (k === T.T_QUOTE) {
    p.advance();
    return '';
  }
  if (k === T.T_STR && p.peek(1) === T.T_QUOTE) {
    const s = p.value() as string;
    p.advance();
    p.advance();
    return s;
  }
  // Interpolated: the lexer's STRING state yields only STR, `${` and `"` (or the end of file).
  const parts: Part[] = [];
  const pos = p.start();
  interpolatedParts(p, T.T_QUOTE, parts);
  return { type: 'ConcatStrings', pos, forceString: true, parts };
}

/** STR and `${…}` parts, appended to `parts`, up to the `end` token (consumed); anything else is a syntax error. */
function interpolatedParts(p: Parser, end: number, parts: Part[]): void {
  for (;;) {
    const k = p.kind();
    if (k === T.T_STR) {
      parts.push({ pos: p.start(), e: str(p.start(), p.value() as string) });
      p.advance();
    } else if (k === T.T_DOLLAR_CURLY) {
      parts.push(interpolation(p));
    } else if (k === end) {
      p.advance();
      return;
    } else p.syntaxError();
  }
}

/** `${ expr }` at the current token. */
function interpolation(p: Parser): Part {
  const pos = p.start();
  p.advance();
  const e = p.expr();
  p.expect(T.T_RBRACE);
  return { pos, e };
}

/** `"…"` as an expression. */
export function parseString(p: Parser): Expr {
  const pos = p.start();
  p.advance();
  const s = parseStringParts(p);
  return typeof s === 'string' ? str(pos, s) : s;
}

export function str(pos: number, value: string): ExprString {
  return { type: 'String', pos, value };
}

// ---- indented strings ----------------------------------------------------------------------

/** A part of an indented string before stripping: literal text (with its indentation flag) or an expression. */
type IndPart = { readonly pos: number; readonly text: string; readonly indented: boolean } | { readonly pos: number; readonly e: Expr };

export function parseIndString(p: Parser): Expr {
  const pos = p.start();
  p.advance();
  const parts: IndPart[] = [];
  const flags = p.tokens.indentFlags;
  for (;;) {
    const k = p.kind();
    if (k === T.T_IND_STR) {
      parts.push({ pos: p.start(), text: p.value() as string, indented: flags[p.i] === 1 });
      p.advance();
    } else if (k === T.T_DOLLAR_CURLY) {
      parts.push(interpolation(p));
    } else if (k === T.T_IND_STRING_CLOSE) {
      p.advance();
      return stripIndentation(pos, parts);
    } else p.syntaxError();
  }
}

/**
 * upstream's `stripIndentation`: the smallest indentation (in spaces) of the lines that have
 * something besides spaces is removed from every line; interpolations and escapes count as
 * "something"; a last line of only spaces is dropped; empty text parts vanish; a lone string
 * part is returned as a plain string.
 */
export function stripIndentation(pos: number, parts: readonly IndPart[]): Expr {
  if (parts.length === 0) return str(pos, '');
  let atStartOfLine = true;
  let minIndent = 1000000;
  let curIndent = 0;
  for (const part of parts) {
    if (!('text' in part) || !part.indented) {
      if (atStartOfLine) {
        atStartOfLine = false;
        if (curIndent < minIndent) minIndent = curIndent;
      }
      continue;
    }
    const t = part.text;
    for (let j = 0; j < t.length; j++) {
      const c = t.charCodeAt(j);
      if (atStartOfLine) {
        if (c === 32) curIndent++;
        else if (c === 10) curIndent = 0;
        else {
          atStartOfLine = false;
          if (curIndent < minIndent) minIndent = curIndent;
        }
      } else if (c === 10) {
        atStartOfLine = true;
        curIndent = 0;
      }
    }
  }

  const out: Part[] = [];
  atStartOfLine = true;
  let curDropped = 0;
  for (let n = parts.length, idx = 0; idx < parts.length; idx++, n--) {
    const part = parts[idx]!;
    if (!('text' in part)) {
      atStartOfLine = false;
      curDropped = 0;
      out.push({ pos: part.pos, e: part.e });
      continue;
    }
    const t = part.text;
    let s2 = '';
    let from = 0; // start of the pending run copied verbatim
    for (let j = 0; j < t.length; j++) {
      const c = t.charCodeAt(j);
      if (atStartOfLine) {
        if (c === 32) {
          if (curDropped++ >= minIndent) continue; // kept: stays in the pending run
          s2 += t.slice(from, j);
          from = j + 1;
        } else if (c === 10) {
          curDropped = 0;
        } else {
          atStartOfLine = false;
          curDropped = 0;
        }
      } else if (c === 10) atStartOfLine = true;
    }
    s2 += t.slice(from);
    if (n === 1) {
      // Remove the last line if it is empty and consists only of spaces.
      const nl = s2.lastIndexOf('\n');
      if (nl >= 0 && /^ *$/.test(s2.slice(nl + 1))) s2 = s2.slice(0, nl + 1);
    }
    if (s2 !== '') out.push({ pos: part.pos, e: str(part.pos, s2) });
  }
  if (out.length === 0) return str(pos, '');
  if (out.length === 1 && out[0]!.e.type === 'String') return out[0]!.e;
  return { type: 'ConcatStrings', pos, forceString: true, parts: out };
}

// ---- paths ------------------------------------------------------------------------------------

/** `./a`, `/a`, `~/a`, and interpolated `./a/${b}/c` (a non-forcing ConcatStrings). */
export function parsePath(p: Parser): Expr {
  const pos = p.start();
  const first = pathStart(p, p.kind(), p.value() as string, pos);
  p.advance();
  if (p.kind() === T.T_PATH_END) {
    p.advance();
    return first;
  }
  // The lexer's INPATH states yield STR, `${` and PATH_END; a first `${` is certain here.
  const parts: Part[] = [{ pos, e: first }];
  // The grammar wants a `${` first (`STR ${` or `${`): `/+//x` lexes as PATH STR PATH_END and is an error.
  if (p.kind() === T.T_STR && p.peek(1) !== T.T_DOLLAR_CURLY) p.syntaxError();
  interpolatedParts(p, T.T_PATH_END, parts);
  return { type: 'ConcatStrings', pos, forceString: false, parts };
}

function pathStart(p: Parser, kind: number, literal: string, pos: number): Expr {
  const trailing = literal.length > 1 && literal.endsWith('/') ? '/' : '';
  if (kind === T.T_PATH) {
    if (literal.charCodeAt(0) === 47) {
      diagnose(p, 'absolutePathLiterals', pos, () => `absolute path literals are not portable. Consider replacing path literal '${literal}' by a string, relative path, or parameter`);
    } else if (literal.charCodeAt(0) !== 46) {
      diagnose(p, 'shortPathLiterals', pos, () => `relative path literal '${literal}' should be prefixed with '.' for clarity: './${literal}'`);
    }
    const abs = literal.charCodeAt(0) === 47 ? canonPath(literal) : canonPath(literal, p.options.basePath);
    return { type: 'Path', pos, value: abs + trailing };
  }
  if (p.options.pureEval) {
    throw new NixSyntaxError('E_NIX_PURE_PATH', `the path '${literal}' can not be resolved in pure mode`, p.source, undefined);
  }
  diagnose(p, 'absolutePathLiterals', pos, () => `home path literals are not portable. Consider replacing path literal '${literal}' by a string, relative path, or parameter`);
  return { type: 'Path', pos, value: (p.options.home ?? '') + literal.slice(1) };
}
