/**
 * The builder's environment, as Nix sets it (`LocalDerivationGoal::initEnv` and
 * `initTmpDir` in Nix 2.8, `DesugaredEnv::create` upstream):
 *
 *   PATH=/path-not-set  HOME=/homeless-shelter  NIX_STORE=<store dir>  NIX_BUILD_CORES=<n>
 *   every `env` binding of the derivation, except `passAsFile` names, which become
 *     `<name>Path=<build dir>/.attr-<nix32 sha256 of the name>` with the value in that file
 *     (with `__structuredAttrs`, no binding at all: `.attrs.json` / `.attrs.sh` instead)
 *   NIX_BUILD_TOP, TMPDIR, TEMPDIR, TMP, TEMP, PWD = <build dir>
 *   NIX_OUTPUT_CHECKED=1 and `impureEnvVars` from the host for fixed-output derivations
 *   NIX_LOG_FD=2  TERM=xterm-256color
 *
 * then every `KEY=VALUE` string and every argument has the output placeholders
 * (`hashPlaceholder`) replaced by the output paths. Pure: the caller writes the files.
 * Values are byte strings (one code unit per byte), as the `.drv` holds them.
 */

import { hashBytes } from '../hash/digest.ts';
import { encodeNix32 } from '../hash/nix32.ts';
import { HOMELESS_SHELTER, PATH_NOT_SET } from './constants.ts';
import { hashPlaceholder } from '../store/drv/output-paths.ts';
import { structuredAttrsFiles } from './structured-attrs.ts';

export interface BuilderEnvInput {
  /** The derivation's `env` (byte strings). */
  readonly env: ReadonlyMap<string, string>;
  readonly builder: string;
  readonly args: readonly string[];
  /** Output name → absolute logical path the builder must create. */
  readonly outputPaths: ReadonlyMap<string, string>;
  /** Fixed-output derivations get the network, `NIX_OUTPUT_CHECKED` and `impureEnvVars`. */
  readonly fixedOutput: boolean;
  /** Logical store directory, e.g. `/nix/store`. */
  readonly storeDir: string;
  /** The build directory as the builder sees it (`/build` in the sandbox). */
  readonly buildDir: string;
  /** `NIX_BUILD_CORES`. */
  readonly cores: number;
  /** Host environment lookup for `impureEnvVars` (fixed-output derivations only). */
  readonly hostEnv?: (name: string) => string | undefined;
}

export interface BuilderEnv {
  readonly builder: string;
  readonly args: string[];
  /** Environment, in Nix's (sorted) order; byte strings. */
  readonly env: Map<string, string>;
  /** Files to create in the build directory before the builder starts: name → byte-string contents. */
  readonly files: Map<string, string>;
}

/** File name of a `passAsFile` attribute in the build directory. */
export function passAsFileName(attr: string): string {
  return '.attr-' + encodeNix32(hashBytes('sha256', Buffer.from(attr, 'latin1')).bytes);
}

/** Compute the builder's environment, arguments and extra files. */
export function makeBuilderEnv(input: BuilderEnvInput): BuilderEnv {
  const rewrites = new Map<string, string>();
  for (const [name, path] of input.outputPaths) rewrites.set(hashPlaceholder(name), path);
  const rewrite = (s: string) => rewriteStrings(s, rewrites);

  const env = new Map<string, string>();
  const files = new Map<string, string>();
  env.set('PATH', PATH_NOT_SET);
  env.set('HOME', HOMELESS_SHELTER);
  env.set('NIX_STORE', input.storeDir);
  env.set('NIX_BUILD_CORES', String(input.cores));

  const json = input.env.get('__json');
  if (json !== undefined) {
    // Structured attributes: nothing from the derivation goes through the environment.
    const f = structuredAttrsFiles(json, [...input.outputPaths.keys()], rewrite);
    files.set('.attrs.json', f.json);
    files.set('.attrs.sh', f.sh);
    env.set('NIX_ATTRS_JSON_FILE', `${input.buildDir}/.attrs.json`);
    env.set('NIX_ATTRS_SH_FILE', `${input.buildDir}/.attrs.sh`);
  } else {
    const passAsFile = new Set(tokenize(input.env.get('passAsFile') ?? ''));
    for (const [k, v] of input.env) {
      if (!passAsFile.has(k)) {
        env.set(k, v);
        continue;
      }
      const fn = passAsFileName(k);
      files.set(fn, rewrite(v));
      env.set(k + 'Path', `${input.buildDir}/${fn}`);
    }
  }

  env.set('NIX_BUILD_TOP', input.buildDir);
  for (const k of ['TMPDIR', 'TEMPDIR', 'TMP', 'TEMP', 'PWD']) env.set(k, input.buildDir);
  if (input.fixedOutput) {
    env.set('NIX_OUTPUT_CHECKED', '1');
    for (const name of tokenize(input.env.get('impureEnvVars') ?? '')) env.set(name, input.hostEnv?.(name) ?? '');
  }
  env.set('NIX_LOG_FD', '2');
  env.set('TERM', 'xterm-256color');

  // Nix rewrites each `KEY=VALUE` string as a whole; keys never hold placeholders in practice.
  const out = new Map<string, string>();
  for (const k of [...env.keys()].sort(compareCodeUnits)) out.set(k, rewrite(env.get(k)!));
  return { builder: rewrite(input.builder), args: input.args.map(rewrite), env: out, files };
}

/** Replace every occurrence of each key by its value, left to right. Nix: `rewriteStrings`. */
export function rewriteStrings(s: string, rewrites: ReadonlyMap<string, string>): string {
  if (rewrites.size === 0) return s;
  for (const [from, to] of rewrites) if (s.includes(from)) s = s.split(from).join(to);
  return s;
}

/** Split on Nix's whitespace set (space, tab, newline, CR). Nix: `tokenizeString`. */
export function tokenize(s: string): string[] {
  return s.split(/[ \t\n\r]+/).filter((t) => t.length > 0);
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
