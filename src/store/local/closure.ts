/**
 * Closures over the references graph (Nix: `computeFSClosure`, `topoSortPaths`), read
 * from a `PathInfoDb` in batches so that a closure of thousands of paths costs a handful
 * of round trips to the DB owner.
 */

import type { PathInfo } from '../path-info-json.ts';
import { compareStorePaths, type StorePath } from '../store-path.ts';
import { InvalidPathError } from './errors.ts';
import type { PathInfoDb } from './store-db.ts';

export interface ClosureOptions {
  /** Also follow each derivation to its valid outputs (Nix: `includeOutputs`). */
  readonly includeOutputs?: boolean;
  /** Also follow each path to its valid deriver (Nix: `includeDerivers`). */
  readonly includeDerivers?: boolean;
  /** Fail on a start path that is not valid (default); otherwise skip it. */
  readonly strict?: boolean;
  /** Store dir for error messages. */
  readonly printPath?: (p: StorePath) => string;
}

/** How many paths one DB round trip asks about. */
const BATCH = 512;

/** The closure of `start`: every valid path reachable through references, by base name. */
export async function computeClosure(db: PathInfoDb, start: readonly StorePath[], opts: ClosureOptions = {}): Promise<Map<string, PathInfo>> {
  const seen = new Map<string, PathInfo>();
  const queued = new Set<string>();
  let frontier: StorePath[] = [];
  const enqueue = (p: StorePath) => {
    if (queued.has(p.baseName)) return;
    queued.add(p.baseName);
    frontier.push(p);
  };
  for (const p of start) enqueue(p);
  const starts = new Set(start.map((p) => p.baseName));
  const strict = opts.strict ?? true;
  while (frontier.length > 0) {
    const batch = frontier.splice(0, BATCH);
    const infos = await db.queryPathInfos(batch);
    for (let i = 0; i < batch.length; i++) {
      const info = infos[i];
      if (!info) {
        if (strict && starts.has(batch[i]!.baseName)) throw new InvalidPathError(opts.printPath?.(batch[i]!) ?? batch[i]!.baseName);
        continue;
      }
      seen.set(info.path.baseName, info);
      for (const r of info.references) enqueue(r);
      if (opts.includeDerivers && info.deriver) enqueue(info.deriver);
      if (opts.includeOutputs && info.path.isDerivation) {
        for (const out of (await db.queryDerivationOutputs(info.path)).values()) enqueue(out);
      }
    }
  }
  return seen;
}

/** Sum of the NAR sizes of a closure (Nix's "closure size"). */
export function closureSize(closure: ReadonlyMap<string, PathInfo>): number {
  let n = 0;
  for (const i of closure.values()) n += i.narSize;
  return n;
}

/**
 * Paths ordered so that every path comes before the paths it refers to (referrers first),
 * ties broken by base name. Nix: `topoSortPaths`. References outside `infos` are ignored.
 */
export function topoSortPaths(infos: ReadonlyMap<string, PathInfo>): StorePath[] {
  const order: StorePath[] = [];
  const state = new Map<string, 1 | 2>();
  const names = [...infos.keys()].sort();
  // Iterative DFS: post-order over references gives references first; reverse at the end.
  for (const root of names) {
    if (state.has(root)) continue;
    const stack: { name: string; refs: string[]; i: number }[] = [];
    const push = (name: string) => {
      state.set(name, 1);
      const refs = infos.get(name)!.references.map((r) => r.baseName).filter((r) => r !== name && infos.has(r)).sort();
      stack.push({ name, refs, i: 0 });
    };
    push(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.i < top.refs.length) {
        const next = top.refs[top.i++]!;
        if (!state.has(next)) push(next);
      } else {
        stack.pop();
        state.set(top.name, 2);
        order.push(infos.get(top.name)!.path);
      }
    }
  }
  return order.reverse();
}

/** Base-name order, as Nix prints a `StorePathSet`. */
export function sortedPaths(paths: Iterable<StorePath>): StorePath[] {
  return [...paths].sort(compareStorePaths);
}
