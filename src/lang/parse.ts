/**
 * Entry point of the front end: Nix source text → AST (`ParsedFile`). Lexes (lexer.ts),
 * parses (parse-expr.ts and friends) and checks that the whole input was used. Scope
 * resolution is a separate step (resolve.ts) because the evaluator decides the static base
 * environment. Everything it throws is a `NixSyntaxError`.
 */

import type { ParsedFile } from './ast.ts';
import { lex } from './lexer.ts';
import { parseExpr } from './parse-expr.ts';
import { Parser, type ParseOptions } from './parser.ts';
import type { Source } from './source.ts';
import { NixSyntaxError } from './syntax-error.ts';
import { T_EOF } from './tokens.ts';

export type { ParseOptions } from './parser.ts';

export function parse(source: Source, options: ParseOptions): ParsedFile {
  const tokens = lex(source, { pipeOperators: options.pipeOperators });
  const p = new Parser(tokens, options);
  p.expr = () => parseExpr(p);
  try {
    const root = parseExpr(p);
    if (p.kind() !== T_EOF) p.syntaxError();
    return { source, root };
  } catch (e) {
    throw isStackOverflow(e) ? tooDeep(source, p.starts[p.i] ?? 0) : e;
  }
}

/** JS's "Maximum call stack size exceeded": nesting deeper than this thread's stack allows. */
export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

export function tooDeep(source: Source, offset: number): NixSyntaxError {
  return new NixSyntaxError('E_NIX_TOO_DEEP', 'stack overflow; expression nested too deeply', source, offset);
}
