/**
 * An open local store: its files (layout.ts), a handle on its DB that works from any
 * number of processes (shared-db.ts), and the operations on both. This is the object
 * commands, the builder and the substituters hold; each operation lives in its own module
 * and is reachable here under Nix's name for it.
 */

import { mkdirSync } from 'node:fs';
import type { PathInfo } from '../path-info-json.ts';
import type { StoreDir } from '../store-dir.ts';
import type { StorePath } from '../store-path.ts';
import { type AddToStoreOptions, addTextsToStore, addTextToStore, addToStore, commitNew, type TextToAdd } from './add.ts';
import { canonicalisePath, deleteTree } from './canonicalise.ts';
import { type ClosureOptions, computeClosure } from './closure.ts';
import type { DrvOutputMapping } from './db-records.ts';
import { InvalidPathError } from './errors.ts';
import { collectGarbage, deletePaths, type GcEvent, type GcOptions } from './gc.ts';
import { addPermRoot, findRoots, type FindRootsResult } from './gc-roots.ts';
import { importNar, type ImportNarOptions, type ImportNarResult } from './import-nar.ts';
import type { StoreLayout } from './layout.ts';
import { openLogWriter, readBuildLog, type LogWriter } from './log-store.ts';
import { dumpPath, hashPath } from './nar-fs.ts';
import { openStoreDb, type SharedStoreDb } from './shared-db.ts';
import type { StoreContext } from './store-context.ts';
import type { LockOptions } from './store-db.ts';
import { cleanTempArea, type CommitResult, TempArea } from './temp-area.ts';
import { type VerifyEvent, type VerifyOptions, verifyStore } from './verify.ts';
import { RefScanner } from '../refscan.ts';

export interface OpenLocalStoreOptions {
  /** Sync the DB on every registration (`fsync-metadata`); default true. */
  readonly fsync?: boolean;
  /** How long to wait for the DB owner before failing; default 30 s. */
  readonly timeoutMs?: number;
}

/** What the builder knows about a finished output it hands to `commitPath`. */
export interface CommitPathOptions {
  /** Store paths the output may refer to; the NAR is scanned for them (and for itself). */
  readonly referenceCandidates?: readonly StorePath[];
  /** References already known (no scan). */
  readonly references?: readonly StorePath[];
  readonly deriver?: StorePath;
  readonly ca?: PathInfo['ca'];
  readonly sigs?: readonly string[];
  readonly ultimate?: boolean;
  readonly signal?: AbortSignal;
}

export class LocalStore implements StoreContext {
  readonly layout: StoreLayout;
  readonly storeDir: StoreDir;
  readonly db: SharedStoreDb;
  readonly temp: TempArea;

  private constructor(layout: StoreLayout, db: SharedStoreDb) {
    this.layout = layout;
    this.storeDir = layout.storeDir;
    this.db = db;
    this.temp = new TempArea(layout.tempDir, layout.realStoreDir);
  }

  /** Open (creating its directories if needed) and tidy up after crashed processes. */
  static async open(layout: StoreLayout, opts: OpenLocalStoreOptions = {}): Promise<LocalStore> {
    for (const d of [layout.realStoreDir, layout.stateDir, layout.gcRootsDir]) mkdirSync(d, { recursive: true });
    mkdirSync(layout.tempDir, { recursive: true, mode: 0o700 });
    const db = await openStoreDb(layout, { fsync: opts.fsync ?? true, timeoutMs: opts.timeoutMs });
    const store = new LocalStore(layout, db);
    await cleanTempArea(store.temp, layout.realStoreDir, db);
    return store;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** Where the files of `path` are on this machine. */
  realPath(path: StorePath): string {
    return `${this.layout.realStoreDir}/${path.baseName}`;
  }

  printPath(path: StorePath): string {
    return this.storeDir.printPath(path);
  }

  /**
   * A store path given on a command line: the logical `/nix/store/…` form (a path inside
   * a store path names that path), or the physical form under a chroot root.
   */
  parseStorePath(arg: string): StorePath {
    const real = this.layout.realStoreDir;
    const logical = arg.startsWith(real + '/') && real !== this.storeDir.dir ? this.storeDir.dir + arg.slice(real.length) : arg;
    return this.storeDir.parsePathWithin(logical).storePath;
  }

  /** `parseStorePath` that also requires the path to be valid. */
  async validStorePath(arg: string): Promise<StorePath> {
    const p = this.parseStorePath(arg);
    if (!(await this.db.isValidPath(p))) throw new InvalidPathError(this.printPath(p));
    return p;
  }

  // ---- adding ------------------------------------------------------------------------

  addToStore(src: string, opts?: AddToStoreOptions): Promise<PathInfo> {
    return addToStore(this, src, opts);
  }

  addTextToStore(name: string, text: Uint8Array | string, references?: readonly StorePath[], signal?: AbortSignal): Promise<PathInfo> {
    return addTextToStore(this, name, text, references, signal);
  }

  /** Many texts in one commit (an evaluation's `.drv` files); see `addTextsToStore`. */
  addTextsToStore(texts: readonly TextToAdd[], signal?: AbortSignal): Promise<PathInfo[]> {
    return addTextsToStore(this, texts, signal);
  }

  importNar(path: StorePath, nar: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts?: ImportNarOptions): Promise<ImportNarResult> {
    return importNar(this, path, nar, opts);
  }

  /** A fresh temporary path in the store's filesystem (for a build's output, say). */
  newTempPath(): string {
    return this.temp.newPath();
  }

  /**
   * Make the tree at `tmp` (from `newTempPath`) valid as `path`: canonicalise it (hard
   * links broken), hash and scan it in one pass, move it into place and register it. The
   * builder's last step for each output.
   */
  async commitPath(tmp: string, path: StorePath, opts: CommitPathOptions = {}, outputs: readonly DrvOutputMapping[] = []): Promise<CommitResult> {
    try {
      canonicalisePath(tmp, { breakHardLinks: true });
      const candidates = opts.referenceCandidates ? [...opts.referenceCandidates, path] : undefined;
      const scanner = candidates ? new RefScanner(candidates.map((c) => c.hashPart)) : undefined;
      const { hash, narSize } = await hashPath(tmp, 'sha256', scanner ? { scanner } : {});
      const found = scanner ? new Set(scanner.found) : undefined;
      const references = found ? candidates!.filter((c) => found.has(c.hashPart)) : [...(opts.references ?? [])];
      const info: PathInfo = {
        path,
        narHash: hash,
        narSize,
        references: [...new Map(references.map((r) => [r.baseName, r])).values()],
        deriver: opts.deriver,
        sigs: [...(opts.sigs ?? [])],
        ca: opts.ca,
        registrationTime: 0,
        ultimate: opts.ultimate ?? true,
      };
      return await commitNew(this, tmp, info, outputs, opts.signal);
    } catch (e) {
      deleteTree(tmp);
      throw e;
    }
  }

  // ---- locks -------------------------------------------------------------------------

  /** Run `fn` holding the locks of `paths` (waits for other processes to release them). */
  async withPathLocks<T>(paths: readonly StorePath[], fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
    const names = paths.map((p) => p.baseName);
    await this.db.lockPaths(names, opts);
    try {
      return await fn();
    } finally {
      await this.db.unlockPaths(names);
    }
  }

  // ---- reading -----------------------------------------------------------------------

  /** The NAR of a valid path. Nix: `narFromPath`. */
  async narFromPath(path: StorePath): Promise<AsyncIterable<Uint8Array>> {
    if (!(await this.db.isValidPath(path))) throw new InvalidPathError(this.printPath(path));
    return dumpPath(this.realPath(path));
  }

  computeClosure(paths: readonly StorePath[], opts: ClosureOptions = {}): Promise<Map<string, PathInfo>> {
    return computeClosure(this.db, paths, { printPath: (p) => this.printPath(p), ...opts });
  }

  // ---- GC, verify, logs ----------------------------------------------------------------

  collectGarbage(opts?: GcOptions): AsyncGenerator<GcEvent> {
    return collectGarbage(this, opts);
  }

  deletePaths(paths: readonly StorePath[]): Promise<{ deleted: StorePath[]; bytesFreed: number }> {
    return deletePaths(this, paths);
  }

  findRoots(): FindRootsResult {
    return findRoots(this, { removeStale: false });
  }

  /** Make `link` a GC root for `path` (a `result` symlink). */
  addPermRoot(path: StorePath, link: string): string {
    return addPermRoot(this, path, link);
  }

  verify(opts?: VerifyOptions): AsyncGenerator<VerifyEvent> {
    return verifyStore(this, opts);
  }

  openLogWriter(drv: StorePath, opts?: { compress?: boolean }): LogWriter {
    return openLogWriter(this.layout, drv, opts);
  }

  /** The build log of a derivation, or of the derivation that built `path`. */
  async readBuildLog(path: StorePath): Promise<Buffer | undefined> {
    const direct = readBuildLog(this.layout, path);
    if (direct || path.isDerivation) return direct;
    const info = await this.db.queryPathInfo(path);
    const derivers = info?.deriver ? [info.deriver] : await this.db.queryValidDerivers(path);
    for (const d of derivers) {
      const log = readBuildLog(this.layout, d);
      if (log) return log;
    }
    return undefined;
  }
}

