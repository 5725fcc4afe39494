/**
 * The error contract shared by every tix layer.
 *
 * JS has single inheritance, so `TixError` is an interface: a parse error extends
 * `SyntaxError`, a limit extends `RangeError`, the rest extend `Error`, and all of them
 * carry a stable `code`. Callers and tests tell errors apart by `code` or `name`, never
 * by `instanceof` alone.
 */

export interface TixError extends Error {
  /** Stable machine-readable code, e.g. `E_NAR_PADDING`. */
  readonly code: string;
}

/** True when `e` follows the tix error contract (an Error with a string `code` starting `E_`). */
export function isTixError(e: unknown): e is TixError {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('E_');
}

/** A malformed input of a binary or text format, located by byte offset. */
export class FormatError extends SyntaxError implements TixError {
  override readonly name: string = 'FormatError';
  readonly code: string;
  /** Byte offset in the input where the problem was found, when known. */
  readonly offset: number | undefined;
  /** What was being parsed (a file name, "NAR", "narinfo"...), when known. */
  readonly whence: string | undefined;

  constructor(code: string, message: string, options: { offset?: number; whence?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.offset = options.offset;
    this.whence = options.whence;
  }
}

/** A value that breaks a rule of its type (a bad store path name, an unknown hash algorithm...). */
export class InvalidValueError extends Error implements TixError {
  override readonly name: string = 'InvalidValueError';
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Message of any thrown value, for rendering. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
