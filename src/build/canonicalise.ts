/**
 * Canonicalising a build output before it is hashed and registered. Nix:
 * `canonicalisePathMetaData` — every file read-only (0444, or 0555 when executable),
 * directories 0555, no setuid/setgid/sticky bits, mtime 1 (the Unix epoch + 1 s), and
 * nothing but regular files, directories and symlinks.
 *
 * Hard links: a file with more than one link may share its inode with a file outside the
 * output (an unsandboxed builder can link a store file into `$out`); changing its mode or
 * mtime would change that file too, and registering it would tie the output to it. Such a
 * file is replaced by a copy first, so the output owns every inode it has.
 */

import { chmodSync, copyFileSync, lstatSync, lutimesSync, readdirSync, renameSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { BuildError } from './errors.ts';

/** Nix's canonical mtime. */
export const CANONICAL_MTIME = 1;

const S_IXUSR = 0o100;

/** Canonicalise the tree at `path` in place (post-order, so directories are writable while their entries change). */
export function canonicaliseOutput(path: string): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) {
    lutimesSync(path, CANONICAL_MTIME, CANONICAL_MTIME);
    return;
  }
  if (st.isDirectory()) {
    // The builder may have left a directory it cannot write; make it ours to walk.
    if ((st.mode & 0o700) !== 0o700) chmodSync(path, 0o700);
    for (const name of readdirSync(path)) canonicaliseOutput(join(path, name));
    chmodSync(path, 0o555);
    utimesSync(path, CANONICAL_MTIME, CANONICAL_MTIME);
    return;
  }
  if (!st.isFile()) throw new BuildError('E_OUTPUT_INVALID', `file '${path}' has an unsupported type`);
  if (st.nlink > 1) breakHardLink(path);
  chmodSync(path, st.mode & S_IXUSR ? 0o555 : 0o444);
  utimesSync(path, CANONICAL_MTIME, CANONICAL_MTIME);
}

function breakHardLink(path: string): void {
  const tmp = `${path}.tix-unlink`;
  copyFileSync(path, tmp);
  renameSync(tmp, path);
}
