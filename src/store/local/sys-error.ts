/**
 * A failed system call, worded as Nix's `SysError`: "<what> '<path>': <strerror>", e.g.
 * "getting status of '/x': No such file or directory".
 */

import { getSystemErrorMessage } from 'node:util';
import type { TixError } from '../../errors.ts';

export class SysError extends Error implements TixError {
  override readonly name: string = 'SysError';
  readonly code = 'E_SYS';
  /** The errno name, e.g. 'ENOENT'. */
  readonly errno: string;
  readonly path: string;

  constructor(what: string, path: string, cause: NodeJS.ErrnoException) {
    super(`${what} '${path}': ${strerror(cause)}`, { cause });
    this.errno = cause.code ?? 'EIO';
    this.path = path;
  }
}

/** The C library's text for an fs error ("No space left on device"), capitalised as Nix prints it. */
export function strerror(e: NodeJS.ErrnoException): string {
  if (typeof e.errno !== 'number') return e.message;
  const m = getSystemErrorMessage(e.errno);
  return m.charAt(0).toUpperCase() + m.slice(1);
}

/** Rethrow an fs error as a SysError; anything else passes through. */
export function sysError(e: unknown, what: string, path: string | Buffer): never {
  if (e instanceof Error && typeof (e as NodeJS.ErrnoException).errno === 'number') throw new SysError(what, String(path), e);
  throw e;
}
