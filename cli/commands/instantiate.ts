/**
 * `tix instantiate`: nix-instantiate. So far `--parse` (print the parsed expression as
 * upstream's `Expr::show` does) of files, `-` (stdin) or `-E` expressions. The flag table
 * already lists nix-instantiate's other flags so that the evaluation modes can be added by
 * implementing them, not by re-plumbing the parsing.
 */

import { lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { flagBool, flagList, flagPairs, flagString, parseArgs, type FlagSpec, type ParsedArgs } from '../args.ts';
import { EXIT_FAILURE } from '../exit-codes.ts';
import { writeStderr, writeStdout } from '../output.ts';
import { BASE_ENV_NAMES, canonPath, NixSyntaxError, parse, resolve, showExpr, Source, type ParsedFile } from '../../src/lang/index.ts';

export const summary = 'evaluate or parse Nix expressions (nix-instantiate)';

export const help = `Usage: tix instantiate [FLAGS] [FILE... | - | -E EXPR...]

  --parse                 print the parsed expression (upstream's format) and stop
  -E, --expr              the arguments are expressions, not files
  -                       read an expression from standard input
  --extra-experimental-features F   enable experimental features (pipe-operators)

Files default to ./default.nix; a directory means its default.nix. Errors are printed as
Nix prints them, with a non-zero exit.`;

/** nix-instantiate's flags; behaviour is looked up by name in main(). */
export const FLAGS: readonly FlagSpec[] = [
  { name: 'parse', aliases: ['--parse-only'] },
  { name: 'expr', aliases: ['-E'] },
  { name: 'eval', aliases: ['--eval-only'] },
  { name: 'strict' },
  { name: 'json' },
  { name: 'xml' },
  { name: 'raw' },
  { name: 'no-location' },
  { name: 'attr', aliases: ['-A'], arity: 1, repeatable: true },
  { name: 'arg', arity: 2, repeatable: true },
  { name: 'argstr', arity: 2, repeatable: true },
  { name: 'include', aliases: ['-I'], arity: 1, repeatable: true },
  { name: 'show-trace' },
  { name: 'read-write-mode' },
  { name: 'add-root', arity: 1 },
  { name: 'indirect' },
  { name: 'dry-run' },
  { name: 'find-file' },
  { name: 'pure-eval' },
  { name: 'impure' },
  { name: 'experimental-features', arity: 1 },
  { name: 'extra-experimental-features', arity: 1, repeatable: true },
  { name: 'option', arity: 2, repeatable: true },
];

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, FLAGS);
  if (!flagBool(args, 'parse')) {
    writeStderr('error: tix instantiate: only --parse is implemented so far\n');
    return EXIT_FAILURE;
  }
  const features = experimentalFeatures(args);
  const cwd = process.cwd();
  const home = process.env.HOME ?? '';
  const options = { home, pureEval: flagBool(args, 'pure-eval'), pipeOperators: features.has('pipe-operators') };
  const inputs: (() => { source: Source; basePath: string })[] = [];
  const fromArgs = flagBool(args, 'expr');
  const positionals = args.positionals.filter((a) => a !== '-');
  if (args.positionals.includes('-')) inputs.push(() => ({ source: new Source({ kind: 'stdin' }, readFileSync(0).toString('latin1')), basePath: cwd }));
  if (fromArgs) {
    for (const text of positionals) inputs.push(() => ({ source: new Source({ kind: 'string' }, Buffer.from(text).toString('latin1')), basePath: cwd }));
  } else {
    const files = positionals.length || args.positionals.includes('-') ? positionals : ['./default.nix'];
    for (const f of files) {
      inputs.push(() => {
        const path = resolveExprPath(canonPath(f, cwd));
        return { source: new Source({ kind: 'file', path }, readFileSync(path).toString('latin1')), basePath: dirname(path) };
      });
    }
  }
  try {
    for (const input of inputs) {
      const { source, basePath } = input();
      const file: ParsedFile = parse(source, { ...options, basePath, warn: (m) => writeStderr(Buffer.from(`warning: ${m}\n`, 'latin1')) });
      resolve(file, { baseEnv: BASE_ENV_NAMES });
      writeStdout(Buffer.from(showExpr(file.root) + '\n', 'latin1'));
    }
  } catch (e) {
    if (e instanceof NixSyntaxError) {
      writeStderr(Buffer.from(e.render(), 'latin1'));
      return EXIT_FAILURE;
    }
    throw e;
  }
  return 0;
}

/** upstream's resolveExprPath: follow symlinks of the file itself, then a directory means its default.nix. */
function resolveExprPath(path: string): string {
  for (let i = 0; i < 1024; i++) {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      break;
    }
    if (!st.isSymbolicLink()) break;
    path = canonPath(readlinkSync(path), dirname(path));
  }
  try {
    if (statSync(path).isDirectory()) return path === '/' ? '/default.nix' : path + '/default.nix';
  } catch {
    // missing files are reported by the read
  }
  return path;
}

/** `experimental-features` from NIX_CONFIG and the flags (`extra-` ones add to the list). */
function experimentalFeatures(args: ParsedArgs): Set<string> {
  let base: string[] = [];
  const extra: string[] = [];
  for (const line of (process.env.NIX_CONFIG ?? '').split('\n')) {
    const m = /^\s*(extra-)?experimental-features\s*=\s*(.*)$/.exec(line);
    if (m) (m[1] ? extra : (base = [])).push(...m[2]!.split(/\s+/).filter(Boolean));
  }
  const set = flagString(args, 'experimental-features');
  if (set !== undefined) base = set.split(/\s+/).filter(Boolean);
  for (const v of flagList(args, 'extra-experimental-features')) extra.push(...v.split(/\s+/).filter(Boolean));
  for (const [name, value] of flagPairs(args, 'option')) {
    if (name === 'experimental-features') base = value.split(/\s+/).filter(Boolean);
    if (name === 'extra-experimental-features') extra.push(...value.split(/\s+/).filter(Boolean));
  }
  return new Set([...base, ...extra]);
}
