/**
 * DHT nodes for the "dht" load scenario, many per process: real `TixNode`s (libp2p host,
 * kad-dht under the tix protocol, inventories, the batched announcer) each holding PATHS
 * made-up paths (bench/p2p/paths.ts: node n's path k is known to everybody without lists).
 * Nodes join and leave on command; lookups run on this process's nodes against the targets
 * the orchestrator names, two ways in turn:
 *
 *   kad   one js kad-dht `findProviders` walk per key, done at the first provider record
 *   tix   the node's `Lookup.findProviders([key])`, which `tix copy` uses: neighbours'
 *         inventories and a have-request, then main's batched DHT lookup for a miss
 *
 * Each lookup has a deadline; a lookup that throws counts as a failure, one that ends
 * without a provider as "not found".
 */

import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { TixNode } from '../../node/daemon.ts';
import { createLogger } from '../../node/log.ts';
import { MemoryPathSource, storePathKey } from '../../src/substitute/index.ts';
import { prng } from '../support/bench.ts';
import { benchPath, storeDir } from '../p2p/paths.ts';

export const LOOKUP_MODES = ['kad', 'tix'] as const;
export type LookupMode = (typeof LOOKUP_MODES)[number];

export interface LookupStats {
  lookups: number;
  found: number;
  notFound: number;
  failures: number;
  /** Milliseconds of every lookup that ended (found or not). */
  latencies: number[];
  failureSample: string[];
}

export interface NodeInfo {
  index: number;
  peerId: string;
  address: string;
  routingTable: number;
  sweeps: number;
  records: number;
}

const emptyStats = (): LookupStats => ({ lookups: 0, found: 0, notFound: 0, failures: 0, latencies: [], failureSample: [] });

export class DhtNodes {
  readonly #work: string;
  readonly #paths: number;
  readonly #forceDht: boolean;
  readonly #nodes = new Map<number, TixNode>();
  readonly #log = createLogger('dht', process.env.SOAK_LOG ? (l) => process.stderr.write(l + '\n') : () => {}, Boolean(process.env.SOAK_LOG));
  #targets: number[] = [];
  #running = false;
  #loops: Promise<void>[] = [];
  readonly stats: Record<LookupMode, LookupStats> = { kad: emptyStats(), tix: emptyStats() };
  /** Event-loop delay of this process: how starved its nodes are (a loaded machine shows here first). */
  readonly #lag = monitorEventLoopDelay({ resolution: 20 });

  /**
   * `forceDht`: sweep and look up in the DHT even when every DHT peer a node knows is its
   * neighbour (a node otherwise skips the sweep then; tests that need records set it).
   */
  constructor(work: string, paths: number, opts: { forceDht?: boolean } = {}) {
    this.#work = work;
    this.#paths = paths;
    this.#forceDht = opts.forceDht ?? false;
  }

  async join(index: number, bootstrap: readonly string[]): Promise<NodeInfo> {
    const source = new MemoryPathSource();
    for (let k = 0; k < this.#paths; k++) {
      const p = benchPath(index, k);
      source.add({ storePath: p, narSize: 1, narinfo: `StorePath: ${storeDir.printPath(p)}\n` });
    }
    const node = await TixNode.create({
      stateDir: join(this.#work, `dht-${index}`), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap, mdns: false,
      persistent: false, controlSocket: false, forceDht: this.#forceDht,
    }, { source, nars: source, log: this.#log.child(`n${index}`) });
    await node.start();
    this.#nodes.set(index, node);
    return this.info(index);
  }

  async leave(index: number): Promise<void> {
    const node = this.#nodes.get(index);
    this.#nodes.delete(index);
    await node?.stop();
  }

  /**
   * Sweep `index`'s paths into the DHT now, with the peers it knows now (a node's own first
   * sweep runs half a second after it starts, while its routing table is still filling).
   * Returns the provider records delivered.
   */
  async sweep(index: number): Promise<number> {
    const n = this.#nodes.get(index)!;
    const keys = Array.from({ length: this.#paths }, (_, k) => benchPath(index, k).hashPart);
    return (await n.announcer.sweep(keys, AbortSignal.timeout(60_000))).records;
  }

  info(index: number): NodeInfo {
    const n = this.#nodes.get(index)!;
    return {
      index, peerId: n.host.peerId.toString(), address: n.host.getMultiaddrs()[0]!.toString(),
      routingTable: (n.host.services.dht as unknown as { routingTable: { size: number } }).routingTable.size,
      sweeps: n.announcer.stats.sweeps, records: n.announcer.stats.records,
    };
  }

  infos(): NodeInfo[] {
    return [...this.#nodes.keys()].map((i) => this.info(i));
  }

  /** Nodes whose paths lookups may ask for (joined long enough ago to have announced). */
  setTargets(indices: number[]): void {
    this.#targets = indices;
  }

  /** Start `concurrency` lookup loops on this process's nodes; they run until `stopLookups`. */
  startLookups(concurrency: number, seed: number, timeoutMs: number): void {
    this.#running = true;
    this.#lag.reset();
    this.#lag.enable();
    const rnd = prng(seed);
    let turn = 0;
    this.#loops = Array.from({ length: concurrency }, async () => {
      while (this.#running) {
        const mine = [...this.#nodes.keys()];
        const targets = this.#targets;
        if (mine.length === 0 || targets.length === 0) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        const q = mine[Math.floor(rnd() * mine.length)]!;
        let t = targets[Math.floor(rnd() * targets.length)]!;
        if (t === q) t = targets[(targets.indexOf(t) + 1) % targets.length]!;
        if (t === q) continue;
        const hashPart = benchPath(t, Math.floor(rnd() * this.#paths)).hashPart;
        const mode = LOOKUP_MODES[turn++ % LOOKUP_MODES.length]!;
        await this.#lookup(mode, q, hashPart, timeoutMs);
      }
    });
  }

  async stopLookups(): Promise<Record<LookupMode, LookupStats> & { lagMs: { p50: number; p99: number; max: number } }> {
    this.#running = false;
    await Promise.all(this.#loops);
    this.#lag.disable();
    const ms = (ns: number): number => ns / 1e6;
    return { ...this.stats, lagMs: { p50: ms(this.#lag.percentile(50)), p99: ms(this.#lag.percentile(99)), max: ms(this.#lag.max) } };
  }

  async stopAll(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
    await Promise.all([...this.#nodes.keys()].map((i) => this.leave(i)));
  }

  /** Providers of node `target`'s path `k` as node `q` finds them (kad: the first record's). */
  async providersOf(mode: LookupMode, q: number, target: number, k: number, timeoutMs: number): Promise<string[]> {
    const node = this.#nodes.get(q)!;
    const hashPart = benchPath(target, k).hashPart;
    const signal = AbortSignal.timeout(timeoutMs);
    if (mode === 'tix') return (await node.lookup.findProviders([hashPart], { signal })).get(hashPart) ?? [];
    for await (const ev of node.host.services.dht.findProviders(storePathKey(storeDir.dir, hashPart), { signal })) {
      if (ev.name === 'PROVIDER' && ev.providers.length > 0) return ev.providers.map((p) => p.id.toString());
    }
    return [];
  }

  async #lookup(mode: LookupMode, q: number, hashPart: string, timeoutMs: number): Promise<void> {
    const node = this.#nodes.get(q);
    if (!node) return;
    const s = this.stats[mode];
    s.lookups++;
    const signal = AbortSignal.timeout(timeoutMs);
    const t0 = performance.now();
    try {
      const found = mode === 'kad' ? await kadFirstProvider(node, hashPart, signal) : ((await node.lookup.findProviders([hashPart], { signal })).get(hashPart)?.length ?? 0) > 0;
      s.latencies.push(performance.now() - t0);
      if (found) s.found++;
      else s.notFound++;
    } catch (e) {
      if (signal.aborted) {
        // The deadline: counted as not found, with its time.
        s.latencies.push(performance.now() - t0);
        s.notFound++;
        return;
      }
      s.failures++;
      if (s.failureSample.length < 5) s.failureSample.push(`${mode} from node ${q}: ${(e as Error).message}`);
    }
  }
}

/** One kad-dht walk for `hashPart`'s key, ended at the first provider record. */
async function kadFirstProvider(node: TixNode, hashPart: string, signal: AbortSignal): Promise<boolean> {
  const ac = new AbortController();
  const both = AbortSignal.any([ac.signal, signal]);
  try {
    for await (const ev of node.host.services.dht.findProviders(storePathKey(storeDir.dir, hashPart), { signal: both })) {
      if (ev.name === 'PROVIDER' && ev.providers.length > 0) {
        ac.abort();
        return true;
      }
    }
  } catch (e) {
    if (ac.signal.aborted) return true;
    throw e;
  }
  return false;
}
