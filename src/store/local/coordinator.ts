/**
 * Path locks and temp roots for every process of a store, kept by the DB owner.
 *
 * Nix uses fcntl locks (which the kernel drops when a process dies) and per-process
 * temp-root files. Node has no fcntl, so the owner keeps both tables in memory, serves
 * them to the other processes, and mirrors them into the DB (keys `k:` and `t:`, see
 * db.ts) so that the next owner still knows them if this one dies. An entry lives until
 * its holder releases it, its connection closes, or its process is found dead (PID plus
 * start time, process-identity.ts); liveness is checked whenever an entry stands in
 * someone's way, so a crashed holder never blocks anyone for long.
 */

import type { StorePath } from '../store-path.ts';
import { type LevelDb, rangeOf } from './db.ts';
import { holderAlive } from './process-identity.ts';

interface Waiter {
  readonly holder: string;
  readonly names: readonly string[];
  readonly grant: () => void;
  readonly fail: (e: Error) => void;
}

/** How often blocked lock requests re-check holders that are not connected. */
const LIVENESS_POLL_MS = 200;

export class Coordinator {
  readonly #db: LevelDb;
  /** lock name → holder */
  readonly #locks = new Map<string, string>();
  /** hash part → base name → holders */
  readonly #roots = new Map<string, Map<string, Set<string>>>();
  readonly #waiters: Waiter[] = [];
  /** Holders with a live connection (or in-process handle) to this owner. */
  readonly #connected = new Set<string>();
  #poll: NodeJS.Timeout | undefined;
  /** Dead holders found in the way, whose entries are about to be dropped. */
  readonly #dead = new Set<string>();

  constructor(db: LevelDb) {
    this.#db = db;
  }

  /** Load the tables a previous owner left, dropping entries of dead holders. */
  async load(): Promise<void> {
    const stale: string[] = [];
    for await (const [k, holder] of this.#db.iterator(rangeOf('k:'))) {
      if (holderAlive(holder)) this.#locks.set(k.slice(2), holder);
      else stale.push(k);
    }
    for await (const [k, base] of this.#db.iterator(rangeOf('t:'))) {
      const [, hash, holder] = k.split(':') as [string, string, string];
      if (holderAlive(holder)) this.#addRoot(hash, base, holder);
      else stale.push(k);
    }
    if (stale.length > 0) await this.#db.batch(stale.map((key) => ({ type: 'del' as const, key })));
  }

  connect(holder: string): void {
    this.#connected.add(holder);
  }

  /** The holder's connection closed: it exited or closed its handle, so drop its entries. */
  async disconnect(holder: string): Promise<void> {
    this.#connected.delete(holder);
    await this.releaseAll(holder);
  }

  /** Forget a holder's connection without dropping its entries (the owner is leaving). */
  detach(holder: string): void {
    this.#connected.delete(holder);
  }

  // ---- locks -------------------------------------------------------------------------

  /** Grant `names` to `holder` now if every one is free (or already its own). */
  #tryGrant(holder: string, names: readonly string[]): boolean {
    for (const n of names) {
      const h = this.#locks.get(n);
      if (h === undefined || h === holder) continue;
      if (this.#isLive(h)) return false;
      this.#dropHolderLocally(h);
    }
    for (const n of names) this.#locks.set(n, holder);
    return true;
  }

  async lock(holder: string, names: readonly string[], wait: boolean, signal?: AbortSignal): Promise<boolean> {
    signal?.throwIfAborted();
    if (this.#tryGrant(holder, names)) {
      await this.#persistLocks(holder, names);
      return true;
    }
    if (!wait) return false;
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        holder,
        names,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      const onAbort = () => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#schedulePoll();
    });
    await this.#persistLocks(holder, names);
    return true;
  }

  async #persistLocks(holder: string, names: readonly string[]): Promise<void> {
    await this.#db.batch(names.map((n) => ({ type: 'put' as const, key: 'k:' + n, value: holder })));
  }

  async unlock(holder: string, names: readonly string[]): Promise<void> {
    const freed = names.filter((n) => this.#locks.get(n) === holder);
    for (const n of freed) this.#locks.delete(n);
    if (freed.length > 0) await this.#db.batch(freed.map((n) => ({ type: 'del' as const, key: 'k:' + n })));
    this.#wake();
  }

  /** Grant waiting requests that can now proceed, in arrival order. */
  #wake(): void {
    for (let i = 0; i < this.#waiters.length; ) {
      const w = this.#waiters[i]!;
      if (this.#tryGrant(w.holder, w.names)) {
        this.#waiters.splice(i, 1);
        w.grant();
      } else i++;
    }
    if (this.#waiters.length === 0 && this.#poll) {
      clearInterval(this.#poll);
      this.#poll = undefined;
    }
  }

  /** While requests wait, look now and then whether a holder that is not connected died. */
  #schedulePoll(): void {
    if (this.#poll) return;
    this.#poll = setInterval(() => this.#wake(), LIVENESS_POLL_MS);
    this.#poll.unref();
  }

  /** Who holds lock `name`, if a live process does. */
  lockHolder(name: string): string | undefined {
    const h = this.#locks.get(name);
    if (h === undefined) return undefined;
    if (this.#isLive(h)) return h;
    this.#dropHolderLocally(h);
    return undefined;
  }

  // ---- temp roots --------------------------------------------------------------------

  #addRoot(hash: string, base: string, holder: string): void {
    let byBase = this.#roots.get(hash);
    if (!byBase) this.#roots.set(hash, (byBase = new Map()));
    let holders = byBase.get(base);
    if (!holders) byBase.set(base, (holders = new Set()));
    holders.add(holder);
  }

  async addTempRoots(holder: string, paths: readonly StorePath[]): Promise<void> {
    const fresh = paths.filter((p) => !this.#roots.get(p.hashPart)?.get(p.baseName)?.has(holder));
    for (const p of fresh) this.#addRoot(p.hashPart, p.baseName, holder);
    if (fresh.length > 0) await this.#db.batch(fresh.map((p) => ({ type: 'put' as const, key: `t:${p.hashPart}:${holder}`, value: p.baseName })));
  }

  async removeTempRoots(holder: string, paths: readonly StorePath[]): Promise<void> {
    for (const p of paths) this.#roots.get(p.hashPart)?.get(p.baseName)?.delete(holder);
    await this.#db.batch(paths.map((p) => ({ type: 'del' as const, key: `t:${p.hashPart}:${holder}` })));
  }

  /** Live holders (other than `except`) of a temp root on `path`. */
  tempRootHolders(path: StorePath, except?: string): string[] {
    const holders = this.#roots.get(path.hashPart)?.get(path.baseName);
    if (!holders) return [];
    const live: string[] = [];
    for (const h of [...holders]) {
      if (h === except) continue;
      if (this.#isLive(h)) live.push(h);
      else this.#dropHolderLocally(h);
    }
    return live;
  }

  /** Base names of all live temp roots. */
  listTempRoots(): string[] {
    const out: string[] = [];
    for (const byBase of this.#roots.values()) {
      for (const [base, holders] of byBase) {
        for (const h of [...holders]) {
          if (this.#isLive(h)) {
            out.push(base);
            break;
          }
          this.#dropHolderLocally(h);
        }
      }
    }
    return out;
  }

  // ---- cleanup -----------------------------------------------------------------------

  #isLive(holder: string): boolean {
    return this.#connected.has(holder) || (!this.#dead.has(holder) && holderAlive(holder));
  }

  /**
   * A holder found dead: treat its entries as gone from now on and drop them soon (not
   * now, as the caller may be iterating over the tables).
   */
  #dropHolderLocally(holder: string): void {
    if (this.#dead.has(holder)) return;
    this.#dead.add(holder);
    queueMicrotask(() => {
      void this.releaseAll(holder).finally(() => this.#dead.delete(holder));
    });
  }

  /** Drop every lock and temp root of `holder`, and let waiters in. */
  async releaseAll(holder: string): Promise<void> {
    const ops: { type: 'del'; key: string }[] = [];
    for (const [n, h] of this.#locks) {
      if (h === holder) {
        this.#locks.delete(n);
        ops.push({ type: 'del', key: 'k:' + n });
      }
    }
    for (const [hash, byBase] of this.#roots) {
      for (const [base, holders] of byBase) {
        if (holders.delete(holder)) ops.push({ type: 'del', key: `t:${hash}:${holder}` });
        if (holders.size === 0) byBase.delete(base);
      }
      if (byBase.size === 0) this.#roots.delete(hash);
    }
    for (const w of this.#waiters.filter((x) => x.holder === holder)) {
      this.#waiters.splice(this.#waiters.indexOf(w), 1);
      w.fail(new Error('the store handle waiting for this lock was closed'));
    }
    this.#wake();
    if (ops.length > 0) {
      try {
        await this.#db.batch(ops);
      } catch {
        // The DB is closing; the next owner drops these entries when it finds the holder dead.
      }
    }
  }

  /** Stop: waiting requests fail (their clients resend them to the next owner). */
  close(): void {
    if (this.#poll) clearInterval(this.#poll);
    this.#poll = undefined;
    for (const w of this.#waiters.splice(0)) w.fail(new Error('the store database owner is closing'));
  }
}
