/**
 * Throw-away local stores for tests: a chroot store in a fresh temp directory, and small
 * source trees to add to it. Everything is removed by `disposeAll()` (call it in `after`).
 */

import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteTree } from '../../src/store/local/canonicalise.ts';
import { LocalStore, storeLayout } from '../../src/store/local/index.ts';

const dirs: string[] = [];

/** A fresh empty directory. */
export function tempDir(prefix = 'tix-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** Open a new chroot store (the DB is not synced: tests do not survive power loss anyway). */
export async function openTempStore(root = tempDir('tix-store-')): Promise<LocalStore> {
  return await LocalStore.open(storeLayout(root), { fsync: false });
}

/** Run `body` on a new chroot store and close the store afterwards, whatever happens. */
export async function withTempStore<T>(body: (store: LocalStore) => Promise<T>): Promise<T> {
  const store = await openTempStore();
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}

/**
 * A source tree: regular, executable and empty files, a symlink, nested and empty
 * directories. `seed` changes the contents.
 */
export function makeSourceTree(seed: string, parent = tempDir('tix-src-')): string {
  const root = join(parent, 'src-' + seed.replace(/[^a-z0-9]/gi, ''));
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'share', 'empty'), { recursive: true });
  writeFileSync(join(root, 'README'), `readme ${seed}\n`);
  writeFileSync(join(root, 'bin', 'run'), `#!/bin/sh\necho ${seed}\n`);
  chmodSync(join(root, 'bin', 'run'), 0o755);
  writeFileSync(join(root, 'share', 'empty-file'), '');
  symlinkSync('../README', join(root, 'share', 'link'));
  return root;
}

export function disposeAll(): void {
  // Store paths are read-only: make directories writable so they can be removed.
  for (const d of dirs.splice(0)) deleteTree(d);
}
