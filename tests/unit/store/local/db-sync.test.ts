/**
 * `fsync-metadata` in the path-info table: mutations do not wait for the disk, and the
 * log is synced by one synced write soon after them and on flush (close), never without
 * a mutation to cover.
 */

import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Level } from 'level';
import { type LevelDb, PathInfoTable, SYNC_DELAY_MS } from '../../../../src/store/local/db.ts';
import { fakeInfo, fakePath } from '../../../support/fake-paths.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function openTable(sync: boolean, dir = mkdtempSync(join(tmpdir(), 'tix-db-sync-'))): Promise<{ db: LevelDb; table: PathInfoTable; dir: string }> {
  dirs.push(dir);
  const db: LevelDb = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  await db.open();
  const table = new PathInfoTable(db, { sync });
  await table.init();
  return { db, table, dir };
}

describe('PathInfoTable with fsync-metadata', () => {
  it('syncs the log with one synced write after a registration, not before one', async () => {
    const { db, table } = await openTable(true);
    try {
      await table.flush();
      assert.equal(db.getSync('m:sync'), undefined);
      await table.registerValidPaths([fakeInfo(fakePath('a'))]);
      assert.equal(db.getSync('m:sync'), undefined, 'the registration waited for a sync');
      await table.flush();
      assert.equal(db.getSync('m:sync'), '');
    } finally {
      await db.close();
    }
  });

  it('syncs by itself within SYNC_DELAY_MS', async () => {
    const { db, table } = await openTable(true);
    try {
      await table.registerValidPaths([fakeInfo(fakePath('b'))]);
      for (let i = 0; i < 100 && db.getSync('m:sync') === undefined; i++) await new Promise((r) => setTimeout(r, SYNC_DELAY_MS / 20));
      assert.equal(db.getSync('m:sync'), '');
    } finally {
      await db.close();
    }
  });

  it('never syncs without fsync-metadata, and keeps registrations across a reopen', async () => {
    const first = await openTable(false);
    await first.table.registerValidPaths([fakeInfo(fakePath('c'))]);
    await first.table.flush();
    assert.equal(first.db.getSync('m:sync'), undefined);
    await first.db.close();
    const again = await openTable(false, first.dir);
    try {
      assert.ok(again.db.getSync('p:' + fakePath('c').hashPart));
    } finally {
      await again.db.close();
    }
  });
});
