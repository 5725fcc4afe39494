/**
 * Sandbox store directories kept between the builds of one process, so that the next
 * build's `syncInputs` (input-view.ts) only adds what its closure has on top of the last
 * one's: a chain of n builds then makes n copies instead of n²/2.
 *
 * A directory is kept only after a build that succeeded (its outputs have been moved into
 * the store; whatever else the builder left there is removed by the next sync), per store
 * (outputs move out by rename, so the directory must be on that store's filesystem), at
 * most MAX_IDLE at a time. `dropStoreViews` removes the idle ones; a realisation calls it
 * when it ends. A killed process's directories are removed when the store is next opened,
 * as any build tree (local-build-store.ts).
 */

import { removeTreeLater } from './remove-tree.ts';

/** Idle directories beyond this are removed (two per build slot is plenty on small machines). */
const MAX_IDLE = 4;

interface View {
  readonly store: string;
  readonly dir: string;
  /** Base names of the inputs it was last synced for. */
  readonly names: ReadonlySet<string>;
}

const idle: View[] = [];

/** The idle directory of `store` sharing the most inputs with `inputs`, taken out of the pool. */
export function takeStoreView(store: string, inputs: ReadonlyMap<string, string>): string | undefined {
  let best = -1;
  let score = -1;
  for (let i = 0; i < idle.length; i++) {
    const v = idle[i]!;
    if (v.store !== store) continue;
    let s = 0;
    for (const name of inputs.keys()) if (v.names.has(name)) s++;
    if (s > score) [best, score] = [i, s];
  }
  return best < 0 ? undefined : idle.splice(best, 1)[0]!.dir;
}

/** Keep `dir`, synced for `inputs`, for a later build on `store`. */
export function keepStoreView(store: string, dir: string, inputs: ReadonlyMap<string, string>): void {
  if (idle.length >= MAX_IDLE) removeTreeLater(idle.shift()!.dir);
  idle.push({ store, dir, names: new Set(inputs.keys()) });
}

/** Remove every idle directory (in the background: `settleRemovals` waits for it). */
export function dropStoreViews(): void {
  for (const v of idle.splice(0)) removeTreeLater(v.dir);
}
