/**
 * What nix-instantiate and nix-build take from their command line, made into what the
 * evaluator takes: the expressions to evaluate (stdin, `-E` texts or FILE arguments,
 * upstream `resolveExprPath`), the `--arg`/`--argstr` set a top-level function is
 * auto-called with, and the search path (`-I` before NIX_PATH or the `nix-path` setting).
 * Command-line text is UTF-8; inside the evaluator strings are latin1 byte strings.
 */

import { AttrsBuilder, canonPath, Thunk, type Evaluator, type InstantiateOptions, type ParsedFile } from '../lang/index.ts';
import { resolveExprPath } from './expr-path.ts';
import { latin1 } from './latin1.ts';
import { parseNixPath } from './nix-config.ts';

/**
 * `--arg NAME EXPR` and `--argstr NAME VALUE`. Each EXPR is parsed now (relative to `cwd`,
 * latin1) and evaluated when used, as upstream's `getAutoArgs` does.
 */
export function autoArgs(
  ev: Evaluator,
  args: readonly (readonly [string, string])[],
  argstrs: readonly (readonly [string, string])[],
  cwd: string,
): InstantiateOptions['autoArgs'] {
  const auto = new AttrsBuilder();
  for (const [name, text] of args) {
    const file = ev.parseString(latin1(text), cwd);
    auto.add(latin1(name), new Thunk(() => ev.evalParsed(file)));
  }
  for (const [name, value] of argstrs) auto.add(latin1(name), latin1(value));
  return auto.finish();
}

export interface ExprSources {
  /** The positional arguments: expressions when `exprs`, else files (none: ./default.nix). */
  readonly args: readonly string[];
  readonly exprs: boolean;
  /** `-` was given: an expression on stdin comes first. */
  readonly stdin?: () => string;
}

/** The expressions to evaluate, in order, each parsed when its turn comes. `cwd` is latin1. */
export function exprInputs(ev: Evaluator, src: ExprSources, cwd: string): (() => ParsedFile)[] {
  const inputs: (() => ParsedFile)[] = [];
  const stdin = src.stdin;
  if (stdin !== undefined) inputs.push(() => ev.parseString(stdin(), cwd, 'stdin'));
  if (src.exprs) for (const text of src.args) inputs.push(() => ev.parseString(latin1(text), cwd));
  else {
    const files = src.args.length > 0 || stdin !== undefined ? src.args : ['./default.nix'];
    for (const f of files) inputs.push(() => ev.parseFile(resolveExprPath(canonPath(latin1(f), cwd))));
  }
  return inputs;
}

/** The search path: `-I` entries, then NIX_PATH if set, else the `nix-path` setting. */
export function searchPath(includes: readonly string[], env: Readonly<Record<string, string | undefined>>, nixPathSetting: readonly string[] | undefined): string[] {
  const nixPath = env['NIX_PATH'];
  return [...includes, ...(nixPath !== undefined ? parseNixPath(nixPath) : (nixPathSetting ?? []))];
}
