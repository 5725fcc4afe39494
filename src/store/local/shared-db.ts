/**
 * `StoreDb` for any number of processes on one store: the handle talks to whichever
 * process owns the DB (db-owner.ts), becomes the owner itself when nobody does, and fails
 * over when the owner exits or dies:
 *
 *   attach: connect to the owner's socket
 *           └ no answer → try to open the DB ourselves
 *                         ├ opened → serve the others on the socket; answer our calls directly
 *                         └ LevelDB LOCK held (an owner is starting up) → wait a little, retry
 *
 * A call interrupted by the loss of the owner is sent again after re-attaching; the DB
 * methods are idempotent and locks and temp roots live on in the DB under our holder id,
 * so the failover is invisible to callers (beyond its few milliseconds).
 */

import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import type { PathInfo } from '../path-info-json.ts';
import type { StorePath } from '../store-path.ts';
import type { DrvOutputMapping } from './db-records.ts';
import { ConnectionLostError, DbClient } from './db-client.ts';
import { DbOwner, type OwnerSession } from './db-owner.ts';
import { DbServer } from './db-server.ts';
import { StoreDbUnavailableError, StoreError } from './errors.ts';
import { formatHolderId, newHolderId } from './process-identity.ts';
import type { InvalidateResult, LockOptions, StoreDb, StoreDbEvent } from './store-db.ts';

export interface OpenStoreDbOptions {
  /** Sync the DB log on registration (`fsync-metadata`), when this process becomes owner. */
  readonly fsync?: boolean;
  /** Give up attaching after this long (default 30 s). */
  readonly timeoutMs?: number;
}

export interface StoreDbLocation {
  readonly dbDir: string;
  readonly socketPath: string;
}

/** Owners opened by this process, shared by its handles on the same DB. */
interface OwnerEntry {
  readonly owner: DbOwner;
  refs: number;
}
const owners = new Map<string, Promise<OwnerEntry | undefined>>();

const debug = process.env.TIX_DEBUG_DB ? (m: string) => process.stderr.write(`[db ${process.pid}] ${m}\n`) : () => undefined;

/**
 * The owner answers its own calls synchronously (LevelDB `getSync`), so a caller looping
 * over them would only ever run microtasks and starve the socket the other processes
 * wait on. Local calls therefore yield to the event loop at least this often.
 */
const OWNER_YIELD_MS = 1;
let lastYield = performance.now();

type Backend = { kind: 'local'; session: OwnerSession; entry: OwnerEntry } | { kind: 'remote'; client: DbClient };
type Sink = (ev: StoreDbEvent | { type: 'resync' }) => void;

/** Open a handle on the store DB at `loc`, attaching to (or becoming) its owner. */
export async function openStoreDb(loc: StoreDbLocation, opts: OpenStoreDbOptions = {}): Promise<SharedStoreDb> {
  const db = new SharedStoreDb(loc, opts);
  await db.attach();
  return db;
}

export class SharedStoreDb implements StoreDb {
  readonly holder = formatHolderId(newHolderId());
  readonly #loc: StoreDbLocation;
  readonly #opts: OpenStoreDbOptions;
  #backend: Backend | undefined;
  #attaching: Promise<Backend> | undefined;
  #closed = false;
  readonly #sinks = new Set<Sink>();
  #unlisten: (() => void) | undefined;
  /** Times this handle attached; more than one means it lived through a failover. */
  attachCount = 0;

  constructor(loc: StoreDbLocation, opts: OpenStoreDbOptions) {
    this.#loc = loc;
    this.#opts = opts;
  }

  /** True while this process owns the DB. */
  get isOwner(): boolean {
    return this.#backend?.kind === 'local';
  }

  async attach(): Promise<void> {
    await this.#ensure();
  }

  #ensure(): Promise<Backend> {
    if (this.#closed) return Promise.reject(new StoreError('E_DB_CLOSED', 'the store database handle is closed'));
    if (this.#backend) return Promise.resolve(this.#backend);
    this.#attaching ??= this.#attachLoop().finally(() => (this.#attaching = undefined));
    return this.#attaching;
  }

  async #attachLoop(): Promise<Backend> {
    const deadline = Date.now() + (this.#opts.timeoutMs ?? 30_000);
    let delay = 2;
    let lastError: unknown;
    for (;;) {
      debug(`attach attempt, delay ${delay}`);
      const local = await owners.get(this.#loc.dbDir);
      if (local && !local.owner.closing) return this.#useLocal(local);
      try {
        const client = await DbClient.connect(this.#loc.socketPath, this.holder);
        return await this.#useRemote(client);
      } catch (e) {
        lastError = e;
        debug(`connect failed: ${(e as Error).message}`);
      }
      const entry = await this.#tryOwn();
      debug(`tryOwn: ${entry ? 'owner' : 'locked'}`);
      if (entry) return this.#useLocal(entry);
      if (Date.now() > deadline) {
        throw new StoreDbUnavailableError(
          `cannot reach the store database ${this.#loc.dbDir}: another process has it open but does not answer on ${this.#loc.socketPath}`,
          { cause: lastError },
        );
      }
      await sleep(delay * (0.5 + Math.random()));
      delay = Math.min(delay * 2, 50);
    }
  }

  /** Open the DB and serve it, unless another process has it. */
  async #tryOwn(): Promise<OwnerEntry | undefined> {
    const pending = (async () => {
      const owner = await DbOwner.tryOpen(this.#loc.dbDir, { fsync: this.#opts.fsync ?? true });
      if (!owner) return undefined;
      try {
        await DbServer.listen(owner, this.#loc.socketPath);
      } catch (e) {
        await owner.close();
        throw e;
      }
      return { owner, refs: 0 };
    })();
    owners.set(this.#loc.dbDir, pending);
    try {
      const entry = await pending;
      if (!entry) owners.delete(this.#loc.dbDir);
      return entry;
    } catch (e) {
      owners.delete(this.#loc.dbDir);
      throw e;
    }
  }

  #useLocal(entry: OwnerEntry): Backend {
    entry.refs++;
    const b: Backend = { kind: 'local', session: entry.owner.session(this.holder), entry };
    this.#backend = b;
    this.attachCount++;
    if (this.#sinks.size > 0) this.#subscribeLocal(entry.owner);
    if (this.attachCount > 1) this.#broadcast({ type: 'resync' });
    return b;
  }

  async #useRemote(client: DbClient): Promise<Backend> {
    const b: Backend = { kind: 'remote', client };
    client.onLost = () => {
      if (this.#backend === b) this.#backend = undefined;
      // Event listeners need a live connection even when no call is being made.
      if (this.#sinks.size > 0 && !this.#closed) void this.#ensure().catch(() => undefined);
    };
    client.onEvent = (ev) => this.#broadcast(ev);
    if (this.#sinks.size > 0) await client.call('subscribe', []);
    this.#backend = b;
    this.attachCount++;
    if (this.attachCount > 1) this.#broadcast({ type: 'resync' });
    return b;
  }

  #subscribeLocal(owner: DbOwner): void {
    this.#unlisten?.();
    this.#unlisten = owner.listen((ev) => this.#broadcast(ev));
  }

  #broadcast(ev: StoreDbEvent | { type: 'resync' }): void {
    for (const s of this.#sinks) s(ev);
  }

  /** Run a call on the current backend, re-attaching and retrying when the owner went away. */
  async #call<T>(method: string, args: unknown[], signal?: AbortSignal): Promise<T> {
    for (;;) {
      const b = await this.#ensure();
      if (b.kind === 'local') {
        if (performance.now() - lastYield > OWNER_YIELD_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        const fn = (b.session as unknown as Record<string, (...a: unknown[]) => Promise<T>>)[method]!;
        return await fn.apply(b.session, signal ? [...args.slice(0, -1), { ...(args.at(-1) as object), signal }] : args);
      }
      try {
        return (await b.client.call(method, signal ? [...args.slice(0, -1), { ...(args.at(-1) as object), signal: undefined }] : args, signal)) as T;
      } catch (e) {
        if (e instanceof ConnectionLostError) {
          debug(`connection lost during ${method}`);
          if (this.#backend === b) this.#backend = undefined;
          continue;
        }
        if ((e as { code?: string }).code === 'E_ABORTED' && signal?.aborted) throw signal.reason;
        throw e;
      }
    }
  }

  queryPathInfo(path: StorePath): Promise<PathInfo | undefined> {
    return this.#call('queryPathInfo', [path]);
  }
  queryPathInfos(paths: readonly StorePath[]): Promise<(PathInfo | undefined)[]> {
    return this.#call('queryPathInfos', [paths]);
  }
  isValidPath(path: StorePath): Promise<boolean> {
    return this.#call('isValidPath', [path]);
  }
  queryValidPaths(paths: readonly StorePath[]): Promise<StorePath[]> {
    return this.#call('queryValidPaths', [paths]);
  }
  queryReferrers(path: StorePath): Promise<StorePath[]> {
    return this.#call('queryReferrers', [path]);
  }
  queryPathFromHashPart(hashPart: string): Promise<StorePath | undefined> {
    return this.#call('queryPathFromHashPart', [hashPart]);
  }
  queryDerivationOutputs(drv: StorePath): Promise<Map<string, StorePath>> {
    return this.#call('queryDerivationOutputs', [drv]);
  }
  queryValidDerivers(path: StorePath): Promise<StorePath[]> {
    return this.#call('queryValidDerivers', [path]);
  }
  listPathInfos(after: string | undefined, limit: number): Promise<PathInfo[]> {
    return this.#call('listPathInfos', [after, limit]);
  }
  registerValidPaths(infos: readonly PathInfo[], outputs: readonly DrvOutputMapping[] = []): Promise<void> {
    return this.#call('registerValidPaths', [infos, outputs]);
  }
  addSignatures(path: StorePath, sigs: readonly string[]): Promise<void> {
    return this.#call('addSignatures', [path, sigs]);
  }
  invalidatePaths(paths: readonly StorePath[]): Promise<InvalidateResult> {
    return this.#call('invalidatePaths', [paths]);
  }
  lockPaths(names: readonly string[], opts: LockOptions = {}): Promise<boolean> {
    return this.#call('lockPaths', [names, { wait: opts.wait ?? true }], opts.signal);
  }
  unlockPaths(names: readonly string[]): Promise<void> {
    return this.#call('unlockPaths', [names]);
  }
  addTempRoots(paths: readonly StorePath[]): Promise<void> {
    return this.#call('addTempRoots', [paths]);
  }
  removeTempRoots(paths: readonly StorePath[]): Promise<void> {
    return this.#call('removeTempRoots', [paths]);
  }
  listTempRoots(): Promise<StorePath[]> {
    return this.#call('listTempRoots', []);
  }

  async *events(signal?: AbortSignal): AsyncIterable<StoreDbEvent | { type: 'resync' }> {
    const queue: (StoreDbEvent | { type: 'resync' })[] = [];
    let wake: (() => void) | undefined;
    const sink: Sink = (ev) => {
      queue.push(ev);
      wake?.();
    };
    const first = this.#sinks.size === 0;
    this.#sinks.add(sink);
    const onAbort = () => wake?.();
    signal?.addEventListener('abort', onAbort);
    try {
      if (first) {
        const b = await this.#ensure();
        if (b.kind === 'local') this.#subscribeLocal(b.entry.owner);
        else await b.client.call('subscribe', []);
      }
      while (!signal?.aborted && !this.#closed) {
        if (queue.length === 0) await new Promise<void>((r) => (wake = r));
        wake = undefined;
        while (queue.length > 0) yield queue.shift()!;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#sinks.delete(sink);
    }
  }

  /** Release this handle's locks and temp roots; if it was the owner's last handle, hand the DB over. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#sinks) s({ type: 'resync' });
    this.#unlisten?.();
    const b = this.#backend;
    this.#backend = undefined;
    if (b?.kind === 'remote') await b.client.close();
    if (b?.kind === 'local') {
      await b.session.end();
      if (--b.entry.refs === 0) {
        owners.delete(this.#loc.dbDir);
        await b.entry.owner.close();
      }
    }
  }
}
