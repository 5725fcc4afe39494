/**
 * Announces this node's paths as kad-dht provider records, batched by keyspace region
 * (dht-regions.ts): one view of each region's peers, then one stream per peer carrying the
 * ADD_PROVIDER messages of all keys it is among the K closest to. New paths are swept
 * ANNOUNCE_DEBOUNCE_MS after they appear; all paths are swept again every
 * REPROVIDE_INTERVAL_MS, well inside the records' 48 h validity.
 *
 * Records matter only for peers beyond our neighbours (who already hold our inventory):
 * while every DHT peer we know is a neighbour and there is room for more, sweeping would
 * only copy our inventory into their datastores, so it is skipped until the network
 * outgrows the neighbour set. Deleted paths are not re-announced; their records expire,
 * neighbours learn of the deletion at once, and lookups confirm every provider.
 */

import type { PeerId } from '@libp2p/interface';
import { storePathKey } from '../src/substitute/index.ts';
import {
  ANNOUNCE_DEBOUNCE_MS, DHT_K, REGION_LOOKUP_TIMEOUT_MS, REGION_MIN_PEERS, REPROVIDE_INTERVAL_MS, SWEEP_CONCURRENCY, SWEEP_MIN_REPLICAS, SWEEP_PEER_ATTEMPTS, SWEEP_PEER_RETRY_MS, SWEEP_PEERS_IN_FLIGHT, SWEEP_RETRY_MS,
} from './constants.ts';
import { closestPeers, groupByRegion, kadId, peerKadId, regionBits, regionOf, type KnownPeer } from './dht-regions.ts';
import type { TixHost } from './host.ts';
import type { InventoryService } from './inventory-service.ts';
import { knownDhtPeers, storeProviders } from './kad-stream.ts';
import type { Logger } from './log.ts';
import type { ProviderRecords } from './provider-records.ts';

export interface DhtAnnouncerComponents {
  host: TixHost;
  inventory: InventoryService;
  /** Our own datastore's provider records: we list ourselves there too, as kad-dht's provide() does. */
  records?: ProviderRecords;
  log: Logger;
}

export interface DhtAnnouncerInit {
  storeDir: string;
  /** Sweep even when every known peer is a neighbour (benchmarks of the DHT path). */
  force?: boolean;
  /** How often every own path is swept again (default REPROVIDE_INTERVAL_MS; tests shorten it). */
  reprovideIntervalMs?: number;
  /** Delay before keys no peer took are swept again (default SWEEP_RETRY_MS). */
  retryMs?: number;
}

export interface SweepResult {
  keys: number;
  regions: number;
  /** Provider records peers confirmed stored (bulk protocol). */
  records: number;
  /** ADD_PROVIDER messages sent to plain kad-dht peers, which never confirm them. */
  unacknowledged: number;
  /** Peers that could not take (all of) their batch. */
  failedPeers: number;
  /**
   * Keys fewer than SWEEP_MIN_REPLICAS peers (or fewer than all peers asked, if less) took:
   * the announcer sweeps them again after SWEEP_RETRY_MS.
   */
  missed: string[];
  skipped: boolean;
}

interface Key {
  hashPart: string;
  key: Uint8Array;
  id: Uint8Array;
}

export class DhtAnnouncer {
  readonly #c: DhtAnnouncerComponents;
  readonly #init: DhtAnnouncerInit;
  readonly stats = { sweeps: 0, skipped: 0, records: 0, unacknowledged: 0, announced: 0, lastSweepMs: 0 };
  #shutdown = new AbortController();
  #pending = new Set<string>();
  #debounce: ReturnType<typeof setTimeout> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #unlisten: (() => void) | undefined;
  #running: Promise<unknown> = Promise.resolve();

  constructor(components: DhtAnnouncerComponents, init: DhtAnnouncerInit) {
    this.#c = components;
    this.#init = init;
  }

  async start(): Promise<void> {
    this.#shutdown = new AbortController();
    this.#unlisten = this.#c.inventory.own.onFlush(({ added }) => {
      for (const h of added) this.#pending.add(h);
      this.#schedule();
    });
    for (const p of this.#c.inventory.own.paths()) this.#pending.add(p.hashPart);
    this.#schedule();
    this.#timer = setInterval(() => {
      for (const p of this.#c.inventory.own.paths()) this.#pending.add(p.hashPart);
      this.#schedule();
    }, this.#init.reprovideIntervalMs ?? REPROVIDE_INTERVAL_MS);
  }

  async stop(): Promise<void> {
    this.#shutdown.abort(new Error('node stopping'));
    clearTimeout(this.#debounce);
    clearInterval(this.#timer);
    clearTimeout(this.#retry);
    this.#unlisten?.();
    await this.#running.catch(() => {});
  }

  #schedule(): void {
    if (this.#debounce || this.#shutdown.signal.aborted) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      const keys = [...this.#pending].filter((h) => this.#c.inventory.own.has(h));
      this.#pending.clear();
      if (keys.length === 0) return;
      this.#running = this.#running.then(() => this.sweep(keys, this.#shutdown.signal)).then((r) => {
        // Skipped keys stay pending: they are swept once the network outgrows our neighbours.
        if (r.skipped) for (const h of keys) this.#pending.add(h);
        else if (r.missed.length > 0) this.#retryLater(r.missed);
      }).catch((e: Error) => this.#c.log.warn(`DHT sweep failed: ${e.message}`));
    }, ANNOUNCE_DEBOUNCE_MS);
  }

  /** Sweep `keys` again after a while (no peer took them: all unreachable, busy or timed out). */
  #retryLater(keys: readonly string[]): void {
    if (this.#shutdown.signal.aborted) return;
    for (const h of keys) this.#pending.add(h);
    if (this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#schedule();
    }, this.#init.retryMs ?? SWEEP_RETRY_MS);
  }

  /** Re-check whether a skipped sweep should run now (the daemon calls this when peers change). */
  poke(): void {
    if (this.#pending.size > 0) this.#schedule();
  }

  /** Whether some DHT peer may not hold our inventory (so records are worth writing). */
  async mayReachBeyondNeighbours(known?: KnownPeer[]): Promise<boolean> {
    const neighbours = this.#c.inventory.neighbours;
    if (neighbours.size >= this.#c.inventory.maxPeers) return true;
    return (known ?? await knownDhtPeers(this.#c.host)).some((p) => !neighbours.has(p.peer.toString()));
  }

  /** Announce `hashParts` (valid paths of ours) to the K closest peers of each. */
  async sweep(hashParts: readonly string[], signal: AbortSignal): Promise<SweepResult> {
    const t0 = performance.now();
    const known = await knownDhtPeers(this.#c.host);
    if (!this.#init.force && !(await this.mayReachBeyondNeighbours(known))) {
      this.stats.skipped++;
      return { keys: hashParts.length, regions: 0, records: 0, unacknowledged: 0, failedPeers: 0, missed: [], skipped: true };
    }
    const bits = regionBits(known.length + 1, REGION_MIN_PEERS);
    const keys: Key[] = hashParts.map((h) => {
      const key = storePathKey(this.#init.storeDir, h).multihash.bytes;
      return { hashPart: h, key, id: kadId(key) };
    });
    const regions = [...groupByRegion(keys, (k) => k.id, bits)];
    // Our own record, so that our GET_PROVIDERS answers name us too (a lookup that asks only
    // us, as the closest peer, must still learn that we have the path).
    await this.#c.records?.add(keys.map((k) => k.key), this.#c.host.peerId, Date.now()).catch((e: Error) => this.#c.log.warn(`own provider records not stored: ${e.message}`));
    const self = { id: this.#c.host.peerId.toMultihash().bytes, multiaddrs: this.#c.host.getMultiaddrs().map((a) => a.decapsulateCode(421).bytes) };
    const result: SweepResult = { keys: keys.length, regions: regions.length, records: 0, unacknowledged: 0, failedPeers: 0, missed: [], skipped: false };
    /** Per key: peers that took its record, and peers asked. */
    const taken = new Map<string, number>();
    const asked = new Map<string, number>();
    let contacted = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < regions.length && !signal.aborted) {
        const [region, rkeys] = regions[next++]!;
        const view = await this.#regionView(known, region, bits, rkeys[0]!.key, signal);
        const byPeer = new Map<string, { peer: PeerId; keys: Key[] }>();
        for (const k of rkeys) {
          for (const p of closestPeers(k.id, view, DHT_K)) {
            const id = p.peer.toString();
            let e = byPeer.get(id);
            if (!e) byPeer.set(id, (e = { peer: p.peer, keys: [] }));
            e.keys.push(k);
          }
        }
        contacted += byPeer.size;
        for (const { keys: pk } of byPeer.values()) for (const k of pk) asked.set(k.hashPart, (asked.get(k.hashPart) ?? 0) + 1);
        await forEachLimited([...byPeer.values()], SWEEP_PEERS_IN_FLIGHT, async ({ peer, keys: pk }) => {
          // A batch that fails part-way (a connection closed as a duplicate, a peer busy for
          // a moment) resumes after the last acknowledged record, a few times.
          let done = 0;
          for (let attempt = 1; ; attempt++) {
            const rest = pk.slice(done);
            const r = await storeProviders(this.#c.host, peer, rest.map((k) => k.key), self, signal);
            result.records += r.acknowledged;
            result.unacknowledged += r.unacknowledged;
            // Acknowledged records are the first ones of the batch; unacknowledged ones all went out.
            for (const k of rest.slice(0, r.acknowledged + r.unacknowledged)) taken.set(k.hashPart, (taken.get(k.hashPart) ?? 0) + 1);
            done += r.acknowledged + r.unacknowledged;
            if (!r.error) break;
            this.#c.log.debug(`provider records for ${peer} failed after ${done} of ${pk.length} (attempt ${attempt}): ${r.error.message}`);
            if (attempt >= SWEEP_PEER_ATTEMPTS || signal.aborted) {
              result.failedPeers++;
              break;
            }
            await sleep(SWEEP_PEER_RETRY_MS * attempt, signal);
          }
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(SWEEP_CONCURRENCY, regions.length) }, worker));
    if (contacted === 0 && !signal.aborted) {
      // Nobody to store records at (a lone node): wait for a peer (poke()) rather than retry.
      this.stats.skipped++;
      return { ...result, skipped: true };
    }
    const enough = (h: string): boolean => (taken.get(h) ?? 0) >= Math.min(SWEEP_MIN_REPLICAS, asked.get(h) ?? 0) && taken.has(h);
    result.missed = signal.aborted ? [] : keys.filter((k) => !enough(k.hashPart)).map((k) => k.hashPart);
    this.stats.sweeps++;
    this.stats.records += result.records;
    this.stats.unacknowledged += result.unacknowledged;
    this.stats.announced = Math.max(this.stats.announced, taken.size);
    this.stats.lastSweepMs = performance.now() - t0;
    this.#c.log.debug(`swept ${keys.length} keys in ${regions.length} regions: ${result.records} records stored, ${result.unacknowledged} sent unconfirmed, ${result.failedPeers} failed peers, ${result.missed.length} keys missed`);
    return result;
  }

  /** The peers of a region: those we know, plus a lookup when our view may be thin. */
  async #regionView(known: KnownPeer[], region: number, bits: number, sample: Uint8Array, signal: AbortSignal): Promise<KnownPeer[]> {
    const view = new Map<string, KnownPeer>();
    for (const p of known) if (regionOf(p.id, bits) === region) view.set(p.peer.toString(), p);
    if (bits > 0 || view.size < DHT_K) {
      const s = AbortSignal.any([signal, AbortSignal.timeout(REGION_LOOKUP_TIMEOUT_MS)]);
      try {
        for await (const ev of this.#c.host.services.dht.getClosestPeers(sample, { signal: s })) {
          if (ev.name === 'FINAL_PEER' && !view.has(ev.peer.id.toString())) view.set(ev.peer.id.toString(), { peer: ev.peer.id, id: peerKadId(ev.peer.id) });
        }
      } catch (e) {
        this.#c.log.debug(`region ${region} lookup ended early: ${(e as Error).message}`);
      }
    }
    view.delete(this.#c.host.peerId.toString());
    return [...view.values()];
  }
}

/** Resolve after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Run `f` over `items`, at most `limit` at a time. */
async function forEachLimited<T>(items: readonly T[], limit: number, f: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await f(items[next++]!);
  }));
}
