/**
 * The evaluator's per-run state (upstream `EvalState`): settings, the host, the call-depth
 * counter, caches. Evaluation is synchronous and one run happens at a time per thread, so
 * the current state is a module-level singleton (`S`) set by `setState` — this keeps the hot
 * paths (calls, forcing) free of an extra `state` argument.
 *
 * Call depth follows upstream's `addCallDepth`: every function call (lambda or primop),
 * and each level of deep forcing, equality, string coercion, toJSON/toXML, counts; thunk
 * forcing does not. The counter is not decremented on exceptions: the only places that
 * catch an error and continue (`tryEval`) restore it.
 */

import type { ParsedFile } from '../ast.ts';
import type { EvalHost } from '../host.ts';
import type { LintLevel } from '../lint.ts';
import type { Pos } from '../source.ts';
import type { Attrs, Value } from '../value/value.ts';
import { StackOverflowError } from './errors.ts';

export interface EvalSettings {
  /** `--show-trace`: adds "while calling …"/"from call site" frames and prints all of them. */
  showTrace: boolean;
  /** `max-call-depth` (default 10000). */
  maxCallDepth: number;
  pureEval: boolean;
  restrictEval: boolean;
  /** `nix-instantiate --eval` without `--read-write-mode`: store paths are computed, not written. */
  readOnly: boolean;
  traceVerbose: boolean;
  abortOnWarn: boolean;
  /** Enabled experimental features (`experimental-features` + `extra-experimental-features`). */
  experimentalFeatures: Set<string>;
  /** The parser's `lint-*` settings. */
  lints: { absolutePathLiterals?: LintLevel; shortPathLiterals?: LintLevel; urlLiterals?: LintLevel };
}

export function defaultSettings(): EvalSettings {
  return {
    showTrace: false,
    maxCallDepth: 10000,
    pureEval: false,
    restrictEval: false,
    readOnly: true,
    traceVerbose: false,
    abortOnWarn: false,
    experimentalFeatures: new Set(),
    lints: {},
  };
}

/** The parts of a run that the runtime and builtins reach through `S`. */
export interface EvalState {
  readonly settings: EvalSettings;
  readonly host: EvalHost;
  /** Read, parse and scope-resolve a file (with `scopedImport`'s extra names, if any). */
  readonly parseFile: (path: string, extraScope?: readonly string[]) => ParsedFile;
  /** Compile and evaluate a parsed file in the base environment (or with extra `scopedImport` scope). */
  readonly evalParsed: (file: ParsedFile, scope?: Attrs) => Value;
  /** `import` results by resolved path (upstream fileEvalCache). */
  readonly fileCache: Map<string, Value>;
  /** The `builtins` set, filled by the builtins registry. */
  builtins: Attrs | undefined;
  /** Base environment: global names (`map`, `true`, `__add`…) → values. */
  readonly baseEnv: Map<string, Value>;
  /** Extra state builtins keep per run (regex cache, derivation wrapper…), keyed by owner. */
  readonly extra: Map<string, unknown>;
}

let current: EvalState | undefined;

export function setState(s: EvalState | undefined): void {
  current = s;
  depth = 0;
  if (s) {
    maxDepth = s.settings.maxCallDepth;
    showTrace = s.settings.showTrace;
  }
}

/** The current evaluation state (throws outside an evaluation). */
export function S(): EvalState {
  if (current === undefined) throw new Error('tix: no evaluation in progress');
  return current;
}

// Hot settings copied out of the state for the call path.
export let showTrace = false;
let maxDepth = 10000;
let depth = 0;

/** Enter one level of call depth (upstream `addCallDepth`): throws beyond max-call-depth. */
export function enter(pos: Pos | undefined): void {
  if (depth > maxDepth) throw new StackOverflowError(pos);
  depth++;
}

export function leave(): void {
  depth--;
}

/** Current depth, saved by `tryEval` and restored when it catches. */
export function getDepth(): number {
  return depth;
}

export function setDepth(d: number): void {
  depth = d;
}
