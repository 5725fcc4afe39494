/**
 * Instantiate into a local store: evaluate (synchronously, computing every path), then
 * write the sources, texts and `.drv`s the evaluation made, and return the derivations to
 * build. What nix-instantiate and the first half of nix-build do.
 */

import type { StoreLayout } from '../store/local/index.ts';
import { instantiate, type InstantiatedDerivation, type InstantiateRequest } from './instantiate.ts';
import { flushStoreWrites, type StoreWrites } from './store-writes.ts';

export interface InstantiateToStoreOptions {
  readonly fsync?: boolean;
  readonly signal?: AbortSignal;
}

export async function instantiateToStore(req: Omit<InstantiateRequest, 'storeDir'>, layout: StoreLayout, opts: InstantiateToStoreOptions = {}): Promise<InstantiatedDerivation[]> {
  const { derivations, writes, dispose } = instantiate({ ...req, storeDir: layout.storeDir.dir, realStoreDir: layout.realStoreDir });
  try {
    await writeToStore(writes, layout, opts);
    return derivations;
  } finally {
    dispose();
  }
}

/** Write what an evaluation recorded into the local store at `layout`; opens it only when there is something to write. */
export async function writeToStore(writes: StoreWrites, layout: StoreLayout, opts: InstantiateToStoreOptions = {}): Promise<void> {
  if (writes.size === 0) return;
  // Loaded here, not at start-up: opening the store pulls in the database and signatures.
  const { LocalStore } = await import('../store/local/index.ts');
  const store = await LocalStore.open(layout, { fsync: opts.fsync });
  try {
    await flushStoreWrites(store, writes, opts.signal);
  } finally {
    await store.close();
  }
}
