/**
 * The builder's view of a local store (build-store.ts) over the store's layout and shared
 * database (src/store/local). It adds what a build needs on the file side:
 *
 *   <real store dir>/.tix-builds/<holder>-<name>-XXXX   the sandboxes' /nix/store trees,
 *       on the store's filesystem so outputs move into place by rename; a tree whose holder
 *       process is gone is removed when the store is next opened
 *   outputs: renamed into place, then registered in one DB batch (valid only after it)
 *   substitutes: the store's own importNar (restored in its temp area while hashed, stopped
 *       past NarSize, references checked and temp-rooted, committed atomically)
 *   logs: written where `tix log` reads them as the build runs (log-store.ts:
 *       <state>/log/drvs/xx/rest), compressed afterwards when large (rest.zst)
 *   indirect roots: <state>/gcroots/auto/<nix32 sha1 of the link> → link, as Nix does
 */

import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { derivationNameFromPath, type Derivation } from '../store/drv/derivation.ts';
import { parseDerivation } from '../store/drv/aterm-parse.ts';
import { resolveStoreLayout, type StoreLayout } from '../store/local/layout.ts';
import { addIndirectRoot } from '../store/local/gc-roots.ts';
import { prepareBuildLog, writeBuildLog } from '../store/local/log-store.ts';
import { capNar, importNar, importOptionsOf } from '../store/local/import-nar.ts';
import { restorePath } from '../store/local/nar-fs.ts';
import { holderAlive } from '../store/local/process-identity.ts';
import { openStoreDb, type SharedStoreDb } from '../store/local/shared-db.ts';
import type { StoreContext } from '../store/local/store-context.ts';
import { cleanTempArea, TempArea } from '../store/local/temp-area.ts';
import type { PathInfo } from '../store/path-info-json.ts';
import type { ValidPathInfo } from '../store/path-info.ts';
import type { StorePath } from '../store/store-path.ts';
import type { SubstitutablePathInfo } from '../substitute/substituter.ts';
import type { BuildStore, BuiltOutput, NewPath } from './build-store.ts';
import { canonicaliseOutput } from './canonicalise.ts';
import { BuildError } from './errors.ts';
import { removeTree } from './remove-tree.ts';

export interface LocalBuildStore extends BuildStore {
  readonly layout: StoreLayout;
  /** Register `link` (a symlink into the store, e.g. `./result`) as an indirect GC root. */
  addIndirectRoot(link: string): Promise<void>;
  /** Restore the files of a valid path from a NAR that matches its registration (repair). */
  repairFromNar(info: PathInfo, nar: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export interface OpenLocalBuildStoreOptions {
  /** The `store` setting: `auto`, `local`, `local?root=DIR`, or a directory. */
  readonly store: string;
  /** `fsync-metadata`. */
  readonly fsyncMetadata?: boolean;
}

export async function openLocalBuildStore(settings: OpenLocalBuildStoreOptions): Promise<LocalBuildStore> {
  const layout = resolveStoreLayout(settings.store);
  for (const d of [layout.realStoreDir, layout.stateDir, layout.logDir, join(layout.gcRootsDir, 'auto')]) mkdirSync(d, { recursive: true });
  const db = await openStoreDb({ dbDir: layout.dbDir, socketPath: layout.socketPath }, { fsync: settings.fsyncMetadata });
  // Substitutes are imported through the store's temp area: clear what killed processes left there.
  const temp = new TempArea(layout.tempDir, layout.realStoreDir);
  await cleanTempArea(temp, layout.realStoreDir, db);
  return new LocalStoreForBuilds(layout, db, temp);
}

/** Logs of at least this many bytes are kept compressed. */
const COMPRESS_LOGS_FROM = 64 * 1024;

/** Per-build trees of processes that are gone: what a crash or SIGKILL left behind. */
function removeDeadTrees(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const holder = n.split('-')[0]!;
    if (!holderAlive(holder)) removeTree(join(dir, n));
  }
}

class LocalStoreForBuilds implements LocalBuildStore {
  readonly layout: StoreLayout;
  readonly storeDir;
  readonly realStoreDir: string;
  readonly #buildsDir: string;
  readonly #db: SharedStoreDb;
  /** The store's own layout, DB and temp area, for the store operations a build reuses (importNar). */
  readonly #ctx: StoreContext;
  /** Prefix of this process's trees in buildsDir (the DB holder id: pid, start time, nonce). */
  readonly #prefix: string;

  constructor(layout: StoreLayout, db: SharedStoreDb, temp: TempArea) {
    this.layout = layout;
    this.storeDir = layout.storeDir;
    this.realStoreDir = layout.realStoreDir;
    this.#db = db;
    this.#ctx = { layout, storeDir: layout.storeDir, db, temp };
    this.#prefix = db.holder;
    const builds = join(layout.realStoreDir, '.tix-builds');
    mkdirSync(builds, { recursive: true });
    removeDeadTrees(builds);
    this.#buildsDir = builds;
  }

  /** A fresh tree directory, named after this process so a dead one's can be removed. */
  makeTempTree(name: string): string {
    return mkdtempSync(join(this.#buildsDir, `${this.#prefix}-${name}-`));
  }

  queryPathInfo(path: StorePath): Promise<PathInfo | undefined> {
    return this.#db.queryPathInfo(path);
  }

  queryValidPaths(paths: readonly StorePath[]): Promise<StorePath[]> {
    return paths.length === 0 ? Promise.resolve([]) : this.#db.queryValidPaths(paths);
  }

  async computeClosure(paths: readonly StorePath[], known: Map<string, readonly StorePath[]> = new Map()): Promise<StorePath[]> {
    const done = new Map<string, StorePath>();
    let level = [...paths];
    while (level.length > 0) {
      const next: StorePath[] = [];
      const fresh = new Map<string, StorePath>();
      for (const p of level) {
        if (done.has(p.baseName)) continue;
        const refs = known.get(p.baseName);
        if (refs) {
          done.set(p.baseName, p);
          next.push(...refs);
        } else fresh.set(p.baseName, p);
      }
      if (fresh.size > 0) {
        const asked = [...fresh.values()];
        const infos = await this.#db.queryPathInfos(asked);
        asked.forEach((p, i) => {
          const info = infos[i];
          if (!info) throw new BuildError('E_BAD_DERIVATION', `path '${this.storeDir.printPath(p)}' is not valid`, { storePath: this.storeDir.printPath(p) });
          known.set(p.baseName, info.references);
          done.set(p.baseName, p);
          next.push(...info.references);
        });
      }
      level = next;
    }
    return [...done.values()];
  }

  async readDerivation(drvPath: StorePath): Promise<Derivation> {
    const file = join(this.realStoreDir, drvPath.baseName);
    return parseDerivation(readFileSync(file), { name: derivationNameFromPath(drvPath), storeDir: this.storeDir, whence: this.storeDir.printPath(drvPath) });
  }

  lockPaths(names: readonly string[], opts?: { wait?: boolean; signal?: AbortSignal }): Promise<boolean> {
    return this.#db.lockPaths(names, opts);
  }

  unlockPaths(names: readonly string[]): Promise<void> {
    return this.#db.unlockPaths(names);
  }

  addTempRoots(paths: readonly StorePath[]): Promise<void> {
    return this.#db.addTempRoots(paths);
  }

  async addBuiltPaths(paths: readonly NewPath[], outputs: readonly BuiltOutput[]): Promise<void> {
    for (const { tree, info } of paths) this.#moveIntoPlace(tree, info.path);
    await this.#db.registerValidPaths(
      paths.map(({ info }) => this.#record(info, true)),
      outputs,
    );
  }

  /** A substitute: the store's own import (streamed, capped at NarSize, hash-checked, committed atomically). */
  async addNar(info: SubstitutablePathInfo, nar: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<void> {
    await importNar(this.#ctx, info.path, nar, importOptionsOf(info, signal));
  }

  replacePathFiles(tree: string, path: StorePath): Promise<void> {
    this.#moveIntoPlace(tree, path);
    return Promise.resolve();
  }

  /**
   * Restore the files of the valid `info.path` from a NAR (a substitute) when they are
   * missing or damaged: the NAR must hash to the registered NAR hash and size.
   */
  async repairFromNar(info: PathInfo, nar: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<void> {
    const printed = this.storeDir.printPath(info.path);
    const dir = this.makeTempTree('repair');
    try {
      const tree = join(dir, info.path.baseName);
      const r = await restorePath(tree, capNar(nar, info.narSize, printed, signal), { hashAlgo: info.narHash.algo });
      if (r.narSize !== info.narSize || !r.hash!.equals(info.narHash)) {
        throw new BuildError('E_REPAIR_MISMATCH', `the substitute of '${printed}' does not match its registration (NAR hash ${r.hash!.sri}, expected ${info.narHash.sri})`, { storePath: printed });
      }
      canonicaliseOutput(tree);
      await this.lockPaths([info.path.baseName], { wait: true, signal });
      try {
        this.#moveIntoPlace(tree, info.path);
      } finally {
        await this.unlockPaths([info.path.baseName]);
      }
    } finally {
      removeTree(dir);
    }
  }

  /** The plain log file that `tix log` (readBuildLog) finds, an earlier log removed. */
  buildLogFile(drvPath: StorePath): Promise<string> {
    return prepareBuildLog(this.layout, drvPath);
  }

  /**
   * A large log is compressed (written beside, renamed into place, then the plain one
   * removed: one of them is complete at every instant); a small one stays as it is, since
   * compressing it would cost more than it saves.
   */
  async finishBuildLog(drvPath: StorePath, log: Uint8Array): Promise<void> {
    if (log.length < COMPRESS_LOGS_FROM) return;
    await writeBuildLog(this.layout, drvPath, log);
  }

  async addIndirectRoot(link: string): Promise<void> {
    addIndirectRoot(this, link);
  }

  close(): Promise<void> {
    return this.#db.close();
  }

  /** Rename a tree to its store path, first clearing an invalid leftover there. */
  #moveIntoPlace(tree: string, path: StorePath): void {
    const dest = join(this.realStoreDir, path.baseName);
    if (tree === dest) return;
    if (existsSync(dest) || isSymlink(dest)) {
      const trash = this.makeTempTree('stale');
      renameSync(dest, join(trash, 'x'));
      removeTree(trash);
    }
    renameSync(tree, dest);
  }

  #record(info: ValidPathInfo, ultimate: boolean): PathInfo {
    return {
      path: info.path,
      narHash: info.narHash,
      narSize: info.narSize,
      references: info.references,
      deriver: info.deriver,
      sigs: info.sigs,
      ca: info.ca,
      registrationTime: Math.floor(Date.now() / 1000),
      ultimate,
    };
  }
}

function isSymlink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

