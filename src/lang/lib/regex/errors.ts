/**
 * Errors of the regex library. Nix reports every `std::regex_error` as
 * `invalid regular expression '<pattern>'`, except `error_space` (the NFA grew beyond
 * libstdc++'s 100,000-state limit), which is `memory limit exceeded by regular expression
 * '<pattern>'` (upstream primops.cc, `prim_match`/`prim_split`). The detail says which
 * rule was broken; Nix itself does not print it.
 */

import type { TixError } from '../../../errors.ts';

/** Internal: a syntax rule was broken while compiling. */
export class RegexSyntaxError extends Error {
  override readonly name: string = 'RegexSyntaxError';
}

/** Internal: the NFA exceeded the state limit. */
export class RegexSpaceError extends Error {
  override readonly name: string = 'RegexSpaceError';
}

/** A pattern `builtins.match`/`builtins.split` rejects, with Nix's message. */
export class NixRegexError extends Error implements TixError {
  override readonly name: string = 'NixRegexError';
  /** `E_REGEX_INVALID` or `E_REGEX_TOO_LARGE`. */
  readonly code: string;
  /** The pattern, as a byte string. */
  readonly pattern: string;
  /** Why it was rejected (not part of Nix's message). */
  readonly detail: string;

  constructor(pattern: string, cause: RegexSyntaxError | RegexSpaceError) {
    const space = cause instanceof RegexSpaceError;
    super(space ? `memory limit exceeded by regular expression '${pattern}'` : `invalid regular expression '${pattern}'`);
    this.code = space ? 'E_REGEX_TOO_LARGE' : 'E_REGEX_INVALID';
    this.pattern = pattern;
    this.detail = cause.message;
  }
}
