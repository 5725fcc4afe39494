/**
 * The store database in LevelDB (`level`), opened by exactly one process at a time (the
 * owner, see db-owner.ts). Keys are UTF-8 strings, values JSON or base names; hash parts
 * are 32 nix32 characters, which never contain `:`.
 *
 *   m:schema                       → "1"
 *   m:sync                         → ""                   (written synced to sync the log)
 *   p:<hash>                       → PathRecord (db-records.ts): one per valid path
 *   r:<ref hash>:<referrer hash>   → referrer base name   (referrers index; self included)
 *   o:<drv hash>:<output name>     → output base name     (derivation outputs)
 *   d:<output hash>:<drv hash>     → drv base name        (reverse of o:, for derivers)
 *   k:<base name>                  → holder id            (path locks, coordinator.ts)
 *   t:<hash>:<holder id>           → base name            (temp roots, coordinator.ts)
 *
 * Keying paths by hash part makes `queryPathFromHashPart` a point lookup. A registration
 * or invalidation is one `batch()`, so a crash leaves the DB either before or after it.
 * Mutations run one at a time (their checks read the DB and must not interleave).
 *
 * `fsync-metadata`: as Nix (SQLite in WAL mode with `synchronous = normal`, which syncs at
 * checkpoints, not at every commit), a mutation does not wait for the disk. Its batch is in
 * the LevelDB log, which a killed process cannot lose; a sync of the log follows within
 * SYNC_DELAY_MS and on close, so a power loss forgets at most the last moment's
 * registrations, and LevelDB's checksummed log never leaves a half-applied batch. Waiting
 * for an fsync per registration cost more than a whole trivial build's sandbox.
 */

import type { Level } from 'level';
import type { PathInfo } from '../path-info-json.ts';
import { StorePath } from '../store-path.ts';
import { type DrvOutputMapping, decodePathInfo, encodePathInfo, type PathRecord } from './db-records.ts';
import { StoreError } from './errors.ts';
import type { InvalidateResult } from './store-db.ts';

export const SCHEMA_VERSION = '1';

/** Longest a mutation waits in the OS before the DB log is synced (with `fsync-metadata`). */
export const SYNC_DELAY_MS = 1000;

export type LevelDb = Level<string, string>;

type BatchOp = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

/** Upper bound of a key range `prefix…` where prefix ends with ':' (';' follows ':'). */
export function rangeOf(prefix: string): { gt: string; lt: string } {
  return { gt: prefix, lt: prefix.slice(0, -1) + ';' };
}

/** Why a path may not be invalidated right now, decided by the coordinator. */
export type ProtectionCheck = (path: StorePath) => string | undefined;

export class PathInfoTable {
  readonly #db: LevelDb;
  /** Sync the log soon after each mutation (Nix's `fsync-metadata`). */
  readonly #sync: boolean;
  #queue: Promise<unknown> = Promise.resolve();
  #syncTimer: ReturnType<typeof setTimeout> | undefined;
  #unsynced = false;
  #flushing: Promise<void> = Promise.resolve();

  constructor(db: LevelDb, opts: { sync?: boolean } = {}) {
    this.#db = db;
    this.#sync = opts.sync ?? false;
  }

  /** Check or write the schema version of a freshly opened DB. */
  async init(): Promise<void> {
    const v = this.#db.getSync('m:schema');
    if (v === undefined) await this.#db.put('m:schema', SCHEMA_VERSION);
    else if (v !== SCHEMA_VERSION) throw new StoreError('E_DB_SCHEMA', `store database has schema version ${v}, this tix reads version ${SCHEMA_VERSION}`);
  }

  /** After a mutation: sync the log within SYNC_DELAY_MS. */
  #written(): void {
    if (!this.#sync) return;
    this.#unsynced = true;
    if (this.#syncTimer) return;
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = undefined;
      this.flush().catch(() => {}); // closed meanwhile: close flushed first
    }, SYNC_DELAY_MS);
    this.#syncTimer.unref();
  }

  /** Sync the log now if a mutation may not be on disk yet (one synced write covers all before it). */
  flush(): Promise<void> {
    if (this.#syncTimer) clearTimeout(this.#syncTimer);
    this.#syncTimer = undefined;
    if (!this.#unsynced) return this.#flushing; // a sync already under way still counts
    this.#unsynced = false;
    const p = this.#flushing.then(() => this.#db.put('m:sync', '', { sync: true }));
    this.#flushing = p.catch(() => {});
    return p;
  }

  /** Run mutations one after another. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #record(hashPart: string): PathRecord | undefined {
    const v = this.#db.getSync('p:' + hashPart);
    return v === undefined ? undefined : (JSON.parse(v) as PathRecord);
  }

  /** The record of `path` if that exact path (hash and name) is valid. */
  #recordOf(path: StorePath): PathRecord | undefined {
    const r = this.#record(path.hashPart);
    return r && r.path === path.baseName ? r : undefined;
  }

  queryPathInfo(path: StorePath): PathInfo | undefined {
    const r = this.#recordOf(path);
    return r ? decodePathInfo(r) : undefined;
  }

  queryRecords(paths: readonly string[]): (PathRecord | undefined)[] {
    return paths.map((p) => {
      const r = this.#record(p.slice(0, 32));
      return r && r.path === p ? r : undefined;
    });
  }

  isValidPath(path: StorePath): boolean {
    return this.#recordOf(path) !== undefined;
  }

  queryPathFromHashPart(hashPart: string): StorePath | undefined {
    const r = this.#record(hashPart);
    return r ? new StorePath(r.path) : undefined;
  }

  async queryReferrers(path: StorePath): Promise<string[]> {
    if (!this.isValidPath(path)) return [];
    return await this.#db.values(rangeOf(`r:${path.hashPart}:`)).all();
  }

  async queryDerivationOutputs(drv: StorePath): Promise<Map<string, string>> {
    const prefix = `o:${drv.hashPart}:`;
    const out = new Map<string, string>();
    for await (const [k, v] of this.#db.iterator(rangeOf(prefix))) out.set(k.slice(prefix.length), v);
    return out;
  }

  async queryValidDerivers(path: StorePath): Promise<string[]> {
    const drvs = await this.#db.values(rangeOf(`d:${path.hashPart}:`)).all();
    return drvs.filter((d) => this.#record(d.slice(0, 32))?.path === d);
  }

  async listRecords(after: string | undefined, limit: number): Promise<PathRecord[]> {
    const range = after === undefined ? rangeOf('p:') : { gt: 'p:' + after, lt: 'p;' };
    const values = await this.#db.values({ ...range, limit }).all();
    return values.map((v) => JSON.parse(v) as PathRecord);
  }

  registerValidPaths(infos: readonly PathInfo[], outputs: readonly DrvOutputMapping[] = []): Promise<string[]> {
    return this.#serial(async () => {
      const records = infos.map(encodePathInfo);
      const inBatch = new Set(records.map((r) => r.path));
      for (const r of records) {
        for (const ref of r.refs) {
          if (!inBatch.has(ref) && this.#record(ref.slice(0, 32))?.path !== ref) {
            throw new StoreError('E_REFERENCE_INVALID', `cannot register path '${r.path}': its reference '${ref}' is not valid`, { storePath: r.path });
          }
        }
      }
      const ops: BatchOp[] = [];
      for (const rec of records) {
        const hash = rec.path.slice(0, 32);
        const old = this.#record(hash);
        let merged = rec;
        if (old && old.path === rec.path) {
          // Re-registration (a retried call, or new signatures): keep what was known.
          merged = { ...rec, sigs: [...new Set([...old.sigs, ...rec.sigs])], time: old.time, ultimate: old.ultimate || rec.ultimate };
          for (const ref of old.refs) if (!rec.refs.includes(ref)) ops.push({ type: 'del', key: `r:${ref.slice(0, 32)}:${hash}` });
        }
        ops.push({ type: 'put', key: 'p:' + hash, value: JSON.stringify(merged) });
        for (const ref of rec.refs) ops.push({ type: 'put', key: `r:${ref.slice(0, 32)}:${hash}`, value: rec.path });
      }
      for (const o of outputs) {
        ops.push({ type: 'put', key: `o:${o.drv.hashPart}:${o.output}`, value: o.path.baseName });
        ops.push({ type: 'put', key: `d:${o.path.hashPart}:${o.drv.hashPart}`, value: o.drv.baseName });
      }
      await this.#db.batch(ops);
      this.#written();
      return records.map((r) => r.path);
    });
  }

  addSignatures(path: StorePath, sigs: readonly string[]): Promise<void> {
    return this.#serial(async () => {
      const r = this.#recordOf(path);
      if (!r) throw new StoreError('E_INVALID_PATH', `path '${path.baseName}' is not valid`, { storePath: path.baseName });
      const merged: PathRecord = { ...r, sigs: [...new Set([...r.sigs, ...sigs])] };
      await this.#db.put('p:' + path.hashPart, JSON.stringify(merged));
      this.#written();
    });
  }

  invalidatePaths(paths: readonly StorePath[], protect: ProtectionCheck): Promise<InvalidateResult> {
    return this.#serial(async () => {
      const wanted = new Map<string, StorePath>();
      for (const p of paths) if (this.#recordOf(p)) wanted.set(p.hashPart, p);
      const refused = new Map<string, string>();
      for (const [hash, p] of wanted) {
        const why = protect(p);
        if (why) refused.set(hash, why);
      }
      // A path stays while anything outside the deleted set refers to it; refusing one
      // path keeps its references alive too, so repeat until nothing changes.
      const referrers = new Map<string, string[]>();
      for (const hash of wanted.keys()) referrers.set(hash, await this.#db.keys(rangeOf(`r:${hash}:`)).all());
      for (let changed = true; changed; ) {
        changed = false;
        for (const [hash] of wanted) {
          if (refused.has(hash)) continue;
          for (const key of referrers.get(hash)!) {
            const by = key.slice(key.lastIndexOf(':') + 1);
            if (by === hash || (wanted.has(by) && !refused.has(by))) continue;
            refused.set(hash, `it is still referenced by '${this.#record(by)?.path ?? by}'`);
            changed = true;
            break;
          }
        }
      }
      const ops: BatchOp[] = [];
      const invalidated: StorePath[] = [];
      for (const [hash, p] of wanted) {
        if (refused.has(hash)) continue;
        invalidated.push(p);
        const rec = this.#record(hash)!;
        ops.push({ type: 'del', key: 'p:' + hash });
        for (const ref of rec.refs) ops.push({ type: 'del', key: `r:${ref.slice(0, 32)}:${hash}` });
        for await (const [k, v] of this.#db.iterator(rangeOf(`o:${hash}:`))) {
          ops.push({ type: 'del', key: k }, { type: 'del', key: `d:${v.slice(0, 32)}:${hash}` });
        }
      }
      if (ops.length > 0) {
        await this.#db.batch(ops);
        this.#written();
      }
      return { invalidated, refused: [...refused].map(([hash, reason]) => ({ path: wanted.get(hash)!, reason })) };
    });
  }
}
