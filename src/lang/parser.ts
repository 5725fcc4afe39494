/**
 * The parser's shared state: the token cursor over a `TokenStream`, the options, and the
 * way errors leave it. The grammar itself lives in parse-expr.ts (expressions, operators),
 * parse-binds.ts (attribute sets, `let`, `inherit`, formals) and parse-string.ts (strings,
 * indented strings, paths). Together they are a hand-written recursive-descent parser for
 * upstream's LALR grammar (libexpr/parser.y) that builds the same AST, with the same
 * desugarings and the same semantic errors at the same moments.
 *
 * Syntax errors are not worded here: on the first token the hand parser cannot use, the
 * error oracle (syntax-oracle.ts) replays the tokens through the LALR automaton of
 * upstream's grammar and reports what bison would — same token, same "expecting" list.
 */

import type { Expr } from './ast.ts';
import type { TokenStream } from './lexer.ts';
import type { Source } from './source.ts';
import { explainSyntaxError } from './syntax-oracle.ts';
import { T_LEX_ERROR } from './tokens.ts';

export interface ParseOptions {
  /** Absolute, canonical directory that relative path literals are resolved against. */
  readonly basePath: string;
  /** `$HOME`, for `~/…` path literals. */
  readonly home?: string;
  /** Pure evaluation: `~/…` path literals are an error. */
  readonly pureEval?: boolean;
  /** The experimental feature `pipe-operators` (`|>`, `<|`) is enabled. */
  readonly pipeOperators?: boolean;
  /** Receives parser warnings (text after `warning: `), e.g. the "cursed or" one. */
  readonly warn?: (message: string) => void;
}

export class Parser {
  readonly source: Source;
  readonly tokens: TokenStream;
  readonly kinds: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly values: unknown[];
  readonly options: ParseOptions;
  /** Index of the current token. */
  i = 0;
  /** The `expr` rule, installed by parse.ts (grammar modules call it for nested expressions). */
  expr!: () => Expr;

  constructor(tokens: TokenStream, options: ParseOptions) {
    this.source = tokens.source;
    this.tokens = tokens;
    this.kinds = tokens.kinds;
    this.starts = tokens.starts;
    this.ends = tokens.ends;
    this.values = tokens.values;
    this.options = options;
  }

  /** Kind of the current token; a lexer error surfaces here, when the parser first needs that token. */
  kind(): number {
    const k = this.kinds[this.i]!;
    if (k === T_LEX_ERROR) throw this.values[this.i];
    return k;
  }

  /** Kind of the token `n` ahead (the tokens in between are looked at too, as bison would). */
  peek(n: number): number {
    for (let j = 1; j <= n; j++) {
      if (this.kinds[this.i + j] === T_LEX_ERROR) throw this.values[this.i + j];
    }
    return this.kinds[this.i + n]!;
  }

  /** Byte offset where the current token starts. */
  start(): number {
    return this.starts[this.i]!;
  }

  /** Payload of the current token (see TokenStream.values). */
  value(): unknown {
    return this.values[this.i];
  }

  advance(): void {
    this.i++;
  }

  expect(kind: number): void {
    if (this.kind() !== kind) this.syntaxError();
    this.i++;
  }

  /** Fail at the current token with bison's message for the input. */
  syntaxError(): never {
    throw explainSyntaxError(this.tokens, this.i);
  }
}
