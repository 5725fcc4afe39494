/**
 * Garbage collection (Nix: `LocalStore::collectGarbage`). A path is live when it is in the
 * closure of a root (gc-roots.ts) or of a temp root held by a running tix process, where
 * the closure follows references and, as Nix does by default, a path's deriver
 * (`keep-derivations = true`) but not a derivation's outputs (`keep-outputs = false`);
 * both settings are honoured. Everything else valid is dead.
 *
 * Deletion goes referrers first, so the closure invariant holds after every step. For each
 * batch: take the path locks (a path being added or built is skipped), invalidate in one
 * DB batch (the owner re-checks temp roots, locks and referrers atomically, so nothing that
 * became live meanwhile goes), then move the files aside and delete them. A crash between
 * the DB batch and the deletion leaves invalid files, which the next collection removes
 * along with any other entry of the store dir that is not a valid path.
 *
 * Every deletion shows as an `invalidated` event on `StoreDb.events()`, in every process:
 * that is the hook through which the P2P node withdraws its announcements.
 */

import { lstatSync, readdirSync, renameSync, rmdirSync, unlinkSync, type Stats } from 'node:fs';
import type { PathInfo } from '../path-info-json.ts';
import { type StorePath, tryParseStorePathBaseName } from '../store-path.ts';
import { makeWritable } from './canonicalise.ts';
import { topoSortPaths } from './closure.ts';
import { StoreError } from './errors.ts';
import { findRoots } from './gc-roots.ts';
import type { StoreContext } from './store-context.ts';

export interface GcOptions {
  /** What to do; default `delete-dead`. */
  readonly action?: 'delete-dead' | 'print-roots' | 'print-live' | 'print-dead';
  /** Stop after freeing this many bytes. */
  readonly maxFreed?: number;
  readonly keepDerivations?: boolean;
  readonly keepOutputs?: boolean;
  readonly signal?: AbortSignal;
}

export type GcEvent =
  | { readonly type: 'root'; readonly link: string; readonly path: StorePath }
  | { readonly type: 'live'; readonly path: StorePath }
  | { readonly type: 'dead'; readonly path: StorePath }
  | { readonly type: 'deleted'; readonly path: StorePath | string; readonly bytes: number }
  | { readonly type: 'skipped'; readonly path: StorePath; readonly reason: string }
  | { readonly type: 'done'; readonly deleted: number; readonly bytesFreed: number };

/** Paths invalidated per DB batch. */
const DELETE_BATCH = 64;
/** Page size when reading every path info. */
const PAGE = 2048;

/** Every valid path's info, by base name. */
export async function allPathInfos(ctx: Pick<StoreContext, 'db'>): Promise<Map<string, PathInfo>> {
  const all = new Map<string, PathInfo>();
  for (let after: string | undefined; ; ) {
    const page = await ctx.db.listPathInfos(after, PAGE);
    for (const i of page) all.set(i.path.baseName, i);
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.path.hashPart;
  }
  return all;
}

/** The live set given the roots, over the graph `all`. */
export async function liveClosure(
  ctx: Pick<StoreContext, 'db'>,
  all: ReadonlyMap<string, PathInfo>,
  roots: Iterable<StorePath>,
  opts: { keepDerivations: boolean; keepOutputs: boolean },
): Promise<Set<string>> {
  const live = new Set<string>();
  const todo: string[] = [];
  const add = (base: string) => {
    if (!live.has(base) && all.has(base)) {
      live.add(base);
      todo.push(base);
    }
  };
  for (const r of roots) add(r.baseName);
  while (todo.length > 0) {
    const info = all.get(todo.pop()!)!;
    for (const ref of info.references) add(ref.baseName);
    if (opts.keepDerivations && info.deriver) add(info.deriver.baseName);
    if (opts.keepOutputs && info.path.isDerivation) {
      for (const out of (await ctx.db.queryDerivationOutputs(info.path)).values()) add(out.baseName);
    }
  }
  return live;
}

export async function* collectGarbage(ctx: StoreContext, opts: GcOptions = {}): AsyncGenerator<GcEvent> {
  const action = opts.action ?? 'delete-dead';
  const { roots } = findRoots(ctx, { removeStale: action === 'delete-dead' });
  if (action === 'print-roots') {
    for (const r of roots) yield { type: 'root', link: r.link, path: r.path };
    return;
  }
  const tempRoots = await ctx.db.listTempRoots();
  const all = await allPathInfos(ctx);
  const live = await liveClosure(ctx, all, [...roots.map((r) => r.path), ...tempRoots], {
    keepDerivations: opts.keepDerivations ?? true,
    keepOutputs: opts.keepOutputs ?? false,
  });
  if (action === 'print-live') {
    for (const base of [...live].sort()) yield { type: 'live', path: all.get(base)!.path };
    return;
  }
  const deadInfos = new Map([...all].filter(([base]) => !live.has(base)));
  const dead = topoSortPaths(deadInfos);
  if (action === 'print-dead') {
    for (const p of [...dead].sort((a, b) => (a.baseName < b.baseName ? -1 : 1))) yield { type: 'dead', path: p };
    return;
  }

  let deleted = 0;
  let bytesFreed = 0;
  const maxFreed = opts.maxFreed ?? Infinity;
  for (let i = 0; i < dead.length && bytesFreed < maxFreed; i += DELETE_BATCH) {
    opts.signal?.throwIfAborted();
    const batch = dead.slice(i, i + DELETE_BATCH);
    const locked: StorePath[] = [];
    for (const p of batch) {
      if (await ctx.db.lockPaths([p.baseName], { wait: false })) locked.push(p);
      else yield { type: 'skipped', path: p, reason: 'it is locked by another process' };
    }
    try {
      const res = await ctx.db.invalidatePaths(locked);
      for (const r of res.refused) yield { type: 'skipped', path: r.path, reason: r.reason };
      for (const p of res.invalidated) {
        const bytes = deleteStorePathFiles(ctx, p.baseName);
        deleted++;
        bytesFreed += bytes;
        yield { type: 'deleted', path: p, bytes };
        if (bytesFreed >= maxFreed) break;
      }
    } finally {
      if (locked.length > 0) await ctx.db.unlockPaths(locked.map((p) => p.baseName));
    }
  }
  if (bytesFreed < maxFreed) {
    for await (const ev of deleteStrays(ctx)) {
      bytesFreed += ev.bytes;
      yield ev;
    }
  }
  yield { type: 'done', deleted, bytesFreed };
}

/**
 * Delete the given paths, refusing any that is live (reachable from a root or a temp
 * root) or still referenced from outside the set. Nix: `nix-store --delete`.
 */
export async function deletePaths(ctx: StoreContext, paths: readonly StorePath[]): Promise<{ deleted: StorePath[]; bytesFreed: number }> {
  const { roots } = findRoots(ctx, { removeStale: false });
  const tempRoots = await ctx.db.listTempRoots();
  const all = await allPathInfos(ctx);
  const live = await liveClosure(ctx, all, [...roots.map((r) => r.path), ...tempRoots], { keepDerivations: false, keepOutputs: false });
  for (const p of paths) {
    if (live.has(p.baseName)) {
      throw new StoreError('E_PATH_ALIVE', `cannot delete path '${ctx.storeDir.printPath(p)}' since it is still alive. To find out why, use: tix store gc --print-roots`, { storePath: ctx.storeDir.printPath(p) });
    }
  }
  const names = paths.map((p) => p.baseName);
  if (!(await ctx.db.lockPaths(names, { wait: false }))) throw new StoreError('E_PATH_LOCKED', 'cannot delete: a path is locked by another process');
  try {
    const res = await ctx.db.invalidatePaths(paths);
    if (res.refused.length > 0) {
      // Invalidation is all-or-nothing per path but the batch went through for the others:
      // report the first refusal (as Nix does) after deleting what may go.
      for (const p of res.invalidated) deleteStorePathFiles(ctx, p.baseName);
      const r = res.refused[0]!;
      throw new StoreError('E_PATH_ALIVE', `cannot delete path '${ctx.storeDir.printPath(r.path)}' because ${r.reason}`, { storePath: ctx.storeDir.printPath(r.path) });
    }
    let bytesFreed = 0;
    for (const p of res.invalidated) bytesFreed += deleteStorePathFiles(ctx, p.baseName);
    return { deleted: res.invalidated, bytesFreed };
  } finally {
    await ctx.db.unlockPaths(names);
  }
}

/**
 * Remove the files of an invalidated path: first move it into the temp area (so the store
 * dir never shows a half-deleted path), then delete it. Returns the bytes freed.
 */
export function deleteStorePathFiles(ctx: StoreContext, baseName: string): number {
  const real = `${ctx.layout.realStoreDir}/${baseName}`;
  const trash = ctx.temp.newPath();
  try {
    renameSync(real, trash);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
  makeWritable(trash);
  return removeCounting(trash);
}

/** Delete a tree, returning the sizes of what was removed (Nix counts `st_size`). */
function removeCounting(path: string): number {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch {
    return 0;
  }
  let n = st.size;
  if (st.isDirectory()) {
    for (const name of readdirSync(path)) n += removeCounting(`${path}/${name}`);
    rmdirSync(path);
  } else {
    unlinkSync(path);
  }
  return n;
}

/** Entries of the store dir that are not valid paths (left by crashes), unless locked. */
async function* deleteStrays(ctx: StoreContext): AsyncGenerator<GcEvent & { type: 'deleted' }> {
  let names: string[];
  try {
    names = readdirSync(ctx.layout.realStoreDir);
  } catch {
    return;
  }
  const candidates = names.filter((n) => !n.startsWith('.')).map((n) => ({ n, p: tryParseStorePathBaseName(n) }));
  const parsed = candidates.filter((c): c is { n: string; p: StorePath } => c.p !== undefined);
  const valid = new Set((await ctx.db.queryValidPaths(parsed.map((c) => c.p))).map((p) => p.baseName));
  for (const { n, p } of candidates) {
    if (p && valid.has(n)) continue;
    const lockName = p ? p.baseName : n;
    if (!(await ctx.db.lockPaths([lockName], { wait: false }))) continue;
    try {
      if (p && (await ctx.db.isValidPath(p))) continue;
      yield { type: 'deleted', path: p ?? `${ctx.storeDir.dir}/${n}`, bytes: deleteStorePathFiles(ctx, n) };
    } finally {
      await ctx.db.unlockPaths([lockName]);
    }
  }
}

