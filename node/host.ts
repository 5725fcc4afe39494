/**
 * The libp2p 3 host of a tix node: TCP, Noise, Yamux, identify, ping, a private kad-dht on
 * `/tix/kad/1.0.0` forced into server mode, mDNS with a tix service tag, static bootstrap
 * peers and an optional pre-shared-key private network. Assembly only: the tix services
 * (inventory, announcer, servers) are started by daemon.ts on top of it.
 */

import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { bootstrap } from '@libp2p/bootstrap';
import { identify, type Identify } from '@libp2p/identify';
import { KEEP_ALIVE, type PeerDiscovery, type PeerInfo, type PrivateKey } from '@libp2p/interface';
import { kadDHT, type KadDHT, type KadDHTInit } from '@libp2p/kad-dht';
import { mdns } from '@libp2p/mdns';
import { ping, type Ping } from '@libp2p/ping';
import { preSharedKey } from '@libp2p/pnet';
import { tcp } from '@libp2p/tcp';
import type { Multiaddr } from '@multiformats/multiaddr';
import type { Datastore } from 'interface-datastore';
import { createLibp2p, type Libp2p } from 'libp2p';
import {
  BOOTSTRAP_DELAY_MS, DHT_K, DHT_PROTOCOL, DIAL_TIMEOUT_MS, INBOUND_CONNECTION_THRESHOLD, MAX_CONNECTIONS,
  MAX_INCOMING_PENDING_CONNECTIONS, MDNS_INTERVAL_MS, MDNS_SERVICE_TAG, YAMUX_INITIAL_WINDOW, YAMUX_MAX_MESSAGE, YAMUX_MAX_WINDOW,
  DHT_DATASTORE_PREFIX, STREAM_MAX_READ_BUFFER, CONNECTION_PING_MIN_TIMEOUT_MS,
} from './constants.ts';

export interface MdnsOptions {
  serviceTag?: string;
  interval?: number;
  /** UDP port (5353 on a real LAN; tests in a network namespace may use it freely). */
  port?: number;
}

export interface TixHostInit {
  privateKey: PrivateKey;
  /** Listen multiaddrs, e.g. `/ip4/0.0.0.0/tcp/0`. */
  listen: readonly string[];
  /** Static bootstrap peers (multiaddrs with /p2p/<id>). */
  bootstrap?: readonly string[];
  /** mDNS discovery; on unless `false`. */
  mdns?: false | MdnsOptions;
  /** Pre-shared key file contents (go-ipfs swarm.key format) for a private network. */
  psk?: Uint8Array;
  /** Persistent datastore for the peer store and provider records; in memory when absent. */
  datastore?: Datastore;
  /** Overrides of the DHT settings (benchmarks compare configurations). */
  dht?: Partial<KadDHTInit>;
  /** Whether peers' loopback addresses are kept (default: when we listen on loopback ourselves). */
  allowLoopback?: boolean;
}

export type TixServices = { identify: Identify; ping: Ping; dht: KadDHT };
export type TixHost = Libp2p<TixServices>;

/**
 * Peer-info mapping for a private network: private and public addresses are both legitimate
 * (a LAN, a VPN, a routed CI fleet), but a remote peer's loopback address points back at us,
 * so it is kept only when the whole network lives on one machine (tests, benchmarks).
 */
export function lanPeerInfoMapper(allowLoopback: boolean): (peer: PeerInfo) => PeerInfo {
  return (peer) => ({ ...peer, multiaddrs: peer.multiaddrs.filter((ma) => allowLoopback || !isLoopback(ma)) });
}

function isLoopback(ma: Multiaddr): boolean {
  const c = ma.getComponents()[0];
  if (!c) return false;
  if (c.name === 'ip4') return c.value?.startsWith('127.') ?? false;
  if (c.name === 'ip6') return c.value === '::1';
  return c.name === 'dns' && c.value === 'localhost';
}

/** Whether every listen address is on loopback (a one-machine network). */
export function listensOnLoopbackOnly(listen: readonly string[]): boolean {
  return listen.length > 0 && listen.every((a) => /^\/ip4\/127\.|^\/ip6\/::1\//.test(a));
}

export async function createTixHost(init: TixHostInit): Promise<TixHost> {
  const allowLoopback = init.allowLoopback ?? init.listen.some((a) => /^\/ip4\/127\.|^\/ip6\/::1\//.test(a));
  const peerDiscovery: Array<(components: any) => PeerDiscovery> = [];
  if (init.mdns !== false) {
    peerDiscovery.push(mdns({ serviceTag: init.mdns?.serviceTag ?? MDNS_SERVICE_TAG, interval: init.mdns?.interval ?? MDNS_INTERVAL_MS, port: init.mdns?.port }));
  }
  if (init.bootstrap && init.bootstrap.length > 0) {
    // Tagged keep-alive without expiry: bootstrap peers are the static anchors of a routed or
    // air-gapped network, so the connection manager redials them whenever they drop.
    peerDiscovery.push(bootstrap({ list: [...init.bootstrap], timeout: BOOTSTRAP_DELAY_MS, tagName: KEEP_ALIVE }));
  }
  return await createLibp2p({
    // The daemon starts the host itself, after the tix services are wired to it.
    start: false,
    privateKey: init.privateKey,
    addresses: { listen: [...init.listen] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({
      maxMessageSize: YAMUX_MAX_MESSAGE,
      streamOptions: { initialStreamWindowSize: YAMUX_INITIAL_WINDOW, maxStreamWindowSize: YAMUX_MAX_WINDOW, maxReadBufferLength: STREAM_MAX_READ_BUFFER },
    })],
    connectionMonitor: { pingTimeout: { minTimeout: CONNECTION_PING_MIN_TIMEOUT_MS, maxTimeout: 2 * CONNECTION_PING_MIN_TIMEOUT_MS } },
    ...(init.psk ? { connectionProtector: preSharedKey({ psk: init.psk }) } : {}),
    ...(init.datastore ? { datastore: init.datastore } : {}),
    peerDiscovery,
    connectionManager: {
      maxConnections: MAX_CONNECTIONS,
      dialTimeout: DIAL_TIMEOUT_MS,
      inboundConnectionThreshold: INBOUND_CONNECTION_THRESHOLD,
      maxIncomingPendingConnections: MAX_INCOMING_PENDING_CONNECTIONS,
    },
    services: {
      identify: identify({ protocolPrefix: 'tix' }),
      ping: ping({ protocolPrefix: 'tix' }),
      dht: kadDHT({
        protocol: DHT_PROTOCOL,
        // A private network has no public reachability to detect: serve from the start.
        clientMode: false,
        // The first node of a new network must be able to provide and look up (it answers
        // from its own records) instead of waiting for a peer that may never come.
        allowQueryWithZeroPeers: true,
        kBucketSize: DHT_K,
        peerInfoMapper: lanPeerInfoMapper(allowLoopback),
        logPrefix: 'tix:kad-dht',
        datastorePrefix: DHT_DATASTORE_PREFIX,
        metricsPrefix: 'tix_kad_dht',
        ...init.dht,
      }),
    },
  });
}

