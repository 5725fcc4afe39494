/**
 * What the builder needs from a store: the narrow view it is written against, so that it
 * depends on a handful of operations rather than on the whole local store. The local store
 * provides it (local-build-store.ts); names follow Nix's `LocalStore` methods.
 */

import type { Derivation } from '../store/drv/derivation.ts';
import type { ValidPathInfo } from '../store/path-info.ts';
import type { StoreDir } from '../store/store-dir.ts';
import type { StorePath } from '../store/store-path.ts';
import type { SubstitutablePathInfo } from '../substitute/substituter.ts';

/** One `drv!output → path` mapping (Nix: the DerivationOutputs table). */
export interface BuiltOutput {
  readonly drv: StorePath;
  readonly output: string;
  readonly path: StorePath;
}

/** A finished build output, canonicalised, waiting to be moved into the store. */
export interface NewPath {
  /** Physical location of the tree, on the store's filesystem. */
  readonly tree: string;
  readonly info: ValidPathInfo;
}

export interface BuildStore {
  readonly storeDir: StoreDir;
  /** Physical directory of the store (`ROOT/nix/store` for a chroot store). */
  readonly realStoreDir: string;
  /**
   * Make a fresh empty directory on the store's filesystem for a build's outputs (they
   * leave it by rename), tagged so that one left by a dead process can be cleaned up.
   */
  makeTempTree(name: string): string;

  queryPathInfo(path: StorePath): Promise<ValidPathInfo | undefined>;
  /** The subset of `paths` that is valid. */
  queryValidPaths(paths: readonly StorePath[]): Promise<StorePath[]>;
  /**
   * The closure of `paths` under references (the paths included); all must be valid.
   * `known`: references of paths already looked up (base name → references), used and
   * extended; a realisation passes one map to all its builds, so a chain of builds does
   * not walk its ever longer closure through the DB level by level each time.
   */
  computeClosure(paths: readonly StorePath[], known?: Map<string, readonly StorePath[]>): Promise<StorePath[]>;
  /** Read and parse a valid `.drv`. */
  readDerivation(drvPath: StorePath): Promise<Derivation>;

  /** Per-path locks (base names), shared by every process on the store. */
  lockPaths(names: readonly string[], opts?: { wait?: boolean; signal?: AbortSignal }): Promise<boolean>;
  unlockPaths(names: readonly string[]): Promise<void>;
  /** Keep paths from the garbage collector while this process uses them. */
  addTempRoots(paths: readonly StorePath[]): Promise<void>;

  /**
   * Move each tree to its store path and make all of them valid in one atomic batch,
   * recording the derivation outputs; they count as built here (`ultimate`). Replaces a
   * stale (invalid) leftover at the path; a tree already at its final place (unsandboxed
   * builds on the real store) stays where it is.
   */
  addBuiltPaths(paths: readonly NewPath[], outputs: readonly BuiltOutput[]): Promise<void>;
  /**
   * Restore a NAR stream into the store as `info.path`, checking its NAR hash and size
   * against `info` before it becomes valid.
   */
  addNar(info: SubstitutablePathInfo, nar: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<void>;
  /**
   * Where a build of `drvPath` writes its log, as it runs, for `tix log` (an earlier log of
   * it is removed). The file is for the caller to create.
   */
  buildLogFile(drvPath: StorePath): Promise<string>;
  /** The build's log (`log`, at `buildLogFile`) is complete: store it for good (compressed, say). */
  finishBuildLog(drvPath: StorePath, log: Uint8Array): Promise<void>;
  /**
   * Put `tree` (canonical, hashed by the caller to the registered NAR hash) in place of
   * the files of the valid `path`, which are missing or damaged (`verify --repair`). The
   * caller holds the path's lock; the DB is not changed.
   */
  replacePathFiles(tree: string, path: StorePath): Promise<void>;
}
