/**
 * Fuzz target: the Nix language front end — lexer, parser and resolver (src/lang/).
 *
 * The input is a source file's bytes. Contract: `parse` + `resolve` return or throw a
 * `NixSyntaxError` with an `E_NIX_...` code and a position (byte offset, line) inside the
 * source; nothing else, and no hang (the runner's per-input timeout). Round trip: the
 * `--parse` printing of an accepted file parses again (except where Nix's own printing
 * does not: an interpolated path prints as `(/dir/ + ...)`, the root path as `/`, a large
 * float as `5e+13`), and printing reaches a fixed point
 * after one more step. (Not after the first: like upstream's, the printing is not always
 * the same tree — a string concatenation `"a" + "b" + "c"` of interpolated parts prints
 * flat and parses back as nested binary `+` — so the first re-parse may print more
 * parentheses; from then on it must be stable.)
 */

import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

const DIFFERENTIAL = process.env.TIX_FUZZ_NIX === '1';
const DIFFERS_LOG = join(process.cwd(), '.fuzz', 'nix-parse-differs.txt');
const NIX_STATE = DIFFERENTIAL ? mkdtempSync(join(tmpdir(), 'tix-fuzz-nix-')) : '';
if (DIFFERENTIAL) process.on('exit', () => rmSync(NIX_STATE, { recursive: true, force: true }));

/**
 * `TIX_FUZZ_NIX=1` (long runs only): also parse with `nix-instantiate --parse -` and log
 * every input where Nix 2.8 and tix disagree on accepting it to `.fuzz/nix-parse-differs.txt`
 * (a JSON line: input in base64, both verdicts). Logged, not a finding: 2.8 has known parser
 * bugs (a segfault on EOF in a string, no pipe operators, an older builtins list).
 */
function differential(data: Buffer, tixError: string | undefined): void {
  // known differences: no pipe operators in 2.8; NUL in a string is an error upstream and
  // in tix, truncates in 2.8
  if (data.includes('|>') || data.includes('<|') || data.includes(0)) return;
  const r = spawnSync('nix-instantiate', ['--parse', '-'], {
    input: data,
    cwd: NIX_STATE,
    timeout: 10_000,
    env: { ...process.env, HOME: '/home', NIX_PATH: '', NIX_REMOTE: `local?root=${NIX_STATE}/root` },
  });
  const nixError = r.status === 0 ? undefined : (String(r.stderr).split('\n').find((l) => l.startsWith('error:')) ?? `exit ${r.status} ${r.signal ?? ''}`);
  if ((nixError === undefined) === (tixError === undefined)) return;
  mkdirSync(join(process.cwd(), '.fuzz'), { recursive: true });
  appendFileSync(DIFFERS_LOG, `${JSON.stringify({ input: data.toString('base64'), nix: nixError ?? 'accepts', tix: tixError ?? 'accepts' })}\n`);
}

export function fuzz(data: Buffer): void {
  const text = data.toString('latin1');
  let file;
  try {
    file = parseText(text);
  } catch (e) {
    if (DIFFERENTIAL) differential(data, `${(e as { code?: string }).code} ${(e as Error).message}`);
    expectTixError(e, { names: ['NixSyntaxError'], location: 'offset', extent: text.length, wholeInputCodes: UNPOSITIONED });
    const line = (e as { line?: number }).line;
    if (line !== undefined && (line < 1 || line > nixLineCount(text))) violation(`NixSyntaxError line ${line} is outside the source (${nixLineCount(text)} lines)`);
    return;
  }
  if (DIFFERENTIAL) differential(data, undefined);
  const printed = showExpr(file.root);
  let again;
  try {
    again = parseText(printed);
  } catch (e) {
    // Nix 2.8 cannot parse back its own printing of these, and tix prints the same: an
    // interpolated path `./p/${x}` prints as `(/base/p/ + x)` ("path has a trailing
    // slash"), the root `/.` as `/` ("unexpected '/'"), and a float with 6 significant
    // digits, so `50000000035323.` prints as `5e+13` (no dot: int 5, variable `e`, ...).
    if (/\/ \+ |(^|[\s([])\/($|[\s)\]])|(^|[^\w.])\d+e[+-]\d/.test(printed)) return;
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
