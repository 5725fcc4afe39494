/**
 * Fuzz target: the Nix language front end — lexer, parser and resolver (src/lang/).
 *
 * The input is a source file's bytes. Contract: `parse` + `resolve` return or throw a
 * `NixSyntaxError` with an `E_NIX_...` code and a position (byte offset, line) inside the
 * source; nothing else, and no hang (the runner's per-input timeout). Round trip: the
 * `--parse` printing of an accepted file parses again (except where Nix's own printing
 * does not: an interpolated path prints as `(/dir/ + ...)`, the root path as `/`), and printing reaches a fixed point
 * after one more step. (Not after the first: like upstream's, the printing is not always
 * the same tree — a string concatenation `"a" + "b" + "c"` of interpolated parts prints
 * flat and parses back as nested binary `+` — so the first re-parse may print more
 * parentheses; from then on it must be stable.)
 */

import { BASE_ENV_NAMES } from '../../src/lang/base-env.ts';
import { parse } from '../../src/lang/parse.ts';
import { showExpr } from '../../src/lang/print/parse-print.ts';
import { resolve } from '../../src/lang/resolve.ts';
import { Source } from '../../src/lang/source.ts';
import { expectSame, expectTixError, violation } from './support/contract.ts';

const OPTIONS = { basePath: '/base', home: '/home', pipeOperators: true } as const;

/** Upstream reports these without a position. */
const UNPOSITIONED: readonly string[] = [];

function parseText(text: string) {
  const file = parse(new Source({ kind: 'string' }, text), OPTIONS);
  resolve(file, { baseEnv: BASE_ENV_NAMES });
  return file;
}

/** Lines as Nix's lexer counts them: `\n`, `\r\n` and a lone `\r` each end one. */
function nixLineCount(text: string): number {
  return text.split(/\r\n|\r|\n/).length;
}

export function fuzz(data: Buffer): void {
  const text = data.toString('latin1');
  let file;
  try {
    file = parseText(text);
  } catch (e) {
    expectTixError(e, { names: ['NixSyntaxError'], location: 'offset', extent: text.length, wholeInputCodes: UNPOSITIONED });
    const line = (e as { line?: number }).line;
    if (line !== undefined && (line < 1 || line > nixLineCount(text))) violation(`NixSyntaxError line ${line} is outside the source (${nixLineCount(text)} lines)`);
    return;
  }
  const printed = showExpr(file.root);
  let again;
  try {
    again = parseText(printed);
  } catch (e) {
    // Nix 2.8 cannot parse back its own printing of two paths, and tix prints the same:
    // an interpolated path `./p/${x}` prints as `(/base/p/ + x)` ("path has a trailing
    // slash"), and the root `/.` prints as `/` ("unexpected '/'").
    if (/\/ \+ |(^|[\s([])\/($|[\s)\]])/.test(printed)) return;
    violation(`the --parse printing of an accepted file does not parse: ${(e as Error).message}\n  printed: ${JSON.stringify(printed).slice(0, 400)}`, e);
  }
  const second = showExpr(again.root);
  let third;
  try {
    third = showExpr(parseText(second).root);
  } catch (e) {
    violation(`the second --parse printing does not parse: ${(e as Error).message}\n  printed: ${JSON.stringify(second).slice(0, 400)}`, e);
  }
  expectSame('the second and third --parse printings', second, third);
}
