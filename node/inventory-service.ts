/**
 * The inventory protocol service (`/tix/inventory/1.0.0`), both directions:
 *
 * - serving: a neighbour that subscribes gets our Bloom filter, then a delta every
 *   INVENTORY_FLUSH_MS while our store changes (or a fresh filter when the old one went
 *   stale); a have-request gets a bitmap of the paths we have.
 * - subscribing: every connected tix peer, up to MAX_INVENTORY_PEERS, becomes a neighbour
 *   whose inventory we hold; peers discovered by mDNS, bootstrap or the DHT are dialed while
 *   there is room, so a network of up to that many nodes forms a full mesh and every lookup
 *   among them is answered from memory plus one confirming round trip.
 */

import type { Connection, PeerId, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import {
  FRAME_CAP, PROTOCOL_INVENTORY, subscribeInventory, writeMessage,
  type Message, type PathInfoSource, type PeerDialer, type PeerStream, type StreamContext,
} from '../src/substitute/index.ts';
import {
  HAVE_MAX_CONCURRENT_PER_PEER, INVENTORY_FLUSH_MS, INVENTORY_SUBSCRIBE_TIMEOUT_MS, MAX_INBOUND_STREAMS, MAX_INVENTORY_PEERS,
} from './constants.ts';
import type { TixHost } from './host.ts';
import type { Logger } from './log.ts';
import { OwnInventory } from './own-inventory.ts';
import { PeerInventory } from './peer-inventory.ts';
import { PeerLimiter } from './peer-limiter.ts';
import { serveStream } from './serve-common.ts';

export interface InventoryServiceComponents {
  host: TixHost;
  source: PathInfoSource;
  dialer: PeerDialer;
  log: Logger;
}

export interface InventoryServiceInit {
  /** Neighbours to hold inventories of (MAX_INVENTORY_PEERS by default). */
  maxPeers?: number;
  flushMs?: number;
}

/** Messages queued to a slow subscriber before it is dropped (it resubscribes for a fresh filter). */
const MAX_QUEUED_PER_SUBSCRIBER = 64;
/** Longest wait between resubscription attempts to a connected neighbour. */
const MAX_RETRY_MS = 30_000;

interface Subscriber {
  stream: PeerStream;
  ctx: StreamContext;
  queued: number;
  chain: Promise<void>;
}

export class InventoryService {
  readonly own = new OwnInventory();
  /** Inventories of our neighbours, by peer id. */
  readonly neighbours = new Map<string, PeerInventory>();
  readonly #c: InventoryServiceComponents;
  readonly #maxPeers: number;
  readonly #flushMs: number;
  readonly #subscribers = new Map<string, Subscriber>();
  readonly #subscriptions = new Map<string, AbortController>();
  readonly #haveLimiter = new PeerLimiter(HAVE_MAX_CONCURRENT_PER_PEER);
  readonly stats = { served: 0, refused: 0, failed: 0, haveRequests: 0 };
  #shutdown = new AbortController();
  #timer: ReturnType<typeof setInterval> | undefined;
  #unsubscribeSource: (() => void) | undefined;
  #topology: string | undefined;
  readonly #onDiscovery = (evt: CustomEvent<{ id: PeerId }>): void => this.#maybeDial(evt.detail.id);

  constructor(components: InventoryServiceComponents, init: InventoryServiceInit = {}) {
    this.#c = components;
    this.#maxPeers = init.maxPeers ?? MAX_INVENTORY_PEERS;
    this.#flushMs = init.flushMs ?? INVENTORY_FLUSH_MS;
  }

  async start(): Promise<void> {
    this.#shutdown = new AbortController();
    this.#unsubscribeSource = this.#c.source.subscribe((e) => {
      if (e.type === 'added') this.own.add(e.path);
      else this.own.remove(e.path.hashPart);
    });
    await this.own.load(this.#c.source, this.#shutdown.signal);
    const host = this.#c.host;
    await host.handle(PROTOCOL_INVENTORY, (s, c) => this.#onStream(s, c), { maxInboundStreams: MAX_INBOUND_STREAMS });
    this.#topology = await host.register(PROTOCOL_INVENTORY, {
      onConnect: (peer) => this.#maybeSubscribe(peer.toString()),
      onDisconnect: (peer) => this.#unsubscribe(peer.toString()),
    });
    host.addEventListener('peer:discovery', this.#onDiscovery);
    this.#timer = setInterval(() => this.flush(), this.#flushMs);
    // Peers connected before we registered (bootstrap dials race with start).
    for (const p of host.getPeers()) this.#maybeSubscribe(p.toString());
  }

  async stop(): Promise<void> {
    this.#shutdown.abort(new Error('node stopping'));
    clearInterval(this.#timer);
    this.#unsubscribeSource?.();
    this.#c.host.removeEventListener('peer:discovery', this.#onDiscovery);
    if (this.#topology) this.#c.host.unregister(this.#topology);
    for (const ac of this.#subscriptions.values()) ac.abort();
    this.#subscriptions.clear();
    for (const s of this.#subscribers.values()) s.stream.abort(new Error('node stopping'));
    this.#subscribers.clear();
    this.neighbours.clear();
    await this.#c.host.unhandle(PROTOCOL_INVENTORY);
  }

  /** Send pending inventory changes to every subscriber now (also runs on a timer). */
  flush(): void {
    const update = this.own.flush();
    if (!update) return;
    const messages: Message[] = update.type === 'filter' ? [update.message] : update.messages;
    for (const [peer, sub] of this.#subscribers) for (const m of messages) this.#enqueue(peer, sub, m);
  }

  /** Most neighbours held at once. */
  get maxPeers(): number {
    return this.#maxPeers;
  }

  /** Peers currently subscribed to our inventory. */
  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  #enqueue(peer: string, sub: Subscriber, m: Message): void {
    if (++sub.queued > MAX_QUEUED_PER_SUBSCRIBER) {
      this.#c.log.warn(`peer ${peer} does not read its inventory subscription; dropping it`);
      sub.stream.abort(new Error('inventory subscriber too slow'));
      this.#subscribers.delete(peer);
      return;
    }
    sub.chain = sub.chain.then(async () => {
      await writeMessage(sub.stream, m, sub.ctx);
      sub.queued--;
    }).catch(() => {
      if (this.#subscribers.get(peer) === sub) this.#subscribers.delete(peer);
    });
  }

  async #onStream(stream: Stream, conn: Connection): Promise<void> {
    const opts = {
      protocol: PROTOCOL_INVENTORY, frameCap: FRAME_CAP.inventory, limiter: this.#haveLimiter,
      accept: ['inventory-subscribe', 'have-request'] as const, log: this.#c.log, shutdown: this.#shutdown.signal, stats: this.stats,
    };
    await serveStream(stream, conn, opts, async (req, ctx) => {
      if (req.type === 'have-request') {
        this.stats.haveRequests++;
        const have = req.hashParts.map((h) => this.own.has(h));
        await writeMessage(ctx.stream, { type: 'have-response', id: req.id, have }, ctx);
        await ctx.stream.close();
        return;
      }
      // A subscription: replace any older one from this peer, send the filter, then the
      // deltas go out from flush() until the stream closes.
      this.#subscribers.get(ctx.peerId)?.stream.abort(new Error('replaced by a new subscription'));
      const sub: Subscriber = { stream: ctx.stream, ctx, queued: 0, chain: Promise.resolve() };
      this.#subscribers.set(ctx.peerId, sub);
      this.#enqueue(ctx.peerId, sub, this.own.snapshot());
      await new Promise<void>((resolve) => {
        stream.addEventListener('close', () => resolve(), { once: true });
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      if (this.#subscribers.get(ctx.peerId) === sub) this.#subscribers.delete(ctx.peerId);
    });
  }

  #maybeDial(peer: PeerId): void {
    const id = peer.toString();
    if (this.#shutdown.signal.aborted || this.#subscriptions.has(id) || this.#subscriptions.size >= this.#maxPeers) return;
    if (this.#c.host.getConnections(peer).length > 0) return;
    this.#c.host.dial(peer, { signal: AbortSignal.any([this.#shutdown.signal, AbortSignal.timeout(INVENTORY_SUBSCRIBE_TIMEOUT_MS)]) })
      .catch((e: Error) => this.#c.log.debug(`could not dial discovered peer ${id}: ${e.message}`));
  }

  #maybeSubscribe(peer: string): void {
    if (this.#shutdown.signal.aborted || this.#subscriptions.has(peer) || this.#subscriptions.size >= this.#maxPeers) return;
    const ac = new AbortController();
    this.#subscriptions.set(peer, ac);
    const signal = AbortSignal.any([ac.signal, this.#shutdown.signal]);
    void this.#subscribeLoop(peer, signal).finally(() => {
      if (this.#subscriptions.get(peer) === ac) this.#subscriptions.delete(peer);
      this.neighbours.delete(peer);
    });
  }

  #unsubscribe(peer: string): void {
    // A peer may hold several connections; unsubscribe only when the last one is gone.
    if (this.#c.host.getConnections(peerIdFromString(peer)).length > 0) return;
    this.#subscriptions.get(peer)?.abort();
    this.#subscriptions.delete(peer);
    this.neighbours.delete(peer);
  }

  /** Hold `peer`'s inventory while it stays connected, resubscribing after failures. */
  async #subscribeLoop(peer: string, signal: AbortSignal): Promise<void> {
    const log = this.#c.log;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        for await (const m of subscribeInventory(this.#c.dialer, peer, { signal, firstTimeoutMs: INVENTORY_SUBSCRIBE_TIMEOUT_MS })) {
          attempt = 0;
          const inv = this.neighbours.get(peer);
          if (m.type === 'inventory-filter') {
            if (inv) inv.reset(m, Date.now());
            else this.neighbours.set(peer, new PeerInventory(peer, m, Date.now()));
            log.debug(`inventory of ${peer}: ${m.count} paths`);
          } else if (!inv || !inv.apply(m, Date.now())) {
            throw new Error(`inventory delta ${m.seq} out of order`);
          }
        }
      } catch (e) {
        if (!signal.aborted) log.debug(`inventory subscription to ${peer} failed: ${(e as Error).message}`);
      }
      this.neighbours.delete(peer);
      if (signal.aborted || this.#c.host.getConnections(peerIdFromString(peer)).length === 0) return;
      await sleep(Math.min(MAX_RETRY_MS, 500 * 2 ** attempt), signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}
