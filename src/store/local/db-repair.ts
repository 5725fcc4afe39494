/**
 * `tix store repair-db`: rebuild a damaged store database with LevelDB's repairer, which
 * keeps every record it can still read (LevelDB `RepairDB`; Nix has no counterpart, its
 * SQLite DB is restored from a backup). The damaged directory is copied aside first, so
 * nothing is lost to the repair itself.
 *
 * Records the repair cannot recover leave their store paths unregistered: `tix store gc`
 * removes them (their references and signatures are gone with the record), and `tix store
 * verify --all` reports paths whose references were lost.
 */

import { cpSync, existsSync } from 'node:fs';
import { Level } from 'level';
import { DbOwner } from './db-owner.ts';
import { StoreDbCorruptError, StoreError } from './errors.ts';
import type { StoreLayout } from './layout.ts';

export interface RepairDbResult {
  /** 'intact': the DB opened as it is; 'repaired': LevelDB's repairer rebuilt it. */
  readonly outcome: 'intact' | 'repaired';
  /** Where the damaged DB was copied before the repair. */
  readonly backup?: string;
  /** Valid paths registered after the repair. */
  readonly paths: number;
}

export async function repairStoreDb(layout: Pick<StoreLayout, 'dbDir'>, now: Date): Promise<RepairDbResult> {
  const dir = layout.dbDir;
  if (!existsSync(dir)) throw new StoreError('E_STORE_DB_MISSING', `there is no store database in '${dir}'`);
  const first = await openAndScan(dir);
  if (first !== 'damaged') return { outcome: 'intact', paths: first };
  const backup = `${dir}.damaged-${now.toISOString().replace(/[:.]/g, '-')}`;
  cpSync(dir, backup, { recursive: true });
  await repairLevel(dir);
  const after = await openAndScan(dir);
  if (after === 'damaged') throw new StoreError('E_STORE_DB_CORRUPT', `LevelDB could not repair the store database in '${dir}'; the damaged copy is in '${backup}'`);
  return { outcome: 'repaired', backup, paths: after };
}

/** `level`'s Node build is classic-level, whose static `repair` its typings leave out. */
function repairLevel(dir: string): Promise<void> {
  return (Level as unknown as { repair(location: string): Promise<void> }).repair(dir);
}

/** Open the DB and read every record: the number of valid paths, or 'damaged'. */
async function openAndScan(dir: string): Promise<number | 'damaged'> {
  let owner: DbOwner | undefined;
  try {
    owner = await DbOwner.tryOpen(dir, { fsync: true });
  } catch (e) {
    if (e instanceof StoreDbCorruptError) return 'damaged';
    throw e;
  }
  // LevelDB's LOCK is held by a running tix process: it must be stopped first.
  if (!owner) throw new StoreError('E_STORE_DB_BUSY', `the store database in '${dir}' is open in another tix process; stop it and run the repair again`);
  try {
    let paths = 0;
    // A damaged table block only shows when it is read: read them all.
    for await (const k of owner.db.keys()) if (k.startsWith('p:')) paths++;
    return paths;
  } catch (e) {
    if ((e as { code?: string }).code === 'LEVEL_CORRUPTION') return 'damaged';
    throw e;
  } finally {
    await owner.close();
  }
}
