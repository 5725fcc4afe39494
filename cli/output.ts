/**
 * The only place that renders errors for humans: `error: <message>` on stderr, plus
 * whatever location the error carries. Data goes to stdout, messages to stderr.
 */

import { writeSync } from 'node:fs';
import { getSystemErrorMessage } from 'node:util';

/** Write bytes or text to stdout synchronously (keeps ordering with stderr, handles EPIPE). */
export function writeStdout(data: string | Uint8Array): void {
  writeAll(1, data);
}

export function writeStderr(data: string | Uint8Array): void {
  writeAll(2, data);
}

function writeAll(fd: number, data: string | Uint8Array): void {
  let buf = typeof data === 'string' ? Buffer.from(data) : data;
  while (buf.length > 0) {
    try {
      const n = writeSync(fd, buf);
      buf = buf.subarray(n);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EPIPE') process.exit(0);
      throw e;
    }
  }
}

/** `error: ...` with the error's location when it has one. */
export function renderError(e: unknown): string {
  if (!(e instanceof Error)) return `error: ${String(e)}\n`;
  const rendered = (e as { render?: () => string }).render;
  if (typeof rendered === 'function') return rendered.call(e);
  if (isSystemError(e)) return renderSystemError(e);
  // A damaged block LevelDB found while reading (in this process or in the DB's owner).
  if ((e as { code?: unknown }).code === 'LEVEL_CORRUPTION') {
    return `error: the store database is damaged: ${e.message}\nhint: stop every tix process using this store, then run 'tix store repair-db' (with the same --store)\n`;
  }
  const where: string[] = [];
  const x = e as { whence?: string; offset?: number; line?: number; storePath?: string; peer?: string };
  if (x.whence) where.push(x.whence);
  if (typeof x.line === 'number') where.push(`line ${x.line}`);
  if (typeof x.offset === 'number') where.push(`byte ${x.offset}`);
  if (x.peer) where.push(`peer ${x.peer}`);
  const suffix = where.length ? ` (${where.join(', ')})` : '';
  // A tix error wrapping a full disk, read-only filesystem...: say what to do about it.
  const cause = (e as { cause?: unknown }).cause;
  const hint = cause instanceof Error && isSystemError(cause) ? ERRNO_HINTS[cause.code!] : undefined;
  return `error: ${e.message}${suffix}\n${hint ? `hint: ${hint}\n` : ''}`;
}

export function printError(e: unknown): void {
  writeStderr(renderError(e));
  if (process.env.TIX_DEBUG && e instanceof Error && e.stack) writeStderr(e.stack + '\n');
}

/** A Node fs error that escaped without a tix wrapper (`EROFS: read-only file system, open '/x'`). */
function isSystemError(e: Error): e is NodeJS.ErrnoException & { syscall: string; dest?: string } {
  const x = e as NodeJS.ErrnoException;
  return typeof x.errno === 'number' && typeof x.syscall === 'string' && typeof x.code === 'string';
}

/** Nix's verbs for the system calls tix makes on files. */
const SYSCALL_VERBS: Record<string, string> = {
  open: 'opening file',
  mkdir: 'creating directory',
  write: 'writing to file',
  rename: 'renaming',
  unlink: 'removing file',
  rmdir: 'removing directory',
  symlink: 'creating symlink',
  lstat: 'getting status of',
  stat: 'getting status of',
  chmod: 'changing mode of',
  utime: 'changing modification time of',
  copyfile: 'copying',
};

/** What to do about the conditions a user can fix. */
const ERRNO_HINTS: Record<string, string> = {
  ENOSPC: 'the filesystem is full; free some space (e.g. tix store gc) and run the command again',
  EDQUOT: 'the disk quota is exhausted; free some space and run the command again',
  EROFS: 'the filesystem is mounted read-only; tix needs to write to the store and its state directory',
  EACCES: 'permission denied; run tix as a user who may write to the store, or use --store with a directory you own',
  EPERM: 'operation not permitted; run tix as a user who may write to the store',
};

/** "error: opening file '/x': Read-only file system", as Nix's SysError, plus a hint. */
function renderSystemError(e: NodeJS.ErrnoException & { syscall: string; dest?: string }): string {
  const verb = SYSCALL_VERBS[e.syscall] ?? e.syscall;
  const what = e.path === undefined ? verb : `${verb} '${e.path}'${e.dest === undefined ? '' : ` to '${e.dest}'`}`;
  const text = getSystemErrorMessage(e.errno!);
  const hint = ERRNO_HINTS[e.code!];
  return `error: ${what}: ${text.charAt(0).toUpperCase()}${text.slice(1)}\n${hint ? `hint: ${hint}\n` : ''}`;
}
