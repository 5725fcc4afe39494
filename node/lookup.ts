/**
 * "Who has these paths?" for a whole closure at once — the `ProviderFinder` the substitution
 * client and the HTTP facade use:
 *
 * 1. neighbours' inventories (Bloom filters held in memory) name the candidates — no
 *    network traffic;
 * 2. one batched have-request per candidate neighbour, in parallel, confirms them (a
 *    filter's false positive or a path deleted a moment ago costs nothing worse);
 * 3. paths still without a provider are looked up in the DHT, batched by keyspace region
 *    (one bulk GET_PROVIDERS exchange per peer asked, in rounds: the closest peer first,
 *    further ones only for keys still short of providers), and the providers found are
 *    confirmed the same way — skipped when no DHT peer lies beyond our neighbours.
 */

import type { PeerId } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { peerIdFromMultihash } from '@libp2p/peer-id';
import * as Digest from 'multiformats/hashes/digest';
import { decodeNix32, queryHave, storePathKey, type AbortOptions, type PeerDialer, type ProviderFinder } from '../src/substitute/index.ts';
import { DHT_K, GET_PROVIDERS_ROUNDS, GET_PROVIDERS_TIMEOUT_MS, HAVE_TIMEOUT_MS, REGION_MIN_PEERS } from './constants.ts';
import type { DhtAnnouncer } from './dht-announcer.ts';
import { closestPeers, groupByRegion, kadId, regionBits, regionOf } from './dht-regions.ts';
import type { TixHost } from './host.ts';
import type { InventoryService } from './inventory-service.ts';
import { findProvidersAt, knownDhtPeers } from './kad-stream.ts';
import type { Logger } from './log.ts';

export interface LookupComponents {
  host: TixHost;
  inventory: InventoryService;
  announcer: DhtAnnouncer;
  dialer: PeerDialer;
  log: Logger;
}

export interface LookupInit {
  storeDir: string;
  /** Ask the DHT even when every DHT peer is a neighbour (benchmarks of the DHT path). */
  forceDht?: boolean;
}

export interface LookupStats {
  lookups: number;
  paths: number;
  fromNeighbours: number;
  fromDht: number;
  haveRequests: number;
}

export class Lookup implements ProviderFinder {
  readonly #c: LookupComponents;
  readonly #init: LookupInit;
  readonly stats: LookupStats = { lookups: 0, paths: 0, fromNeighbours: 0, fromDht: 0, haveRequests: 0 };

  constructor(components: LookupComponents, init: LookupInit) {
    this.#c = components;
    this.#init = init;
  }

  async findProviders(hashParts: readonly string[], options: AbortOptions = {}): Promise<Map<string, string[]>> {
    this.stats.lookups++;
    this.stats.paths += hashParts.length;
    const wanted = [...new Set(hashParts)];
    const result = new Map<string, string[]>();
    // 1 + 2: neighbours' filters, then one have-request per candidate.
    const candidates = new Map<string, string[]>();
    const neighbours = [...this.#c.inventory.neighbours.values()];
    for (const h of wanted) {
      const d = decodeNix32(h, 20);
      for (const inv of neighbours) if (inv.mayHave(h, d)) push(candidates, inv.peerId, h);
    }
    await this.#confirm(candidates, result, options.signal);
    this.stats.fromNeighbours += result.size;
    // 3: the DHT for the rest.
    const misses = wanted.filter((h) => !result.has(h));
    if (misses.length > 0 && (this.#init.forceDht || (await this.#c.announcer.mayReachBeyondNeighbours()))) {
      const found = await this.#dhtProviders(misses, options.signal);
      const before = result.size;
      await this.#confirm(found, result, options.signal);
      this.stats.fromDht += result.size - before;
    }
    return result;
  }

  /** Ask each candidate which of its paths it really has; adds the confirmed ones to `result`. */
  async #confirm(byPeer: Map<string, string[]>, result: Map<string, string[]>, signal?: AbortSignal): Promise<void> {
    await Promise.all([...byPeer].map(async ([peer, hs]) => {
      this.stats.haveRequests++;
      try {
        const s = AbortSignal.any([AbortSignal.timeout(HAVE_TIMEOUT_MS), ...(signal ? [signal] : [])]);
        for (const h of await queryHave(this.#c.dialer, peer, hs, { signal: s })) push(result, h, peer);
      } catch (e) {
        this.#c.log.debug(`have-request to ${peer} failed: ${(e as Error).message}`);
      }
    }));
  }

  /**
   * Candidate providers from the DHT, by peer: batched GET_PROVIDERS in rounds over each
   * key's K closest peers (GET_PROVIDERS_ROUNDS) — the closest first, the next two while
   * the key has fewer than two providers (a fallback if one lies or is gone), the rest while
   * it has none. Where records are in place few peers answer for many keys; a key whose
   * records reached only some of its K peers (a sweep cut short) is still found.
   */
  async #dhtProviders(hashParts: string[], signal?: AbortSignal): Promise<Map<string, string[]>> {
    const host = this.#c.host;
    const known = await knownDhtPeers(host);
    if (known.length === 0) return new Map();
    const bits = regionBits(known.length + 1, REGION_MIN_PEERS);
    const keys: DhtKey[] = hashParts.map((h) => {
      const key = storePathKey(this.#init.storeDir, h).multihash.bytes;
      return { hashPart: h, key, id: kadId(key), ask: [], providers: new Set() };
    });
    for (const [region, rkeys] of groupByRegion(keys, (k) => k.id, bits)) {
      const view = known.filter((p) => regionOf(p.id, bits) === region);
      for (const k of rkeys) k.ask = closestPeers(k.id, view.length > 0 ? view : known, DHT_K).map((p) => p.peer);
    }
    const byProvider = new Map<string, Set<string>>();
    /** One address update per provider, not one per key: each is a peer-store write. */
    const addrs = new Map<string, { provider: PeerId; multiaddrs: Uint8Array[] }>();
    /** Provider ids as the wire carries them (multihash bytes, as hex) → peer id strings. */
    const ids = new Map<string, string>();
    const self = host.peerId.toString();
    const deadline = AbortSignal.any([AbortSignal.timeout(GET_PROVIDERS_TIMEOUT_MS), ...(signal ? [signal] : [])]);
    for (const [from, to, below] of GET_PROVIDERS_ROUNDS) {
      if (deadline.aborted) break;
      const askPeer = new Map<string, { peer: PeerId; keys: DhtKey[] }>();
      for (const k of keys) {
        if (k.providers.size >= below) continue;
        for (const peer of k.ask.slice(from, to)) {
          const id = peer.toString();
          let e = askPeer.get(id);
          if (!e) askPeer.set(id, (e = { peer, keys: [] }));
          e.keys.push(k);
        }
      }
      if (askPeer.size === 0) break;
      await Promise.all([...askPeer.values()].map(async ({ peer, keys: pk }) => {
        try {
          const answers = await findProvidersAt(host, peer, pk.map((k) => k.key), deadline);
          for (let i = 0; i < answers.length && i < pk.length; i++) {
            for (const pi of answers[i]!.providers) {
              const hex = Buffer.from(pi.id).toString('hex');
              let id = ids.get(hex);
              if (id === undefined) {
                const provider = peerIdFromMultihash(Digest.decode(pi.id));
                ids.set(hex, (id = provider.toString()));
                if (pi.multiaddrs.length > 0 && id !== self) addrs.set(id, { provider, multiaddrs: pi.multiaddrs });
              }
              if (id === self) continue;
              let set = byProvider.get(id);
              if (!set) byProvider.set(id, (set = new Set()));
              set.add(pk[i]!.hashPart);
              pk[i]!.providers.add(id);
            }
          }
        } catch (e) {
          this.#c.log.debug(`GET_PROVIDERS batch to ${peer} failed: ${(e as Error).message}`);
        }
      }));
    }
    await Promise.all([...addrs.values()].map(({ provider, multiaddrs }) =>
      host.peerStore.merge(provider, { multiaddrs: multiaddrs.map((a) => multiaddr(a)) }).catch(() => {})));
    return new Map([...byProvider].map(([p, s]) => [p, [...s]]));
  }
}

interface DhtKey {
  hashPart: string;
  key: Uint8Array;
  id: Uint8Array;
  /** The peers to ask, closest first. */
  ask: PeerId[];
  providers: Set<string>;
}

function push(m: Map<string, string[]>, k: string, v: string): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
