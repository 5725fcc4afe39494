/**
 * Keyspace regions for batched DHT work (the idea of Kubo's sweep provider): Kademlia keys
 * are placed by `sha256(key)`; a region is the set of keys whose kad id starts with the
 * same `bits` bits, with `bits` chosen so a region holds about REGION_MIN_PEERS peers. One
 * view of a region's peers then serves every key in it: each key goes to its K closest
 * peers of that view, so a sweep costs one peer lookup per region instead of one per key.
 */

import type { PeerId } from '@libp2p/interface';
import { createHash } from 'node:crypto';

/** The Kademlia id of a key or a peer: sha256 of its bytes (kad-dht `convertBuffer`). */
export function kadId(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest();
}

export function peerKadId(peer: PeerId): Uint8Array {
  return kadId(peer.toMultihash().bytes);
}

/** Prefix bits for a network of `peers` DHT servers (0 = one region: the whole keyspace). */
export function regionBits(peers: number, minPeersPerRegion: number): number {
  return Math.max(0, Math.floor(Math.log2(Math.max(1, peers) / minPeersPerRegion)));
}

/** The region number of a kad id: its first `bits` bits. */
export function regionOf(id: Uint8Array, bits: number): number {
  if (bits === 0) return 0;
  const v = ((id[0]! << 24) | (id[1]! << 16) | (id[2]! << 8) | id[3]!) >>> 0;
  return v >>> (32 - Math.min(bits, 32));
}

export interface KnownPeer {
  peer: PeerId;
  id: Uint8Array;
}

/** The `count` peers closest to `target` by XOR distance. */
export function closestPeers(target: Uint8Array, peers: readonly KnownPeer[], count: number): KnownPeer[] {
  if (peers.length <= count) return [...peers];
  return [...peers].sort((a, b) => compareDistance(a.id, b.id, target)).slice(0, count);
}

function compareDistance(a: Uint8Array, b: Uint8Array, t: Uint8Array): number {
  for (let i = 0; i < t.length; i++) {
    const d = (a[i]! ^ t[i]!) - (b[i]! ^ t[i]!);
    if (d !== 0) return d;
  }
  return 0;
}

/** Group items by region. */
export function groupByRegion<T>(items: Iterable<T>, id: (t: T) => Uint8Array, bits: number): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const it of items) {
    const r = regionOf(id(it), bits);
    let list = out.get(r);
    if (!list) out.set(r, (list = []));
    list.push(it);
  }
  return out;
}
