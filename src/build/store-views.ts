/**
 * Directories kept between the builds of one process, so that the next build need not
 * make them again.
 *
 * Sandbox store directories, so that the next
 * build's `syncInputs` (input-view.ts) only adds what its closure has on top of the last
 * one's: a chain of n builds then makes n copies instead of n²/2.
 *
 * A directory is kept only after a build that succeeded (its outputs have been moved into
 * the store; whatever else the builder left there is removed by the next sync), per store
 * (outputs move out by rename, so the directory must be on that store's filesystem), at
 * most MAX_IDLE at a time. `dropStoreViews` removes the idle ones; a realisation calls it
 * when it ends. A killed process's directories are removed when the store is next opened,
 * as any build tree (local-build-store.ts).
 *
 * Build tops (`<build-dir>/tix-build-<name>-XXXX/` with `build/`, the sandbox's `/build`):
 * making and removing the two directories costs a few milliseconds per build on a busy
 * disk. A top is kept after a sandboxed build (the name is never seen inside the sandbox)
 * only when the builder left `build/` exactly as it was made (an empty directory of mode
 * 0700), so the next builder finds what a fresh one would.
 */

import { lstatSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
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

/** Remove every idle directory, of both kinds (in the background: `settleRemovals` waits for it). */
export function dropStoreViews(): void {
  for (const v of idle.splice(0)) removeTreeLater(v.dir);
  for (const t of idleTops.splice(0)) dropTop(t);
}

/** A build's temporary directory, holding the build directory. */
export interface BuildTop {
  readonly parent: string;
  readonly dir: string;
  /** The build directory (`/build` in the sandbox). */
  readonly build: string;
}

const idleTops: BuildTop[] = [];

/** A build top under `parent`: with `reuse` an idle one, else a new one named after `name`. */
export function takeBuildTop(parent: string, name: string, reuse: boolean): BuildTop {
  const i = reuse ? idleTops.findIndex((t) => t.parent === parent) : -1;
  if (i >= 0) return idleTops.splice(i, 1)[0]!;
  const dir = mkdtempSync(join(parent, `tix-build-${name}-`));
  const build = join(dir, 'build');
  mkdirSync(build, 0o700);
  return { parent, dir, build };
}

/**
 * Done with `top` (every process of its build has exited): keep it for the next build if
 * `reuse` and its build directory is as new, else remove it in the background.
 */
export function releaseBuildTop(top: BuildTop, reuse: boolean): void {
  if (reuse && idleTops.length < MAX_IDLE && pristine(top.build)) idleTops.push(top);
  else dropTop(top);
}

function dropTop(t: BuildTop): void {
  removeTreeLater(t.dir);
}

/** An empty directory of mode 0700, without extra links: what `takeBuildTop` made. */
function pristine(dir: string): boolean {
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && (st.mode & 0o7777) === 0o700 && st.nlink === 2 && readdirSync(dir).length === 0;
  } catch {
    return false;
  }
}
