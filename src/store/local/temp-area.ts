/**
 * How a path becomes valid without ever being half there. Everything new is first built
 * under `<store>/.tix-tmp/` (on the store's filesystem, so the final `rename` is atomic):
 *
 *   T-<pid>.<start>-<n>               a tree being written, restored or built
 *   M-<pid>.<start>-<n>-<base name>   "renaming to <base name>, not yet registered"
 *   L-<pid>.<start>-<n>               "writing the paths it lists (one base name a line) in
 *                                     place, not yet registered" (`createFiles`)
 *
 * `commitTempPath` renames a finished, canonical tree into place and registers it in one
 * DB batch. A process killed before the rename leaves a `T-` entry; one killed between
 * the rename and the batch leaves an `M-` marker beside an unregistered final path.
 * `cleanTempArea` (run when a store is opened) removes both for processes that no longer
 * run, so after a crash the next `tix` finds either no path or a complete valid one.
 */

import { closeSync, existsSync, fchmodSync, futimesSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import type { PathInfo } from '../path-info-json.ts';
import { StorePath, tryParseStorePathBaseName } from '../store-path.ts';
import { CANONICAL_MTIME, deleteTree, unlinkIfExists } from './canonicalise.ts';
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
   * Make many small files valid at once (an evaluation's texts): the caller holds the locks
   * of all their paths. Each file is written straight at its final path, its mode and mtime
   * set through the descriptor, after one marker listing them all, so a process killed on
   * the way leaves only unregistered paths that `cleanTempArea` removes; then one DB batch
   * registers them with `outputs` (their references may be among them). Returns, per item,
   * whether it was made here (false: already valid).
   */
  async createFiles(db: StoreDb, items: readonly { info: PathInfo; contents: Uint8Array }[], outputs: readonly DrvOutputMapping[] = []): Promise<boolean[]> {
    const valid = new Set((await db.queryValidPaths(items.map((i) => i.info.path))).map((p) => p.baseName));
    const fresh = items.filter((i) => !valid.has(i.info.path.baseName));
    if (fresh.length === 0) return items.map(() => false);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const marker = `${this.dir}/L-${tag()}`;
    writeFileSync(marker, fresh.map((i) => i.info.path.baseName + '\n').join(''), { flag: 'wx', mode: 0o600 });
    const made: string[] = [];
    try {
      for (const i of fresh) {
        const real = `${this.#realStoreDir}/${i.info.path.baseName}`;
        made.push(real);
        writeCanonicalFile(real, i.contents);
      }
      const freshNames = new Set(fresh.map((i) => i.info.path.baseName));
      await db.registerValidPaths(
        fresh.map((i) => i.info),
        outputs.filter((o) => freshNames.has(o.drv.baseName)),
      );
    } catch (e) {
      for (const r of made) deleteTree(r);
      unlinkIfExists(marker);
      throw e;
    }
    unlinkIfExists(marker);
    return items.map((i) => !valid.has(i.info.path.baseName));
  }
}

/**
 * Create `path` (read-only, mtime 1) holding `contents`. Something already there is not
 * valid (the caller holds the path's lock and found it invalid): left by a killed process.
 */
function writeCanonicalFile(path: string, contents: Uint8Array): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o444);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    deleteTree(path);
    fd = openSync(path, 'wx', 0o444);
  }
  try {
    for (let off = 0; off < contents.length; ) off += writeSync(fd, contents, off);
    fchmodSync(fd, 0o444); // whatever the umask
    futimesSync(fd, CANONICAL_MTIME, CANONICAL_MTIME);
  } finally {
    closeSync(fd);
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
  return text.split('\n').filter((l) => tryParseStorePathBaseName(l) !== undefined);
}
