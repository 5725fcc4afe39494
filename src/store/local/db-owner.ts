/**
 * The one process that has the store's LevelDB open. LevelDB allows a single opener and
 * guards it with an fcntl lock on `db/LOCK`, which the kernel releases when the process
 * dies: so "whoever manages to open the DB" is the owner, and a crashed owner never locks
 * the others out. The owner serves every other process of the store over a Unix socket
 * (db-server.ts); they reach it through `SharedStoreDb` (shared-db.ts), which takes over
 * ownership itself when the owner goes away.
 *
 * Sessions: each store handle, local or remote, is a holder id; the owner answers its
 * calls with `session(holder)`, so locks and temp roots are attributed and released.
 */

import { mkdirSync } from 'node:fs';
import { Level } from 'level';
import type { PathInfo } from '../path-info-json.ts';
import { StorePath } from '../store-path.ts';
import { Coordinator } from './coordinator.ts';
import { type LevelDb, PathInfoTable } from './db.ts';
import { type DrvOutputMapping, decodePathInfo } from './db-records.ts';
import { StoreDbCorruptError, StoreDbUnavailableError } from './errors.ts';
import type { InvalidateResult, LockOptions, StoreDb, StoreDbEvent } from './store-db.ts';

export interface DbOwnerOptions {
  /** Sync the LevelDB log soon after every registration (Nix's `fsync-metadata`, default true; db.ts). */
  readonly fsync?: boolean;
}

type Listener = (ev: StoreDbEvent) => void;

export class DbOwner {
  readonly db: LevelDb;
  readonly paths: PathInfoTable;
  readonly coordinator: Coordinator;
  readonly #listeners = new Set<Listener>();
  readonly #closeHooks: (() => Promise<void>)[] = [];
  #closing = false;

  private constructor(db: LevelDb, fsync: boolean) {
    this.db = db;
    this.paths = new PathInfoTable(db, { sync: fsync });
    this.coordinator = new Coordinator(db);
  }

  /** Open the DB in `dir`, or return undefined when another process has it open. */
  static async tryOpen(dir: string, opts: DbOwnerOptions = {}): Promise<DbOwner | undefined> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const db: LevelDb = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    try {
      await db.open();
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      if (cause?.code === 'LEVEL_LOCKED') return undefined;
      throw asCorruption(dir, e);
    }
    const owner = new DbOwner(db, opts.fsync ?? true);
    try {
      await owner.paths.init();
      await owner.coordinator.load();
    } catch (e) {
      await db.close();
      throw asCorruption(dir, e);
    }
    return owner;
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** Follow registrations and invalidations from every session. */
  listen(fn: Listener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  emit(ev: StoreDbEvent): void {
    for (const fn of this.#listeners) fn(ev);
  }

  /** The calls of one holder. */
  session(holder: string): OwnerSession {
    this.coordinator.connect(holder);
    return new OwnerSession(this, holder);
  }

  /** Run `fn` when closing, after sessions stop releasing their entries, before the DB closes. */
  onClose(fn: () => Promise<void>): void {
    this.#closeHooks.push(fn);
  }

  /**
   * Hand the DB over: from now on closing connections keep their holders' locks and temp
   * roots (they live on in the DB for the next owner), servers drain, the DB closes and
   * its LOCK is released, so one of the waiting processes becomes the next owner.
   */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.coordinator.close();
    this.#listeners.clear();
    for (const fn of this.#closeHooks) await fn();
    await this.paths.flush();
    await this.db.close();
  }
}

/** `StoreDb` answered directly by the owner on behalf of one holder. */
export class OwnerSession implements Omit<StoreDb, 'events' | 'close'> {
  readonly #owner: DbOwner;
  readonly holder: string;

  constructor(owner: DbOwner, holder: string) {
    this.#owner = owner;
    this.holder = holder;
  }

  async queryPathInfo(path: StorePath): Promise<PathInfo | undefined> {
    return this.#owner.paths.queryPathInfo(path);
  }

  async queryPathInfos(paths: readonly StorePath[]): Promise<(PathInfo | undefined)[]> {
    return this.#owner.paths.queryRecords(paths.map((p) => p.baseName)).map((r) => (r ? decodePathInfo(r) : undefined));
  }

  async isValidPath(path: StorePath): Promise<boolean> {
    return this.#owner.paths.isValidPath(path);
  }

  async queryValidPaths(paths: readonly StorePath[]): Promise<StorePath[]> {
    return paths.filter((p) => this.#owner.paths.isValidPath(p));
  }

  async queryReferrers(path: StorePath): Promise<StorePath[]> {
    return (await this.#owner.paths.queryReferrers(path)).map((b) => new StorePath(b));
  }

  async queryPathFromHashPart(hashPart: string): Promise<StorePath | undefined> {
    return this.#owner.paths.queryPathFromHashPart(hashPart);
  }

  async queryDerivationOutputs(drv: StorePath): Promise<Map<string, StorePath>> {
    const m = await this.#owner.paths.queryDerivationOutputs(drv);
    return new Map([...m].map(([k, v]) => [k, new StorePath(v)]));
  }

  async queryValidDerivers(path: StorePath): Promise<StorePath[]> {
    return (await this.#owner.paths.queryValidDerivers(path)).map((b) => new StorePath(b));
  }

  async listPathInfos(after: string | undefined, limit: number): Promise<PathInfo[]> {
    return (await this.#owner.paths.listRecords(after, limit)).map(decodePathInfo);
  }

  async registerValidPaths(infos: readonly PathInfo[], outputs: readonly DrvOutputMapping[] = []): Promise<void> {
    await this.#owner.paths.registerValidPaths(infos, outputs);
    if (infos.length > 0) this.#owner.emit({ type: 'registered', paths: infos.map((i) => i.path) });
  }

  async addSignatures(path: StorePath, sigs: readonly string[]): Promise<void> {
    await this.#owner.paths.addSignatures(path, sigs);
  }

  async invalidatePaths(paths: readonly StorePath[]): Promise<InvalidateResult> {
    const c = this.#owner.coordinator;
    const res = await this.#owner.paths.invalidatePaths(paths, (p) => {
      const rooted = c.tempRootHolders(p, this.holder);
      if (rooted.length > 0) return `it is a temporary root of process ${rooted[0]!.split('.')[0]}`;
      const locker = c.lockHolder(p.baseName);
      if (locker !== undefined && locker !== this.holder) return `it is locked by process ${locker.split('.')[0]}`;
      return undefined;
    });
    if (res.invalidated.length > 0) this.#owner.emit({ type: 'invalidated', paths: res.invalidated });
    return res;
  }

  async lockPaths(names: readonly string[], opts: LockOptions = {}): Promise<boolean> {
    return await this.#owner.coordinator.lock(this.holder, names, opts.wait ?? true, opts.signal);
  }

  async unlockPaths(names: readonly string[]): Promise<void> {
    await this.#owner.coordinator.unlock(this.holder, names);
  }

  async addTempRoots(paths: readonly StorePath[]): Promise<void> {
    await this.#owner.coordinator.addTempRoots(this.holder, paths);
  }

  async removeTempRoots(paths: readonly StorePath[]): Promise<void> {
    await this.#owner.coordinator.removeTempRoots(this.holder, paths);
  }

  async listTempRoots(): Promise<StorePath[]> {
    return this.#owner.coordinator.listTempRoots().map((b) => new StorePath(b));
  }

  /** The handle closed: drop this holder's locks and temp roots. */
  async end(): Promise<void> {
    if (this.#owner.closing) this.#owner.coordinator.detach(this.holder);
    else await this.#owner.coordinator.disconnect(this.holder);
  }
}

/**
 * LevelDB's open failures that mean damaged files (a garbled CURRENT or MANIFEST, a bad
 * table block) as a `StoreDbCorruptError` naming the directory; anything else unchanged.
 */
function asCorruption(dir: string, e: unknown): unknown {
  const x = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const inner = x.cause?.code?.startsWith('LEVEL_') ? x.cause : x;
  const detail = inner.message ?? 'unreadable';
  // A file the DB's own index names is missing (garbled CURRENT or MANIFEST): damage too.
  if (inner.code === 'LEVEL_CORRUPTION' || (inner.code === 'LEVEL_IO_ERROR' && /No such file/.test(detail))) {
    return new StoreDbCorruptError(dir, detail, { cause: e });
  }
  // Permissions, a read-only filesystem: LevelDB's message names the file.
  if (inner.code === 'LEVEL_IO_ERROR') return new StoreDbUnavailableError(`cannot open the store database in '${dir}': ${detail}`, { cause: e });
  if (e instanceof SyntaxError) return new StoreDbCorruptError(dir, `a record is not valid JSON (${e.message})`, { cause: e });
  return e;
}
