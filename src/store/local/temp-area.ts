/**
 * How a path becomes valid without ever being half there. Everything new is first built
 * under `<store>/.tix-tmp/` (on the store's filesystem, so the final `rename` is atomic):
 *
 *   T-<pid>.<start>-<n>               a tree being written, restored or built
 *   M-<pid>.<start>-<n>-<base name>   "renaming to <base name>, not yet registered"
 *   L-<pid>.<start>-<n>               the same for the base names it lists, one a line
 *                                     (`commitMany`: many paths, one marker and one batch)
 *
 * `commitTempPath` renames a finished, canonical tree into place and registers it in one
 * DB batch. A process killed before the rename leaves a `T-` entry; one killed between
 * the rename and the batch leaves an `M-` marker beside an unregistered final path.
 * `cleanTempArea` (run when a store is opened) removes both for processes that no longer
 * run, so after a crash the next `tix` finds either no path or a complete valid one.
 */

import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { PathInfo } from '../path-info-json.ts';
import { StorePath } from '../store-path.ts';
import { deleteTree, unlinkIfExists } from './canonicalise.ts';
import type { DrvOutputMapping } from './db-records.ts';
import { holderAlive, processStartTime } from './process-identity.ts';
import type { StoreDb } from './store-db.ts';

let counter = 0;
let selfTag: string | undefined;

function tag(): string {
  selfTag ??= `${process.pid}.${processStartTime(process.pid) ?? 0}`;
  return `${selfTag}-${++counter}`;
}

export class TempArea {
  readonly dir: string;
  readonly #realStoreDir: string;

  constructor(dir: string, realStoreDir: string) {
    this.dir = dir;
    this.#realStoreDir = realStoreDir;
  }

  /** A fresh name for a temporary tree (not created). */
  newPath(): string {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    return `${this.dir}/T-${tag()}`;
  }

  /**
   * Move the canonical tree `tmp` to `info.path` and register it. The caller holds the
   * lock on the path. If the path is already valid the tree is discarded and the
   * existing info returned.
   */
  async commit(db: StoreDb, tmp: string, info: PathInfo, outputs: readonly DrvOutputMapping[] = []): Promise<CommitResult> {
    const existing = await db.queryPathInfo(info.path);
    if (existing) {
      deleteTree(tmp);
      return { info: existing, alreadyValid: true };
    }
    const real = `${this.#realStoreDir}/${info.path.baseName}`;
    // Left by a process killed after its rename: not valid, so not anyone's path.
    if (existsSync(real)) deleteTree(real);
    const marker = `${this.dir}/M-${tag()}-${info.path.baseName}`;
    closeSync(openSync(marker, 'wx', 0o600));
    try {
      renameSync(tmp, real);
      await db.registerValidPaths([info], outputs);
    } catch (e) {
      deleteTree(real);
      deleteTree(tmp);
      unlinkIfExists(marker);
      throw e;
    }
    unlinkIfExists(marker);
    return { info, alreadyValid: false };
  }

  /**
   * `commit` for many trees at once: the caller holds the locks of all their paths. One
   * marker lists every path renamed into place, and one DB batch registers the new ones
   * with `outputs` (their references may be among them). Trees of paths that are already
   * valid are discarded.
   */
  async commitMany(db: StoreDb, items: readonly { tmp: string; info: PathInfo }[], outputs: readonly DrvOutputMapping[] = []): Promise<boolean[]> {
    const valid = new Set((await db.queryValidPaths(items.map((i) => i.info.path))).map((p) => p.baseName));
    const fresh = items.filter((i) => !valid.has(i.info.path.baseName));
    for (const i of items) if (valid.has(i.info.path.baseName)) deleteTree(i.tmp);
    if (fresh.length === 0) return items.map(() => false);
    const marker = `${this.dir}/L-${tag()}`;
    writeFileSync(marker, fresh.map((i) => i.info.path.baseName + '\n').join(''), { flag: 'wx', mode: 0o600 });
    const reals = fresh.map((i) => `${this.#realStoreDir}/${i.info.path.baseName}`);
    try {
      fresh.forEach((i, n) => {
        // Left by a process killed after its rename: not valid, so not anyone's path.
        if (existsSync(reals[n]!)) deleteTree(reals[n]!);
        renameSync(i.tmp, reals[n]!);
      });
      const freshNames = new Set(fresh.map((i) => i.info.path.baseName));
      await db.registerValidPaths(
        fresh.map((i) => i.info),
        outputs.filter((o) => freshNames.has(o.drv.baseName)),
      );
    } catch (e) {
      for (const r of reals) deleteTree(r);
      for (const i of fresh) deleteTree(i.tmp);
      unlinkIfExists(marker);
      throw e;
    }
    unlinkIfExists(marker);
    return items.map((i) => !valid.has(i.info.path.baseName));
  }
}

export interface CommitResult {
  readonly info: PathInfo;
  /** Another process made the path valid first; the new tree was discarded. */
  readonly alreadyValid: boolean;
}

/**
 * Remove what dead processes left in the temp area: their temporary trees, and the final
 * paths they renamed into place but never registered. Entries of live processes stay.
 */
export async function cleanTempArea(area: TempArea, realStoreDir: string, db: StoreDb): Promise<number> {
  let names: string[];
  try {
    names = readdirSync(area.dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = /^([TML])-([0-9]+)\.([0-9]+)-[0-9]+(?:-(.+))?$/.exec(name);
    if (!m) continue;
    if (holderAlive(`${m[2]}.${m[3]}.0`)) continue;
    const renamed = m[1] === 'M' && m[4] ? [m[4]] : m[1] === 'L' ? listedNames(`${area.dir}/${name}`) : [];
    for (const base of renamed) {
      const path = new StorePath(base);
      if (!(await db.isValidPath(path)) && (await db.lockPaths([path.baseName], { wait: false }))) {
        try {
          if (!(await db.isValidPath(path))) deleteTree(`${realStoreDir}/${path.baseName}`);
        } finally {
          await db.unlockPaths([path.baseName]);
        }
      }
    }
    deleteTree(`${area.dir}/${name}`);
    removed++;
  }
  return removed;
}

/** The base names an `L-` marker lists (a marker cut short lists fewer: its renames had not begun). */
function listedNames(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => {
    try {
      return new StorePath(l) !== undefined;
    } catch {
      return false;
    }
  });
}
