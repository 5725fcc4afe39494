/**
 * The narrow interfaces the rest of tix uses to reach a store's database, whichever
 * process actually has it open (see db-owner.ts and shared-db.ts):
 *
 * - `PathInfoDb`: valid paths and their metadata (Nix: the `ValidPaths`, `Refs` and
 *   `DerivationOutputs` tables of `db.sqlite`).
 * - `StoreCoordinator`: per-path locks and temp roots, which in Nix are fcntl locks and
 *   `/nix/var/nix/temproots/<pid>` files. Here the DB owner keeps them for every process,
 *   and they vanish when their holder dies.
 *
 * Every call is idempotent, so a call that was in flight when the owner died can be sent
 * again to the next owner.
 */

import type { PathInfo } from '../path-info-json.ts';
import type { StorePath } from '../store-path.ts';
import type { DrvOutputMapping } from './db-records.ts';

export interface PathInfoDb {
  queryPathInfo(path: StorePath): Promise<PathInfo | undefined>;
  /** One lookup for many paths; `undefined` where a path is not valid. */
  queryPathInfos(paths: readonly StorePath[]): Promise<(PathInfo | undefined)[]>;
  isValidPath(path: StorePath): Promise<boolean>;
  /** The subset of `paths` that is valid, in the given order. */
  queryValidPaths(paths: readonly StorePath[]): Promise<StorePath[]>;
  /** Valid paths that refer to `path` (itself included when it refers to itself). */
  queryReferrers(path: StorePath): Promise<StorePath[]>;
  /** The valid path with this hash part (for narinfo lookups). */
  queryPathFromHashPart(hashPart: string): Promise<StorePath | undefined>;
  /** Outputs recorded for derivation `drv` (valid or not), by output name. */
  queryDerivationOutputs(drv: StorePath): Promise<Map<string, StorePath>>;
  /** Valid derivations that have `path` as an output (Nix: `queryValidDerivers`). */
  queryValidDerivers(path: StorePath): Promise<StorePath[]>;
  /** A page of valid paths in hash-part order, starting after hash part `after`. */
  listPathInfos(after: string | undefined, limit: number): Promise<PathInfo[]>;
  /**
   * Make `infos` valid in one atomic batch, with their referrer index entries and the
   * given derivation outputs. Every reference must be valid already or be in `infos`
   * (the closure invariant); otherwise nothing is written.
   */
  registerValidPaths(infos: readonly PathInfo[], outputs?: readonly DrvOutputMapping[]): Promise<void>;
  /** Add signatures to a valid path. */
  addSignatures(path: StorePath, sigs: readonly string[]): Promise<void>;
  /**
   * Invalidate the paths that may go, in one atomic batch: a path is refused while a valid
   * path outside the set refers to it, or while another live process holds a temp root
   * or a lock on it. Paths that are not valid are ignored.
   */
  invalidatePaths(paths: readonly StorePath[]): Promise<InvalidateResult>;
}

export interface InvalidateResult {
  readonly invalidated: StorePath[];
  readonly refused: { path: StorePath; reason: string }[];
}

export interface LockOptions {
  /** Wait until every lock is free (default), or give up at once and return false. */
  readonly wait?: boolean;
  readonly signal?: AbortSignal | undefined;
}

export interface StoreCoordinator {
  /**
   * Take the locks named `names` (store path base names) all at once, so two processes
   * never add, build or delete the same path at the same time. Locks are released by
   * `unlockPaths`, or when this handle closes or its process dies.
   */
  lockPaths(names: readonly string[], opts?: LockOptions): Promise<boolean>;
  unlockPaths(names: readonly string[]): Promise<void>;
  /** Keep `paths` from the garbage collector while this handle is open (Nix: `addTempRoot`). */
  addTempRoots(paths: readonly StorePath[]): Promise<void>;
  removeTempRoots(paths: readonly StorePath[]): Promise<void>;
  /** Temp roots of every live process. */
  listTempRoots(): Promise<StorePath[]>;
}

export type StoreDbEvent =
  | { readonly type: 'registered'; readonly paths: readonly StorePath[] }
  | { readonly type: 'invalidated'; readonly paths: readonly StorePath[] };

export interface StoreDb extends PathInfoDb, StoreCoordinator {
  /**
   * Paths becoming valid or invalid in any process of this store, as they happen (the
   * P2P layer announces and withdraws from these). Events during an owner failover can
   * be missed: a listener that must not miss any re-reads the DB on `resync`.
   */
  events(signal?: AbortSignal): AsyncIterable<StoreDbEvent | { readonly type: 'resync' }>;
  /** Release this handle's locks and temp roots and detach from the DB. */
  close(): Promise<void>;
}
