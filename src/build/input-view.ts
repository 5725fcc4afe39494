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
 * Store paths never change, so the decision and the listing are cached per process, and so
 * are the bytes of copied files (up to CACHE_BYTES in all): a chain of builds copies the
 * same inputs again and again, and writing a file from memory (open with its final mode,
 * write, set mtime through the descriptor, close) costs half the system calls of copying
 * it from the store.
 *
 * A chain of builds would still copy its whole closure again for every build (quadratic in
 * the chain's length, and file creation is the expensive part), so a sandbox store
 * directory is kept for the next build of the process (store-views.ts) and `syncInputs`
 * makes it hold exactly the next closure: a copy that is still byte for byte as it was made
 * (type, mode, mtime, one link, contents, directory entries) stays, anything else (other
 * inputs, what a builder left, a copy a builder changed) goes, and only missing copies are
 * made. Checking a small file is an lstat and a read, with no write to the filesystem's journal.
 */

import { chmodSync, closeSync, constants, copyFileSync, fchmodSync, futimesSync, lstatSync, lutimesSync, mkdirSync, openSync, opendirSync, readdirSync, readFileSync, readlinkSync, readSync, symlinkSync, utimesSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { removeTree } from './remove-tree.ts';

/** Inputs with more entries than this are bound, not copied. */
export const MAX_COPY_ENTRIES = 32;
/** Inputs with more file bytes than this are bound, not copied. */
export const MAX_COPY_BYTES = 256 * 1024;
/** Bytes of copied files kept in memory across builds. */
const CACHE_BYTES = 64 * 1024 * 1024;
let cachedBytes = 0;

type Entry =
  | { readonly rel: string; readonly type: 'file'; readonly executable: boolean; data?: Buffer }
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
    if (!visit('')) return BIND;
    if (cachedBytes + bytes <= CACHE_BYTES) {
      for (const e of entries) if (e.type === 'file') e.data = readFileSync(e.rel === '' ? root : join(root, e.rel));
      cachedBytes += bytes;
    }
    return { kind: 'copy', entries };
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
    } else if (e.data) {
      const mode = e.executable ? 0o555 : 0o444;
      const fd = openSync(to, 'wx', mode);
      try {
        for (let off = 0; off < e.data.length; ) off += writeSync(fd, e.data, off);
        fchmodSync(fd, mode); // whatever the umask
        futimesSync(fd, 1, 1);
      } finally {
        closeSync(fd);
      }
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

type CopyPlan = Extract<InputPlan, { kind: 'copy' }>;

/**
 * Before bwrap starts on `dir` (a reused sandbox store directory): a bound input's mount
 * point must be what bwrap itself would create (an empty directory or file), never
 * something a builder left there, since bwrap mounts onto what it finds.
 */
export function prepareMountPoints(dir: string, inputs: ReadonlyMap<string, string>): void {
  for (const name of readdirSync(dir)) {
    const physical = inputs.get(name);
    if (physical === undefined || planInput(physical).kind !== 'bind') continue;
    const path = join(dir, name);
    const st = lstatSync(path);
    const empty = st.isFile() ? st.size === 0 : st.isDirectory() && readdirSync(path).length === 0;
    if (!empty) removeTree(path);
  }
}

/**
 * Make `dir` hold exactly the copied inputs of `inputs` (base name → physical path): keep
 * intact copies, remove everything else except bound inputs' mount points, copy what is
 * missing. A fresh directory just gets every copy.
 */
export function syncInputs(dir: string, inputs: ReadonlyMap<string, string>): void {
  const kept = new Set<string>();
  for (const name of readdirSync(dir)) {
    const physical = inputs.get(name);
    const plan = physical === undefined ? undefined : planInput(physical);
    if (plan?.kind === 'bind') continue; // bwrap's mount point (prepareMountPoints)
    if (plan && intact(plan, join(dir, name))) kept.add(name);
    else removeTree(join(dir, name));
  }
  for (const [base, physical] of inputs) {
    const plan = planInput(physical);
    if (plan.kind === 'copy' && !kept.has(base)) materialise(plan, physical, join(dir, base));
  }
}

/** Number of entries directly inside each copied directory, by its `rel`. */
const childCounts = new WeakMap<CopyPlan, Map<string, number>>();

function childCount(plan: CopyPlan, rel: string): number {
  let counts = childCounts.get(plan);
  if (!counts) {
    counts = new Map();
    for (const e of plan.entries) {
      if (e.rel === '') continue;
      const slash = e.rel.lastIndexOf('/');
      const parent = slash < 0 ? '' : e.rel.slice(0, slash);
      counts.set(parent, (counts.get(parent) ?? 0) + 1);
    }
    childCounts.set(plan, counts);
  }
  return counts.get(rel) ?? 0;
}

let scratch = Buffer.alloc(64 * 1024);

/** True when the copy at `root` is still exactly what `materialise` made. */
function intact(plan: CopyPlan, root: string): boolean {
  try {
    for (const e of plan.entries) {
      const path = e.rel === '' ? root : join(root, e.rel);
      const st = lstatSync(path);
      if (st.mtimeMs !== 1000) return false;
      if (e.type === 'dir') {
        if (!st.isDirectory() || (st.mode & 0o7777) !== 0o555 || readdirSync(path).length !== childCount(plan, e.rel)) return false;
      } else if (e.type === 'symlink') {
        if (!st.isSymbolicLink() || readlinkSync(path) !== e.target) return false;
      } else {
        // One link: a copy linked from elsewhere could be changed through the other name.
        if (!e.data || !st.isFile() || st.nlink !== 1 || (st.mode & 0o7777) !== (e.executable ? 0o555 : 0o444)) return false;
        if (st.size !== e.data.length || !sameContents(path, e.data)) return false;
      }
    }
    return true;
  } catch {
    return false; // gone or unreadable: copy it again
  }
}

function sameContents(path: string, data: Buffer): boolean {
  if (scratch.length < data.length + 1) scratch = Buffer.alloc(data.length + 1);
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    // Up to one byte more than expected, to notice a file that grew.
    let got = 0;
    while (got <= data.length) {
      const n = readSync(fd, scratch, got, data.length + 1 - got, got);
      if (n === 0) break;
      got += n;
    }
    return got === data.length && scratch.subarray(0, got).equals(data);
  } finally {
    closeSync(fd);
  }
}

/** For tests: forget cached plans. */
export function clearInputPlans(): void {
  cache.clear();
  cachedBytes = 0;
}

