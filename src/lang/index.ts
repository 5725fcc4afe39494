/** Public surface of src/lang for cli/ and node/. */
export type * from './ast.ts';
export { Source, formatPos, type Origin, type Pos, type LineCol } from './source.ts';
export { parse, type ParseOptions } from './parse.ts';
export { resolve, type ResolveOptions } from './resolve.ts';
export { BASE_ENV_NAMES } from './base-env.ts';
export { NixSyntaxError, type NixSyntaxErrorCode } from './syntax-error.ts';
export { renderDiagnostic, showPos, type DiagnosticPos } from './diagnostic.ts';
export { showExpr } from './print/parse-print.ts';
export { formatFloat } from './print/float.ts';
export { canonPath } from './canon-path.ts';
