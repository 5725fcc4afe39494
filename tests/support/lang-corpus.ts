/**
 * The evaluator conformance corpus in tests/lang (eval-okay-NAME.nix / eval-fail-NAME.nix,
 * laid out as upstream Nix's tests/functional/lang):
 *
 * - `NAME.flags`: nix-instantiate arguments (default `--eval --strict`), split on spaces.
 * - `eval-okay-NAME.exp`: the exact stdout, as upstream Nix prints it.
 * - `eval-fail-NAME.err.exp`: the innermost `error: …` line of upstream's message.
 * - The corpus folder is the working directory and prints as `/pwd`; the environment is
 *   `HOME=/tmp/tix-no-home`, `NIX_PATH=` (empty), `TIX_TEST_VAR=hello`.
 *
 * The expected files were produced by Debian's Nix 2.8 (see `DIFFERS_FROM_28` for the cases
 * where 2.8 prints something else and the file holds upstream's output instead).
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CORPUS_DIR = join(REPO_ROOT, 'tests', 'lang');
export const CORPUS_ENV: Record<string, string> = { HOME: '/tmp/tix-no-home', NIX_PATH: '', TIX_TEST_VAR: 'hello' };

export interface CorpusCase {
  readonly name: string; // e.g. eval-okay-arith
  readonly kind: 'okay' | 'fail';
  readonly args: string[];
  /** okay: expected stdout; fail: expected innermost error line (or undefined). */
  readonly expected: string | undefined;
}

/** Where Nix 2.8 differs from upstream, and tix follows upstream (notes-nix28-vs-upstream §2.4/2.5). */
export const DIFFERS_FROM_28: Record<string, string> = {
  'eval-okay-json-output': 'upstream ends --json output with a newline; 2.8 does not',
  'eval-okay-raw': '--raw is newer than 2.8',
  'eval-fail-call-depth': '--max-call-depth is newer than 2.8',
  'eval-fail-lint-abs-path': 'the lint-* settings are newer than 2.8',
  'eval-okay-lint-allowed': 'the lint-* settings are newer than 2.8',
  'eval-fail-overflow-add': '2.8 wraps on int64 overflow; upstream fails',
  'eval-fail-overflow-mul': '2.8 wraps on int64 overflow; upstream fails',
  'eval-fail-overflow-div': 'message: 2.8 "overflow in integer division"',
  'eval-fail-assert-eq': 'message: upstream explains the first difference',
  'eval-fail-coerce': 'message: upstream appends the value',
  'eval-fail-compare': 'message: upstream appends the values',
  'eval-fail-elemat': "message: upstream names 'builtins.elemAt' and the size",
  'eval-fail-head-empty': "message: upstream names 'builtins.head'",
  'eval-fail-missing-arg': "message: upstream says function 'f'",
  'eval-fail-unexpected-arg': "message: upstream says function 'f'",
  'eval-fail-not-function': 'message: upstream appends the value',
  'eval-fail-readfile-missing': "message: upstream says path '…' does not exist",
  'eval-fail-type-set': 'message: upstream says expected a set but found …',
  'eval-fail-with-not-set': 'message: upstream says expected a set but found …',
};

/** Cases tix is known to get wrong, with the reason (reported as todo, not hidden). */
export const KNOWN_WRONG: Record<string, string> = {};

export function loadCorpus(): CorpusCase[] {
  const out: CorpusCase[] = [];
  for (const f of readdirSync(CORPUS_DIR).sort()) {
    const m = /^(eval-(okay|fail)-.*)\.nix$/.exec(f);
    if (!m) continue;
    const name = m[1]!;
    const kind = m[2] as 'okay' | 'fail';
    const flagsFile = join(CORPUS_DIR, `${name}.flags`);
    const flags = existsSync(flagsFile) ? readFileSync(flagsFile, 'utf8').trim().split(/\s+/) : ['--eval', '--strict'];
    const expFile = join(CORPUS_DIR, kind === 'okay' ? `${name}.exp` : `${name}.err.exp`);
    const expected = existsSync(expFile) ? readFileSync(expFile, 'latin1') : undefined;
    out.push({ name, kind, args: [...flags, f], expected: kind === 'fail' ? expected?.trim() : expected });
  }
  return out;
}

/** The innermost `error: …` line of an error report (upstream prints it last, 2.8 first). */
export function errorLine(stderr: string, which: 'first' | 'last'): string | undefined {
  const lines = stderr.split('\n').filter((l) => /^\s*error: /.test(l)).map((l) => l.trim());
  return which === 'first' ? lines[0] : lines[lines.length - 1];
}

/** Replace the corpus folder by `/pwd` in output. */
export function normalise(text: string): string {
  return text.replaceAll(CORPUS_DIR, '/pwd');
}
