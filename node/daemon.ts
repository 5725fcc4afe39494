/**
 * A tix node: the libp2p host plus the tix services, started and stopped in order
 * (datastore → host → inventory → servers → announcer → control socket; the reverse on stop).
 * The store reaches it only through the `PathInfoSource` and `NarSource` components.
 */

import type { PrivateKey } from '@libp2p/interface';
import { MemoryDatastore } from 'datastore-core';
import { LevelDatastore } from 'datastore-level';
import type { Datastore } from 'interface-datastore';
import { ProviderRecords } from './provider-records.ts';
import { ProviderServer } from './provider-server.ts';
import { DHT_DATASTORE_PREFIX } from './constants.ts';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { multiaddr } from '@multiformats/multiaddr';
import { parseNarInfo, StoreDir } from '../src/store/index.ts';
import { checkPathInfo, type TrustPolicy } from '../src/trust/index.ts';
import {
  NARINFO_PER_PEER, NARS_PER_PEER, NarinfoBatcher, type NarSource, type NodeStatus, type PathInfoSource, type PeerImporter, PeerPenalties, PeerSlots,
  PeerSubstitution, type PenaltyOptions, queryNarinfos, type SubstituteReply,
} from '../src/substitute/index.ts';
import { ControlSocket, type ControlHandler } from './control-socket.ts';
import { DhtAnnouncer } from './dht-announcer.ts';
import { hostDialer } from './dialer.ts';
import { HttpCacheServer } from './http-cache.ts';
import { LocalThenNetworkSource } from './facade-source.ts';
import { NetworkSource } from './network-source.ts';
import { createTixHost, type MdnsOptions, type TixHost } from './host.ts';
import { loadOrCreateIdentity } from './identity.ts';
import { InventoryService } from './inventory-service.ts';
import type { Logger } from './log.ts';
import { Lookup } from './lookup.ts';
import { readSwarmKey } from './psk.ts';
import { BulkServer } from './serve-bulk.ts';
import { NarServer } from './serve-nar.ts';
import { NarinfoServer } from './serve-narinfo.ts';

export interface TixNodeInit {
  /** State dir: identity key, datastore, control socket. */
  stateDir: string;
  listen: readonly string[];
  bootstrap?: readonly string[];
  mdns?: false | MdnsOptions;
  /** go-ipfs swarm.key file for a private network. */
  pskFile?: string;
  storeDir?: string;
  /** Keep the datastore on disk in the state dir (default); benchmarks may keep it in memory. */
  persistent?: boolean;
  /** Start the control socket (default true). */
  controlSocket?: boolean;
  /** Identity override (benchmarks with many nodes); loaded from the state dir otherwise. */
  privateKey?: PrivateKey;
  maxNeighbours?: number;
  /** Sweep and look up in the DHT even when every DHT peer is a neighbour (benchmarks). */
  forceDht?: boolean;
  /** Compress NARs with zstd when a peer offers it. */
  zstd?: boolean;
  /** Serve and fetch NARs over the direct bulk channel (`p2p-bulk-channel`; default true). */
  bulkChannel?: boolean;
  /** Serve the store as a Nix binary cache on 127.0.0.1 at this port (0: any free port). */
  httpPort?: number;
  /** Re-announce every own path this often (default 22 h; tests shorten it). */
  reprovideIntervalMs?: number;
  /** Drop a provider silent this long mid-transfer (stalled-download-timeout); 0 or absent: never. */
  stallTimeoutMs?: number;
  /** How peers whose answers were rejected are penalised (peer-penalty-threshold, peer-penalty-cooldown). */
  penalties?: PenaltyOptions;
}

export interface TixNodeComponents {
  source: PathInfoSource;
  nars: NarSource;
  log: Logger;
  /** Where substitutes from peers go and how they are trusted; without it the node only serves. */
  substitution?: { store: PeerImporter; policy: TrustPolicy };
}

export class TixNode {
  readonly host: TixHost;
  readonly inventory: InventoryService;
  readonly announcer: DhtAnnouncer;
  readonly lookup: Lookup;
  readonly narinfoServer: NarinfoServer;
  readonly narServer: NarServer;
  /** The bulk channel's listener and offers (absent when `p2p-bulk-channel = false`). */
  readonly bulkServer: BulkServer | undefined;
  readonly providerServer: ProviderServer;
  /** Provider records this node holds for others (kad-dht's datastore layout). */
  readonly providerRecords: ProviderRecords;
  /** The HTTP binary-cache facade, when a port was asked for. */
  readonly httpCache: HttpCacheServer | undefined;
  /** Where the facade looks for paths the store lacks (with the facade only). */
  readonly network: NetworkSource | undefined;
  /** Rejections by peer, for the whole life of the node (status: `penalties`). */
  readonly penalties: PeerPenalties;
  /** Requests in flight per peer, for all substitutions and narinfo queries together (peers answer "busy" beyond). */
  readonly #slots = { narinfo: new PeerSlots(NARINFO_PER_PEER), nar: new PeerSlots(NARS_PER_PEER) };
  readonly #httpPort: number | undefined;
  readonly #control: ControlSocket | undefined;
  readonly #datastore: LevelDatastore | undefined;
  readonly #providerDatastore: Datastore;
  readonly #log: Logger;
  readonly #substitution: TixNodeComponents['substitution'];
  readonly #storeDir: StoreDir;
  readonly #stallTimeoutMs: number;
  #startedAt = 0;

  private constructor(host: TixHost, datastore: LevelDatastore | undefined, memory: Datastore, init: TixNodeInit, c: TixNodeComponents) {
    this.host = host;
    this.#datastore = datastore;
    this.#providerDatastore = datastore ?? memory;
    this.#log = c.log;
    this.#substitution = c.substitution;
    const storeDir = init.storeDir ?? '/nix/store';
    this.#storeDir = new StoreDir(storeDir);
    this.#stallTimeoutMs = init.stallTimeoutMs ?? 0;
    this.penalties = new PeerPenalties(init.penalties);
    const dialer = hostDialer(host);
    this.inventory = new InventoryService({ host, source: c.source, dialer, log: c.log.child('inventory') }, { maxPeers: init.maxNeighbours });
    this.providerRecords = new ProviderRecords(this.#providerDatastore, DHT_DATASTORE_PREFIX);
    this.announcer = new DhtAnnouncer({ host, inventory: this.inventory, records: this.providerRecords, log: c.log.child('announce') }, { storeDir, force: init.forceDht, reprovideIntervalMs: init.reprovideIntervalMs });
    this.lookup = new Lookup({ host, inventory: this.inventory, announcer: this.announcer, dialer, log: c.log.child('lookup') }, { storeDir, forceDht: init.forceDht });
    this.narinfoServer = new NarinfoServer({ host, source: c.source, log: c.log.child('narinfo') });
    this.providerServer = new ProviderServer({ host, records: this.providerRecords, log: c.log.child('providers') });
    this.narServer = new NarServer({ host, source: c.source, nars: c.nars, log: c.log.child('nar') }, { zstd: init.zstd ?? true });
    this.bulkServer = init.bulkChannel === false ? undefined : new BulkServer({ host, source: c.source, nars: c.nars, log: c.log.child('bulk') }, { listen: init.listen });
    this.#httpPort = init.httpPort;
    if (init.httpPort !== undefined) {
      // Local store first; a miss asks the network within a short bound (a fast 404 otherwise).
      this.network = new NetworkSource({
        finder: this.lookup, dialer, storeDir: this.#storeDir, log: c.log.child('http'), narinfoSlots: this.#slots.narinfo,
        penalties: this.penalties, policy: c.substitution?.policy, now: Date.now, bulk: this.bulkServer !== undefined,
      });
      const served = new LocalThenNetworkSource(c.source, c.nars, this.network);
      this.httpCache = new HttpCacheServer({ source: served, nars: served, storeDir: this.#storeDir, log: c.log.child('http') });
    }
    if (init.controlSocket !== false) {
      this.#control = new ControlSocket(init.stateDir, { handler: this.#handleControl, log: c.log.child('control') });
    }
  }

  /** Create the node (identity, datastore, host) without starting it. */
  static async create(init: TixNodeInit, components: TixNodeComponents): Promise<TixNode> {
    await mkdir(init.stateDir, { recursive: true, mode: 0o700 });
    const privateKey = init.privateKey ?? await loadOrCreateIdentity(init.stateDir);
    const psk = init.pskFile ? await readSwarmKey(init.pskFile) : undefined;
    let datastore: LevelDatastore | undefined;
    if (init.persistent !== false) {
      datastore = new LevelDatastore(join(init.stateDir, 'datastore'));
      await datastore.open();
    }
    // In memory too, the provider server must write to the datastore kad-dht reads.
    const memory = new MemoryDatastore();
    const host = await createTixHost({
      privateKey, listen: init.listen, bootstrap: init.bootstrap, mdns: init.mdns, psk, datastore: datastore ?? memory,
    });
    return new TixNode(host, datastore, memory, init, components);
  }

  async start(): Promise<void> {
    this.#startedAt = Date.now();
    await this.host.start();
    await this.inventory.start();
    await this.narinfoServer.start();
    await this.narServer.start();
    await this.bulkServer?.start();
    await this.providerServer.start();
    if (this.httpCache) await this.httpCache.start(this.#httpPort ?? 0);
    await this.announcer.start();
    this.host.addEventListener('peer:identify', this.#onIdentify);
    await this.#control?.start();
    this.#log.info(`started as ${this.host.peerId.toString()} on ${this.host.getMultiaddrs().map(String).join(' ')}; ${this.inventory.own.size} paths`);
  }

  async stop(): Promise<void> {
    await this.#control?.stop();
    this.host.removeEventListener('peer:identify', this.#onIdentify);
    await this.announcer.stop();
    await this.httpCache?.stop();
    await this.providerServer.stop();
    await this.bulkServer?.stop();
    await this.narServer.stop();
    await this.narinfoServer.stop();
    await this.inventory.stop();
    await this.host.stop();
    await this.#datastore?.close();
    this.#log.info('stopped');
  }

  readonly #onIdentify = (): void => this.announcer.poke();

  readonly #handleControl: ControlHandler = async (method, params) => {
    if (method === 'status') return await this.status();
    if (method === 'findProviders') {
      const hashParts = (params as { hashParts?: unknown }).hashParts;
      if (!Array.isArray(hashParts) || !hashParts.every((h) => typeof h === 'string' && /^[0-9a-df-np-sv-z]{32}$/.test(h))) {
        throw Object.assign(new Error('findProviders needs {"hashParts": [32-character nix32 hash parts]}'), { code: 'E_CONTROL_REQUEST' });
      }
      return Object.fromEntries(await this.lookup.findProviders(hashParts as string[]));
    }
    if (method === 'substitute') return await this.substitute(this.#pathsParam(params));
    if (method === 'queryNarinfos') return Object.fromEntries(await this.queryNarinfos(this.#pathsParam(params)));
    if (method === 'connect') {
      const address = (params as { address?: unknown }).address;
      if (typeof address !== 'string') throw Object.assign(new Error('connect needs {"address": MULTIADDR}'), { code: 'E_CONTROL_REQUEST' });
      await this.host.dial(multiaddr(address));
      return {};
    }
    throw Object.assign(new Error(`unknown control method '${method}'`), { code: 'E_CONTROL_METHOD' });
  };

  #pathsParam(params: unknown): string[] {
    const paths = (params as { paths?: unknown }).paths;
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) {
      throw Object.assign(new Error('expected {"paths": [absolute store paths]}'), { code: 'E_CONTROL_REQUEST' });
    }
    return paths as string[];
  }

  /** Substitute absolute store paths (and their closures) from peers into the node's store. */
  async substitute(paths: readonly string[]): Promise<SubstituteReply> {
    const sub = this.#substitution;
    if (!sub) throw Object.assign(new Error('this node has no store to substitute into (started with --serve-cache)'), { code: 'E_NO_STORE' });
    const parsed = paths.map((p) => this.#storeDir.parsePath(p));
    const rejected: SubstituteReply['rejected'] = [];
    const dialer = hostDialer(this.host);
    const run = new PeerSubstitution({
      finder: this.lookup, dialer, store: sub.store, policy: sub.policy, stallTimeoutMs: this.#stallTimeoutMs,
      penalties: this.penalties, now: Date.now, slots: this.#slots, bulk: this.bulkServer !== undefined,
      onBulkFallback: (path, peer, reason) => this.#log.info(`'${this.#storeDir.printPath(path)}' from ${peer} over the libp2p stream: no bulk channel (${reason})`),
      onReject: (path, peer, reason, outcome) => {
        rejected.push({ path: this.#storeDir.printPath(path), peer, reason, kind: outcome?.kind ?? 'fault' });
        const tally = outcome?.kind === 'lie' ? `lie ${outcome.lies}/${this.penalties.threshold}` : outcome?.kind ?? 'fault';
        this.#log.warn(`rejected '${this.#storeDir.printPath(path)}' from ${peer} (${tally}): ${reason}`);
        if (outcome?.cooledDown) this.#log.warn(`peer ${peer} is skipped for every path for ${Math.round(this.penalties.cooldownMs / 1000)} s: ${this.penalties.threshold} bad answers`);
      },
      onSkip: (path, peer, reason) => {
        rejected.push({ path: this.#storeDir.printPath(path), peer, reason, kind: 'skipped' });
        this.#log.info(`not asking ${peer} for '${this.#storeDir.printPath(path)}': ${reason}`);
      },
    });
    const r = await run.run(parsed);
    for (const [base, peer] of r.substituted) this.#log.info(`substituted ${this.#storeDir.dir}/${base} from ${peer}`);
    return { substituted: Object.fromEntries(r.substituted), failed: Object.fromEntries(r.failed), rejected };
  }

  /**
   * For each path, a provider's narinfo text: the first one our trust policy accepts, else
   * the first one at all (so the caller can say why it is refused). The caller checks again.
   */
  async queryNarinfos(paths: readonly string[]): Promise<Map<string, string>> {
    const parsed = paths.map((p) => this.#storeDir.parsePath(p));
    const providers = await this.lookup.findProviders(parsed.map((p) => p.hashPart));
    const out = new Map<string, string>();
    const dialer = hostDialer(this.host);
    const policy = this.#substitution?.policy;
    // One request per provider for the whole batch (a build asks for hundreds of paths at once).
    const narinfos = new NarinfoBatcher((peer, hashParts) => this.#slots.narinfo.run(peer,
      () => queryNarinfos(dialer, peer, hashParts, { idleTimeoutMs: this.#stallTimeoutMs })));
    await Promise.all(parsed.map(async (p) => {
      let fallback: string | undefined;
      for (const peer of this.penalties.order(providers.get(p.hashPart) ?? [], p.hashPart, Date.now()).use) {
        try {
          const text = await narinfos.get(peer, p.hashPart);
          if (text === undefined) continue;
          fallback ??= text;
          const info = parseNarInfo(text, { whence: `narinfo from ${peer}`, storeDir: this.#storeDir });
          if (!policy || checkPathInfo(info, policy, { expectedPath: p }).ok) {
            out.set(this.#storeDir.printPath(p), text);
            return;
          }
        } catch (e) {
          this.#log.debug(`narinfo query to ${peer} failed: ${(e as Error).message}`);
        }
      }
      if (fallback !== undefined) out.set(this.#storeDir.printPath(p), fallback);
    }));
    return out;
  }

  async status(): Promise<NodeStatus> {
    const nb = this.inventory.neighbours;
    const peers = this.host.getPeers().map((p) => {
      const id = p.toString();
      const inv = nb.get(id);
      return {
        peerId: id,
        addresses: this.host.getConnections(p).map((c) => c.remoteAddr.toString()),
        neighbour: inv !== undefined,
        paths: inv ? inv.count : null,
      };
    });
    const a = this.announcer.stats;
    const ns = this.narServer.stats;
    const bs = this.bulkServer?.stats ?? { served: 0, narBytes: 0, wireBytes: 0 };
    const br = this.bulkServer?.requests.refused ?? 0;
    const is = this.narinfoServer.stats;
    return {
      peerId: this.host.peerId.toString(),
      pid: process.pid,
      addresses: this.host.getMultiaddrs().map(String),
      httpPort: this.httpCache?.port ?? null,
      peers,
      announced: this.inventory.own.size,
      dht: { routingTable: (this.host.services.dht as unknown as { routingTable: { size: number } }).routingTable.size, sweeps: a.sweeps, records: a.records, skipped: a.skipped, lastSweepMs: Math.round(a.lastSweepMs) },
      transfers: {
        narinfoRequestsServed: is.served,
        narinfosServed: is.narinfos,
        narsServed: ns.served + bs.served,
        narBytesServed: ns.narBytes + bs.narBytes,
        wireBytesServed: ns.wireBytes + bs.wireBytes,
        bulkNarsServed: bs.served,
        haveRequestsServed: this.inventory.stats.haveRequests,
        requestsRefused: is.refused + ns.refused + br + this.inventory.stats.refused,
        lookups: this.lookup.stats.lookups,
        lookupPaths: this.lookup.stats.paths,
      },
      uptimeMs: Date.now() - this.#startedAt,
      penalties: this.penalties.status(Date.now()),
    };
  }
}
