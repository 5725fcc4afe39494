/**
 * The local store's NAR import as peer substitution uses it (`PeerImporter`): the store
 * verifies hash and size while restoring and registers atomically.
 */

import { importOptionsOf, type LocalStore } from '../src/store/local/index.ts';
import type { PeerImporter } from '../src/substitute/index.ts';

export function importerOf(store: LocalStore): PeerImporter {
  return {
    queryValidPaths: (paths) => store.db.queryValidPaths(paths),
    importNar: async (path, nar, info, options) => {
      await store.importNar(path, nar, importOptionsOf(info, options.signal));
    },
  };
}
