/**
 * `NixSyntaxError`: everything the front end rejects — lexer errors ("invalid integer"),
 * bison-style syntax errors ("syntax error, unexpected '}', expecting ';'"), the parser's
 * semantic checks ("attribute 'a.b' already defined at …", "duplicate formal function
 * argument") and the resolver's "undefined variable 'x'". Upstream raises these as
 * ParseError or UndefinedVarError before any evaluation; the wording is upstream's.
 */

import type { TixError } from '../errors.ts';
import { renderDiagnostic } from './diagnostic.ts';
import type { LineCol, Source } from './source.ts';

export type NixSyntaxErrorCode =
  | 'E_NIX_SYNTAX' // bison's "syntax error, unexpected …"
  | 'E_NIX_LEX' // invalid integer/float, trailing slash in a path, NUL byte in a string, pipe operators disabled
  | 'E_NIX_DUP_ATTR'
  | 'E_NIX_DUP_FORMAL'
  | 'E_NIX_DYNAMIC_ATTR' // dynamic attributes in `let` or `inherit`
  | 'E_NIX_UNDEFINED_VAR'
  | 'E_NIX_PURE_PATH' // `~/…` in pure evaluation mode
  | 'E_NIX_TOO_DEEP'; // nesting beyond the JS stack of the thread parsing (run it in a worker with a big stack)

export class NixSyntaxError extends SyntaxError implements TixError {
  override readonly name: string = 'NixSyntaxError';
  readonly code: NixSyntaxErrorCode;
  readonly source: Source;
  /** Byte offset of the error in `source`, or undefined for the few errors upstream reports without a position. */
  readonly offset: number | undefined;
  #lineCol: LineCol | undefined;

  constructor(code: NixSyntaxErrorCode, message: string, source: Source, offset: number | undefined) {
    super(message);
    this.code = code;
    this.source = source;
    this.offset = offset;
  }

  get line(): number | undefined {
    return this.offset === undefined ? undefined : (this.#lineCol ??= this.source.lineCol(this.offset)).line;
  }

  get column(): number | undefined {
    return this.offset === undefined ? undefined : (this.#lineCol ??= this.source.lineCol(this.offset)).column;
  }

  /** Upstream's layout: `error: MESSAGE`, `at FILE:L:C:`, code excerpt with caret; ends with a newline. */
  render(): string {
    return renderDiagnostic('error', this.message, this.offset === undefined ? undefined : { source: this.source, offset: this.offset });
  }
}
