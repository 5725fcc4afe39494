/**
 * How each path of the input closure appears under the sandbox's `/nix/store`.
 *
 * Bubblewrap applies mount flags by re-reading `/proc/self/mountinfo` after every bind, so
 * n binds cost O(n²) (measured here: 200 read-only binds ≈ 0.3 s, most of it the kernel
 * printing mountinfo). Most store paths are small, though, so a small input is *copied*
 * into the sandbox's store directory (file modes and mtime as in the store) and only large
 * inputs are bound read-only. A copy is private to the build: the builder may change it
 * without touching the store, exactly as with a read-only bind it cannot change anything.
 *
 * Store paths never change, so the decision and the listing are cached per process.
 */

import { chmodSync, copyFileSync, lstatSync, lutimesSync, mkdirSync, opendirSync, readlinkSync, symlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';

/** Inputs with more entries than this are bound, not copied. */
export const MAX_COPY_ENTRIES = 32;
/** Inputs with more file bytes than this are bound, not copied. */
export const MAX_COPY_BYTES = 256 * 1024;

type Entry =
  | { readonly rel: string; readonly type: 'file'; readonly executable: boolean }
  | { readonly rel: string; readonly type: 'dir' }
  | { readonly rel: string; readonly type: 'symlink'; readonly target: string };

/** `bind`: mount read-only; otherwise the entries to recreate, parents before children. */
export type InputPlan = { readonly kind: 'bind' } | { readonly kind: 'copy'; readonly entries: readonly Entry[] };

const BIND: InputPlan = { kind: 'bind' };
const cache = new Map<string, InputPlan>();

/** Decide (once per physical path) how to show an input. */
export function planInput(physical: string): InputPlan {
  let plan = cache.get(physical);
  if (!plan) {
    plan = scan(physical);
    cache.set(physical, plan);
  }
  return plan;
}

function scan(root: string): InputPlan {
  const entries: Entry[] = [];
  let bytes = 0;
  const visit = (rel: string): boolean => {
    if (entries.length >= MAX_COPY_ENTRIES) return false;
    const path = rel === '' ? root : join(root, rel);
    const st = lstatSync(path);
    if (st.isSymbolicLink()) entries.push({ rel, type: 'symlink', target: readlinkSync(path) });
    else if (st.isFile()) {
      bytes += st.size;
      if (bytes > MAX_COPY_BYTES) return false;
      entries.push({ rel, type: 'file', executable: (st.mode & 0o100) !== 0 });
    } else if (st.isDirectory()) {
      entries.push({ rel, type: 'dir' });
      const dir = opendirSync(path);
      try {
        for (let d = dir.readSync(); d !== null; d = dir.readSync()) {
          if (!visit(rel === '' ? d.name : join(rel, d.name))) return false;
        }
      } finally {
        dir.closeSync();
      }
    } else return false;
    return true;
  };
  try {
    return visit('') ? { kind: 'copy', entries } : BIND;
  } catch {
    return BIND; // let the bind report what is wrong with the path
  }
}

/** Recreate a copied input at `dest` with the store's modes and mtime 1. */
export function materialise(plan: Extract<InputPlan, { kind: 'copy' }>, physical: string, dest: string): void {
  const dirs: string[] = [];
  for (const e of plan.entries) {
    const to = e.rel === '' ? dest : join(dest, e.rel);
    if (e.type === 'dir') {
      mkdirSync(to);
      dirs.push(to);
    } else if (e.type === 'symlink') {
      symlinkSync(e.target, to);
      lutimesSync(to, 1, 1);
    } else {
      copyFileSync(e.rel === '' ? physical : join(physical, e.rel), to);
      chmodSync(to, e.executable ? 0o555 : 0o444);
      utimesSync(to, 1, 1);
    }
  }
  // Directories last, deepest first: they must stay writable while filled.
  for (let i = dirs.length - 1; i >= 0; i--) {
    chmodSync(dirs[i]!, 0o555);
    utimesSync(dirs[i]!, 1, 1);
  }
}

/** For tests: forget cached plans. */
export function clearInputPlans(): void {
  cache.clear();
}

