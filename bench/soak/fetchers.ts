/**
 * Fetching nodes for the load scenarios: real `TixNode`s (libp2p host, inventories, lookup)
 * that hold nothing themselves and substitute a closure into their own `LocalStore` through
 * the same `PeerSubstitution` a `tix node` runs for `tix copy --from p2p`. Each round gets
 * a fresh store, so a soak can fetch the same closure again and again; `verify` is the
 * in-process `tix store verify --all --check-contents` plus "every path valid, no
 * temporary left".
 *
 * Used in the orchestrator's worker processes (fetch-worker.ts) and directly by the e2e test.
 */

import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TixNode } from '../../node/daemon.ts';
import { hostDialer } from '../../node/dialer.ts';
import { createLogger } from '../../node/log.ts';
import { StoreDir } from '../../src/store/index.ts';
import { deleteTree } from '../../src/store/local/canonicalise.ts';
import { LocalStore, resolveStoreLayout } from '../../src/store/local/index.ts';
import { MemoryPathSource, PeerSubstitution } from '../../src/substitute/index.ts';
import { importerOf } from '../../node/store-importer.ts';

export interface FetchResult {
  name: string;
  ms: number;
  substituted: number;
  /** Paths substituted from each provider (by peer id). */
  byPeer: Record<string, number>;
  failed: number;
  /** A few failure reasons, for the report. */
  failedSample: string[];
  /** Provider answers refused or broken off (each one a fallback to the next provider). */
  rejected: number;
  rejectedSample: string[];
}

export interface VerifyResult {
  name: string;
  checked: number;
  /** Problems `verify --all --check-contents` found. */
  bad: string[];
  /** Wanted paths that are not valid. */
  missing: number;
  temporaries: number;
}

interface Fetcher {
  name: string;
  node: TixNode;
  store?: LocalStore;
  root?: string;
}

const storeDir = new StoreDir('/nix/store');

export class FetcherPool {
  readonly #work: string;
  readonly #fetchers: Fetcher[] = [];
  readonly #log = createLogger('fetcher', process.env.SOAK_LOG ? (l) => process.stderr.write(l + '\n') : () => {}, Boolean(process.env.SOAK_LOG));

  constructor(work: string) {
    this.#work = work;
  }

  /** Start `count` fetching nodes connected to `providers` (multiaddrs with peer ids). */
  async start(count: number, prefix: string, providers: readonly string[]): Promise<string[]> {
    const made = await Promise.all(Array.from({ length: count }, async (_, i) => {
      const name = `${prefix}${i}`;
      const node = await TixNode.create({
        stateDir: join(this.#work, `${name}-state`), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: providers,
        mdns: false, persistent: false, controlSocket: false,
      }, { source: new MemoryPathSource(), nars: new MemoryPathSource(), log: this.#log.child(name) });
      await node.start();
      return { name, node };
    }));
    this.#fetchers.push(...made);
    return made.map((f) => f.node.host.peerId.toString());
  }

  /** Wait until every fetcher holds an inventory from each of `providers` (peer ids). */
  async awaitInventories(providers: readonly string[], timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const missing = this.#fetchers.filter((f) => !providers.every((p) => (f.node.inventory.neighbours.get(p)?.count ?? 0) > 0));
      if (missing.length === 0) return;
      if (Date.now() > deadline) throw new Error(`${missing.length} fetchers have no inventory from every provider after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Every fetcher substitutes `paths` at once, into a fresh store (or, with `again`, into the
   * store of the last round: a retry of what failed).
   */
  async fetch(round: number, paths: readonly string[], stallTimeoutMs: number, again = false): Promise<FetchResult[]> {
    const wanted = paths.map((p) => storeDir.parsePath(p));
    return await Promise.all(this.#fetchers.map(async (f) => {
      if (!again || !f.store) {
        await this.#dropStore(f);
        f.root = mkdtempSync(join(this.#work, `${f.name}-r${round}-`));
        f.store = await LocalStore.open(resolveStoreLayout(f.root), { fsync: false });
      }
      const r: FetchResult = { name: f.name, ms: 0, substituted: 0, byPeer: {}, failed: 0, failedSample: [], rejected: 0, rejectedSample: [] };
      const run = new PeerSubstitution({
        finder: f.node.lookup, dialer: hostDialer(f.node.host), store: importerOf(f.store!), stallTimeoutMs,
        policy: { trustedKeys: new Map(), requireSigs: true, storeDir: f.store!.storeDir },
        onReject: (path, peer, reason) => {
          r.rejected++;
          if (r.rejectedSample.length < 3) r.rejectedSample.push(`${path.baseName} from ${peer}: ${reason}`);
        },
      });
      const t0 = performance.now();
      const out = await run.run(wanted);
      r.ms = performance.now() - t0;
      r.substituted = out.substituted.size;
      for (const peer of out.substituted.values()) r.byPeer[peer] = (r.byPeer[peer] ?? 0) + 1;
      r.failed = out.failed.size;
      r.failedSample = [...out.failed].slice(0, 3).map(([p, why]) => `${p}: ${why}`);
      return r;
    }));
  }

  /**
   * How many of `paths` each fetcher's node finds a narinfo for (`TixNode.queryNarinfos`, what
   * `tix build` asks a running node before substituting).
   */
  async narinfoCounts(paths: readonly string[]): Promise<number[]> {
    return await Promise.all(this.#fetchers.map(async (f) => (await f.node.queryNarinfos(paths)).size));
  }

  /** Verify each fetcher's store: contents, validity of `paths`, no temporaries. */
  async verify(paths: readonly string[]): Promise<VerifyResult[]> {
    const wanted = paths.map((p) => storeDir.parsePath(p));
    const out: VerifyResult[] = [];
    // One at a time: hashing every NAR again is CPU-bound anyway.
    for (const f of this.#fetchers) {
      const store = f.store!;
      const r: VerifyResult = { name: f.name, checked: 0, bad: [], missing: 0, temporaries: 0 };
      for await (const ev of store.verify({ checkContents: true })) {
        if (ev.type === 'done') r.checked = ev.checked;
        else if (ev.type !== 'checked') r.bad.push(`${ev.type} ${ev.path.baseName}`);
      }
      r.missing = wanted.length - (await store.db.queryValidPaths(wanted)).length;
      const temp = store.layout.tempDir;
      r.temporaries = existsSync(temp) ? readdirSync(temp).length : 0;
      out.push(r);
    }
    return out;
  }

  async stop(): Promise<void> {
    await Promise.all(this.#fetchers.map(async (f) => {
      await f.node.stop();
      await this.#dropStore(f);
    }));
    this.#fetchers.length = 0;
  }

  async #dropStore(f: Fetcher): Promise<void> {
    await f.store?.close();
    if (f.root) deleteTree(f.root);
    f.store = undefined;
    f.root = undefined;
  }
}
