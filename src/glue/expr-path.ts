/**
 * Where a FILE argument of nix-instantiate / nix-build points (upstream `resolveExprPath`):
 * follow symlinks of the file itself, then a directory means its `default.nix`.
 * Paths are latin1 byte strings, as inside the evaluator.
 */

import { lstatSync, readlinkSync, statSync } from 'node:fs';
import { canonPath } from '../lang/index.ts';
import { fsPath } from './sync-nar.ts';

export function resolveExprPath(path: string): string {
  for (let i = 0; i < 1024; i++) {
    let st;
    try {
      st = lstatSync(fsPath(path));
    } catch {
      break;
    }
    if (!st.isSymbolicLink()) break;
    const dir = path.slice(0, path.lastIndexOf('/')) || '/';
    path = canonPath(readlinkSync(fsPath(path), { encoding: 'buffer' }).toString('latin1'), dir);
  }
  try {
    if (statSync(fsPath(path)).isDirectory()) return path === '/' ? '/default.nix' : path + '/default.nix';
  } catch {
    // a missing file is reported when it is read
  }
  return path;
}
