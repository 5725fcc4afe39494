/**
 * Errors of derivation realisation. Messages follow Nix's wording where Nix prints one
 * (`builder for '…' failed with exit code 1`, `hash mismatch in fixed-output derivation`,
 * `may not be deterministic`), because users and scripts match on them.
 */

import type { TixError } from '../errors.ts';

/** What went wrong, as a stable code. Nix's worker folds these into its exit status. */
export type BuildErrorCode =
  | 'E_BUILD_FAILED' // builder exited non-zero or was killed
  | 'E_BUILDER_MISSING' // builder program not visible in the sandbox
  | 'E_OUTPUT_MISSING' // an output was not produced
  | 'E_OUTPUT_INVALID' // an output holds something a store path may not (device node, socket...)
  | 'E_HASH_MISMATCH' // fixed-output hash differs
  | 'E_NOT_DETERMINISTIC' // --check found a different NAR hash
  | 'E_CHECK_IMPOSSIBLE' // --check without valid outputs to compare with
  | 'E_DEPENDENCY_FAILED' // an input derivation failed
  | 'E_SANDBOX' // the sandbox could not be set up (bwrap missing, no user namespaces)
  | 'E_SYSTEM_MISMATCH' // derivation for another platform
  | 'E_REPAIR_MISMATCH' // a substitute offered for repair is not the registered contents
  | 'E_REPAIR_DIFFERS' // repair by rebuilding gave different contents
  | 'E_NAR_SIZE_MISMATCH' // a substitute's NAR is longer than its path info says (stopped there)
  | 'E_BAD_DERIVATION'; // the .drv cannot be built as written

export class BuildError extends Error implements TixError {
  override readonly name: string = 'BuildError';
  readonly code: BuildErrorCode;
  /** The derivation the error is about (absolute store path), when there is one. */
  readonly storePath: string | undefined;

  constructor(code: BuildErrorCode, message: string, options: { storePath?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.storePath = options.storePath;
  }
}

/** Nix's `statusToString` for a child that did not succeed. */
export function describeExit(exitCode: number | null, signal: string | null, signalNumber?: number): string {
  if (exitCode !== null) return `failed with exit code ${exitCode}`;
  if (signal !== null) return `failed due to signal ${signalNumber ?? signal} (${signalDescription(signal)})`;
  return 'died abnormally';
}

const SIGNAL_TEXT: Record<string, string> = {
  SIGKILL: 'Killed',
  SIGTERM: 'Terminated',
  SIGSEGV: 'Segmentation fault',
  SIGABRT: 'Aborted',
  SIGINT: 'Interrupt',
  SIGHUP: 'Hangup',
  SIGPIPE: 'Broken pipe',
  SIGBUS: 'Bus error',
  SIGILL: 'Illegal instruction',
  SIGFPE: 'Floating point exception',
};

function signalDescription(signal: string): string {
  return SIGNAL_TEXT[signal] ?? signal;
}

/**
 * Nix's exit status of a build run (`Worker::exitStatus`): 100 plus bits for a hash
 * mismatch (2) and a timeout (1), 104 for non-determinism, 1 for other failures.
 */
export function buildExitStatus(codes: Iterable<string>): number {
  let mask = 0;
  let failure = false;
  let other = false;
  for (const c of codes) {
    if (c === 'E_BUILD_FAILED' || c === 'E_OUTPUT_MISSING' || c === 'E_OUTPUT_INVALID' || c === 'E_BUILDER_MISSING' || c === 'E_DEPENDENCY_FAILED') failure = true;
    else if (c === 'E_HASH_MISMATCH') {
      failure = true;
      mask |= 0x02;
    } else if (c === 'E_NOT_DETERMINISTIC') mask |= 0x08;
    else other = true;
  }
  if (failure) mask |= 0x04;
  if (mask) return mask | 0x60;
  return other ? 1 : 0;
}
