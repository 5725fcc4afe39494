/**
 * The StoreDb contract against both ways of reaching the DB: as its owner (this process
 * opens the LevelDB) and as a follower (the owner is a child process; calls cross the
 * socket).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openStoreDb } from '../../../../src/store/local/shared-db.ts';
import { killAll, repoRoot, spawnChild } from '../../../support/child.ts';
import { storeDbContract } from '../../../support/contracts/store-db.ts';

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'tix-db-'));
  dirs.push(d);
  return d;
};
after(() => {
  killAll();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

storeDbContract('owner in this process', async () => {
  const dir = fresh();
  return { open: () => openStoreDb({ dbDir: `${dir}/db`, socketPath: `${dir}/db.sock` }, { fsync: false }) };
});

storeDbContract('owner in this process, syncing its log (fsync-metadata)', async () => {
  const dir = fresh();
  return { open: () => openStoreDb({ dbDir: `${dir}/db`, socketPath: `${dir}/db.sock` }, { fsync: true }) };
});

storeDbContract('follower of an owner in another process', async () => {
  const dir = fresh();
  const owner = spawnChild(join(repoRoot, 'tests/support/store-db-child.ts'), [dir, 'hold']);
  const hello = await owner.next((l) => l.attached === true);
  if (hello.owner !== true) throw new Error('the child did not become the owner');
  return {
    dispose: () => owner.kill(),
    open: async () => {
      const db = await openStoreDb({ dbDir: `${dir}/db`, socketPath: `${dir}/db.sock` }, { fsync: false });
      if (db.isOwner) throw new Error('expected to be a follower');
      return db;
    },
  };
});
