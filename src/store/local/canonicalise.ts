/**
 * Canonical metadata for a store path before it becomes valid (Nix:
 * `canonicalisePathMetaData`): every file read-only (0444, or 0555 when the owner could
 * execute it), directories 0555, no setuid/setgid/sticky bits, modification time 1 (the
 * epoch plus one second) on files, directories and symlinks, and nothing but regular
 * files, directories and symlinks. Ownership is left alone: tix restores and copies the
 * files itself, so they already belong to the user running the store (a root-run store
 * is owned by root).
 *
 * Optionally hard links are broken: a build could link a file of its output to a file
 * elsewhere (another store path, say), and chmod on one name changes the other.
 */

import { chmodSync, copyFileSync, type Dirent, lstatSync, lutimesSync, readdirSync, renameSync, rmSync, type Stats, unlinkSync } from 'node:fs';
import { StoreError } from './errors.ts';

/** Nix's `mtimeStore`. */
export const CANONICAL_MTIME = 1;

export interface CanonicaliseOptions {
  /** Replace a regular file that has other hard links with a private copy. */
  readonly breakHardLinks?: boolean;
}

/** Canonicalise `path` and everything below it. Throws on a FIFO, socket or device. */
export function canonicalisePath(path: string, opts: CanonicaliseOptions = {}): void {
  canonicaliseEntry(path, lstatSync(path), opts);
}

function canonicaliseEntry(path: string, st: Stats, opts: CanonicaliseOptions): void {
  if (st.isDirectory()) {
    // Make sure we may list and change the children before locking the directory.
    if ((st.mode & 0o700) !== 0o700) chmodSync(path, 0o700);
    for (const d of readdirSync(path, { withFileTypes: true }) as Dirent[]) {
      const child = `${path}/${d.name}`;
      canonicaliseEntry(child, lstatSync(child), opts);
    }
    chmodSync(path, 0o555);
  } else if (st.isFile()) {
    if (opts.breakHardLinks && st.nlink > 1) breakHardLink(path);
    const mode = st.mode & 0o100 ? 0o555 : 0o444;
    if ((st.mode & 0o7777) !== mode) chmodSync(path, mode);
  } else if (!st.isSymbolicLink()) {
    throw new StoreError('E_UNSUPPORTED_FILE_TYPE', `file '${path}' has an unsupported type`);
  }
  if (st.mtimeMs !== CANONICAL_MTIME * 1000) lutimesSync(path, st.atime, CANONICAL_MTIME);
}

function breakHardLink(path: string): void {
  const copy = `${path}.tix-unlink`;
  copyFileSync(path, copy);
  chmodSync(copy, lstatSync(path).mode & 0o777);
  renameSync(copy, path);
}

/** Make a tree writable again so it can be deleted (store paths are read-only). */
export function makeWritable(path: string): void {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (!st.isDirectory()) return;
  if ((st.mode & 0o700) !== 0o700) chmodSync(path, (st.mode & 0o777) | 0o700);
  for (const d of readdirSync(path, { withFileTypes: true }) as Dirent[]) {
    if (d.isDirectory()) makeWritable(`${path}/${d.name}`);
  }
}

/** Delete a store path or temporary tree, read-only or not; absent is fine. */
export function deleteTree(path: string): void {
  makeWritable(path);
  rmSync(path, { recursive: true, force: true });
}

/** Unlink `path` if it exists. */
export function unlinkIfExists(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
