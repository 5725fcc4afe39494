/**
 * Removing build trees (a build's temporary directory and its sandbox store directory),
 * whatever read-only directories the builder, canonicalisation or copied inputs left.
 *
 * A finished build's trees are removed in the background (`removeTreeLater`): unlinking a
 * tree of copied inputs costs a few milliseconds on a busy disk, and a chain of builds
 * would otherwise wait for it between every two builders. `settleRemovals` waits for all
 * of them, and for the other work a build leaves behind (`finishLater`: releasing its
 * locks); a realisation calls it before it reports `done`, so none of it outlives the run.
 * A tree left by a killed process is removed on the store's next open (local-build-store.ts).
 */

import { chmodSync, lstatSync, readdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Remove a tree now. */
export function removeTree(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    makeWritable(path);
    rmSync(path, { recursive: true, force: true });
  }
}

const pending = new Set<Promise<void>>();

/** Start removing a tree; errors are ignored (what is left is removed on a later open). */
export function removeTreeLater(path: string): void {
  const p: Promise<void> = removeAsync(path)
    .catch(() => {})
    .finally(() => pending.delete(p));
  pending.add(p);
}

/**
 * Let `work` finish in the background, settled by `settleRemovals`; a failure is ignored
 * (what it would have cleaned up is cleaned up when the process ends).
 */
export function finishLater(work: Promise<unknown>): void {
  const p: Promise<void> = work.then(
    () => {},
    () => {},
  ).finally(() => pending.delete(p));
  pending.add(p);
}

/** Wait until every removal (and `finishLater` work) started so far, and any started meanwhile, has finished. */
export async function settleRemovals(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}

async function removeAsync(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true });
  } catch {
    makeWritable(path);
    await rm(path, { recursive: true, force: true });
  }
}

function makeWritable(path: string): void {
  try {
    chmodSync(path, 0o700);
  } catch {
    return;
  }
  let names: string[] = [];
  try {
    names = lstatSync(path).isDirectory() ? readdirSync(path) : [];
  } catch {
    return;
  }
  for (const n of names) makeWritable(join(path, n));
}
